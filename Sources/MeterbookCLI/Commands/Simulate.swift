import ArgumentParser
import Foundation
import MeterbookSimulator

extension MeterbookCommand {
    /// Runs the simulated upstream on its own, for SDKs, `meterbook call` or the proxy to talk to.
    struct Simulate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the built-in simulated Azure OpenAI / Foundry / Claude upstream until interrupted.",
            discussion: """
                Serves /openai/v1/..., /openai/deployments/NAME/..., /api/projects/PROJ/openai/responses and \
                /anthropic/v1/messages with realistic usage, headers and SSE. Faults can be scripted with \
                POST /_sim/script {"faults":[...]}; GET /_sim/served lists what was served.
                """
        )

        @Option(help: "Address to listen on (loopback only by default).")
        var listen: ListenAddress = ListenAddress(argument: "127.0.0.1:8080")!

        @Option(name: .customLong("throttle-rate"), help: "Share of requests answered 429 (0...1).")
        var throttleRate: Double = 0

        @Option(name: .customLong("server-error-rate"), help: "Share of requests answered 5xx (0...1).")
        var serverErrorRate: Double = 0

        @Option(help: "Seed of the simulator's randomness.")
        var seed: UInt64 = 42

        func validate() throws {
            guard (0...1).contains(throttleRate), (0...1).contains(serverErrorRate) else {
                throw ValidationError("--throttle-rate and --server-error-rate take a share between 0 and 1, e.g. 0.05.")
            }
        }

        func run() async throws {
            var configuration = SimulatorConfiguration()
            configuration.host = listen.host
            configuration.port = listen.port
            configuration.seed = seed
            configuration.throttleRate = throttleRate
            configuration.serverErrorRate = serverErrorRate
            let simulator = AzureSimulator(configuration: configuration)
            do {
                try await simulator.start()
            } catch {
                throw CommandFailure(message: "Could not listen on \(listen.host):\(listen.port): \(error). Pick another --listen address.")
            }
            Console.out("Simulated upstream listening at \(simulator.baseURL) (Ctrl-C to stop)")
            try await simulator.runUntilCancelled()
        }
    }
}
