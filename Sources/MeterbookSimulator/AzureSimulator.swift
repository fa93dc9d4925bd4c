import Hummingbird
import Logging
import NIOConcurrencyHelpers
import ServiceLifecycle

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
    private struct Lifecycle {
        var startup: StartupSignal?
        var port: Int?
        var group: ServiceGroup?
        var task: Task<Void, any Error>?
    }

    private let core: SimulatorCore
    private let logger: Logger
    private let lifecycle = NIOLockedValueBox(Lifecycle())

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
        let startup = StartupSignal()
        let app = Application(
            responder: SimulatorResponder(core: core),
            configuration: ApplicationConfiguration(address: .hostname(configuration.host, port: configuration.port)),
            onServerRunning: { channel in startup.succeed(port: channel.localAddress?.port ?? configuration.port) },
            logger: logger
        )
        // No signal handling here: the owner decides when to stop (tests, the CLI).
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
        let existing: StartupSignal? = lifecycle.withLockedValue { state in
            if let running = state.startup { return running }
            state.startup = startup
            state.group = group
            state.task = Task {
                do {
                    try await group.run()
                    startup.fail(SimulatorError("The simulator stopped before it was listening."))
                } catch {
                    startup.fail(error)
                    throw error
                }
            }
            return nil
        }
        if let existing {
            _ = try await existing.wait()
            return
        }
        do {
            let port = try await startup.wait()
            lifecycle.withLockedValue { $0.port = port }
        } catch {
            lifecycle.withLockedValue { $0 = Lifecycle() }
            throw SimulatorError(
                "The simulator could not listen on \(configuration.host):\(configuration.port) (\(error)). Use port 0 for a free port, or stop whatever holds that one.")
        }
    }

    /// The bound port; 0 before ``start()``.
    public var port: Int {
        lifecycle.withLockedValue { $0.port ?? 0 }
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
        let (group, task) = lifecycle.withLockedValue { state in
            defer { state = Lifecycle() }
            return (state.group, state.task)
        }
        guard let group, let task else { return }
        await group.triggerGracefulShutdown()
        let deadline = Task {
            try await Task.sleep(for: .seconds(2))
            task.cancel()
        }
        _ = await task.result
        deadline.cancel()
    }

    /// Starts if needed, then serves until the calling task is cancelled (then stops gracefully)
    /// or the server fails (then throws).
    public func runUntilCancelled() async throws {
        try await start()
        guard let task = lifecycle.withLockedValue({ $0.task }) else { return }
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
