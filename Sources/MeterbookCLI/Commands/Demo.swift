import ArgumentParser
import Foundation
import Meterbook
import MeterbookSimulator

extension MeterbookCommand {
    /// Starts the built-in simulated Azure upstream, drives real calls through the real client, prints a report.
    struct Demo: AsyncParsableCommand {
        static func shellQuoted(_ text: String) -> String {
            text.allSatisfy { $0.isLetter || $0.isNumber || "/._-".contains($0) } ? text : "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
        }

        static let configuration = CommandConfiguration(
            abstract: "Record a few hundred calls to a built-in simulated Azure upstream, then print a report.",
            discussion: """
                The simulator runs on 127.0.0.1 and answers like Azure OpenAI, a Foundry project and Claude on \
                Foundry, with a realistic share of 429s and 5xx. Calls go through Meterbook's real client \
                (retries, streaming) and are recorded into the database, as your own calls would be.
                """
        )

        @OptionGroup var store: StoreOptions

        @Option(help: "How many calls to make.")
        var calls: Int = 300

        @Option(help: "Calls in flight at once.")
        var concurrency: Int = 8

        @Option(help: "Seed of the simulator's randomness (same seed, same traffic).")
        var seed: UInt64 = 42

        // Keeps the process alive after everything was flushed and printed, so a test can SIGKILL it at a known
        // point and check that no recorded row depends on a clean exit.
        @Option(name: .customLong("hold-seconds"), help: .hidden)
        var holdSeconds: Double = 0

        func validate() throws {
            guard (1...100_000).contains(calls) else { throw ValidationError("--calls must be between 1 and 100000.") }
            guard (1...256).contains(concurrency) else { throw ValidationError("--concurrency must be between 1 and 256.") }
        }

        func run() async throws {
            let config = try store.loadConfig()
            let database = try store.openForWriting()
            let recorder = Recorder(store: database, logger: .cli("meterbook.recorder"))
            defer { recorder.close() }

            var simulatorConfiguration = SimulatorConfiguration()
            simulatorConfiguration.seed = seed
            simulatorConfiguration.throttleRate = 0.07
            simulatorConfiguration.serverErrorRate = 0.03
            simulatorConfiguration.latencyMs = 5...40
            simulatorConfiguration.streamChunkIntervalMs = 2
            let simulator = AzureSimulator(configuration: simulatorConfiguration)
            do {
                try await simulator.start()
            } catch {
                throw CommandFailure(message: "Could not start the simulated upstream on 127.0.0.1: \(error). Check that loopback networking works.")
            }
            Console.out("Simulated Azure OpenAI, Foundry project and Claude on Foundry at \(simulator.baseURL)")
            Console.out("Sending \(calls) calls (\(concurrency) at a time) through the Meterbook client…")

            let startedAt = Int64(Date().timeIntervalSince1970 * 1000)
            // Tagging the run lets the report show this run's calls only, even if other processes record meanwhile.
            let run = String(UUID().uuidString.prefix(8)).lowercased()
            let workload = try DemoWorkload(baseURL: simulator.baseURL, recorder: recorder, costPolicy: config.costPolicy, run: run)
            let outcome = await workload.run(calls: calls, concurrency: concurrency)
            await simulator.stop()
            await recorder.flush()
            let endedAt = Int64(Date().timeIntervalSince1970 * 1000) + 1

            let query = UsageQuery(range: startedAt..<endedAt, groupings: [.deployment], filter: AttemptFilter(tags: ["demo_run": run]))
            let result = try query.run(on: database)
            let rows = result.rows
            let totals = result.totals
            Console.out("")
            Console.out(UsageTable.render(rows: rows, totals: totals, keyNames: ["deployment"]))
            Console.out("")
            Console.out("\(outcome.succeeded) calls succeeded, \(outcome.failed) failed after retries; "
                + "\(outcome.attempts) attempts recorded (\(totals.throttled) answered 429) into \(database.path) with tag demo_run=\(run)")
            if let example = outcome.retriedCallID {
                Console.out("A call that was retried: \(example)")
            }
            let db = store.db == nil && ProcessInfo.processInfo.environment["METERBOOK_DB"] == nil ? "" : " --db \(Self.shellQuoted(database.path))"
            Console.out("""

                Next:
                  meterbook report\(db) --from today
                      (cost, errors, 429s, tokens and latency per deployment; --by day,model, --format json|csv|markdown|html)
                  meterbook trace \(outcome.retriedCallID ?? "CALL_ID")\(db)
                      (every attempt of that call, with its ids, timings and errors)
                  meterbook call --endpoint https://RESOURCE.openai.azure.com --deployment gpt-4o "Write a one-sentence bedtime story about a unicorn."
                      (with AZURE_OPENAI_API_KEY set: a real call, recorded the same way)
                """)
            if holdSeconds > 0 { try await Task.sleep(nanoseconds: UInt64(holdSeconds * 1_000_000_000)) }
        }
    }
}
