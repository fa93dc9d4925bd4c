import Hummingbird
import Logging
import NIOConcurrencyHelpers
import ServiceLifecycle
import MeterbookServerSupport

/// One Hummingbird server's lifecycle, shared by the simulators: start once (concurrent starts wait for the same
/// one), report the bound port, stop gracefully and cut what is still running after a grace period.
final class LoopbackServer: Sendable {
    private struct State {
        var startup: ListeningSignal?
        var port: Int?
        var group: ServiceGroup?
        var task: Task<Void, any Error>?
    }

    private let name: String
    private let state = NIOLockedValueBox(State())

    /// `name` appears in errors ("The identity simulator could not listen ...").
    init(name: String) {
        self.name = name
    }

    /// Starts serving `responder` on `host:port` (port 0 picks a free one) and returns once bound.
    func start<Responder: HTTPResponder>(responder: Responder, host: String, port: Int, logger: Logger) async throws
    where Responder.Context == SimulatorRequestContext {
        let startup = ListeningSignal()
        let app = Application(
            responder: responder,
            configuration: ApplicationConfiguration(address: .hostname(host, port: port)),
            onServerRunning: { channel in startup.succeed(port: channel.localAddress?.port ?? port) },
            logger: logger
        )
        // No signal handling here: the owner decides when to stop (tests, the CLI).
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
        let name = name
        let existing: ListeningSignal? = state.withLockedValue { state in
            if let running = state.startup { return running }
            state.startup = startup
            state.group = group
            state.task = Task {
                do {
                    try await group.run()
                    startup.fail(SimulatorError("The \(name) stopped before it was listening."))
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
            let bound = try await startup.wait()
            state.withLockedValue { $0.port = bound }
        } catch {
            state.withLockedValue { $0 = State() }
            throw SimulatorError(
                "The \(name) could not listen on \(host):\(port) (\(error)). Use port 0 for a free port, or stop whatever holds that one.")
        }
    }

    /// The bound port; 0 before `start` and after `stop`.
    var port: Int { state.withLockedValue { $0.port ?? 0 } }

    /// The running server's task, nil when stopped.
    var task: Task<Void, any Error>? { state.withLockedValue { $0.task } }

    /// Stops listening; in-flight requests get `grace` seconds to finish, then they are cut.
    func stop(grace: Double) async {
        let (group, task) = state.withLockedValue { state in
            defer { state = State() }
            return (state.group, state.task)
        }
        guard let group, let task else { return }
        await group.triggerGracefulShutdown()
        let deadline = Task {
            try await Task.sleep(for: .seconds(grace))
            task.cancel()
        }
        _ = await task.result
        deadline.cancel()
    }
}
