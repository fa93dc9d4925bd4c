import Hummingbird
import Logging

/// A simulated Azure OpenAI / Foundry / Claude-on-Foundry upstream on a local port.
///
/// ```swift
/// let simulator = AzureSimulator(configuration: .init(seed: 7))
/// try await simulator.start()
/// simulator.enqueue([.throttle(retryAfterMs: 100, retryAfterSeconds: 1)], deployment: "gpt-4o")
/// // ... point a client at simulator.baseURL ...
/// let attempts = simulator.served()
/// await simulator.stop()
/// ```
public final class AzureSimulator: Sendable {
    private let core: SimulatorCore
    private let logger: Logger
    private let server = LoopbackServer(name: "simulator")

    /// Creates a stopped simulator; call ``start()``. It logs nothing.
    public convenience init(configuration: SimulatorConfiguration = .init()) {
        self.init(configuration: configuration, logger: Logger(label: "meterbook.simulator", factory: { _ in SwiftLogNoOpLogHandler() }))
    }

    /// Creates a stopped simulator that logs server lifecycle events to `logger`.
    public init(configuration: SimulatorConfiguration, logger: Logger) {
        self.core = SimulatorCore(configuration: configuration)
        self.logger = logger
    }

    /// The configuration this simulator runs with.
    public var configuration: SimulatorConfiguration { core.configuration }

    /// Starts listening and returns once the port is bound. Calling it while running (or while
    /// another call is starting it) waits for the same start and does nothing more.
    public func start() async throws {
        let configuration = core.configuration
        try await server.start(responder: SimulatorResponder(core: core), host: configuration.host, port: configuration.port, logger: logger)
    }

    /// The bound port; 0 before ``start()``.
    public var port: Int {
        server.port
    }

    /// `http://HOST:PORT`, for pointing a client at the simulator.
    public var baseURL: String {
        var host = core.configuration.host
        if host == "0.0.0.0" || host.isEmpty { host = "127.0.0.1" }
        if host == "::" { host = "::1" }
        if host.contains(":") { host = "[" + host + "]" }
        return "http://\(host):\(port)"
    }

    /// Stops listening. In-flight requests get two seconds to finish, then they are cut.
    public func stop() async {
        await server.stop(grace: 2)
    }

    /// Starts if needed, then serves until the calling task is cancelled (then stops gracefully)
    /// or the server fails (then throws).
    public func runUntilCancelled() async throws {
        try await start()
        guard let task = server.task else { return }
        try await withTaskCancellationHandler {
            try await task.value
        } onCancel: {
            Task { await self.stop() }
        }
    }

    /// Queues faults for the next matching API requests, first in first out. A `deployment` of nil
    /// matches any request. Scripted faults win over random mode.
    public func enqueue(_ faults: [SimulatedFault], deployment: String? = nil) {
        core.enqueue(faults, deployment: deployment)
    }

    /// Every API attempt served so far, in arrival order (control and `/_sim` routes excluded).
    public func served() -> [ServedAttempt] {
        core.served()
    }

    /// Clears the served log (scripted faults stay queued).
    public func resetServed() {
        core.resetServed()
    }
}
