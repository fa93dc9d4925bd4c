import NIOConcurrencyHelpers
import ServiceLifecycle

/// Turns the health check to "stopping" as soon as a graceful shutdown begins (a signal, or `stop()`).
struct DrainWatcher: Service {
    let draining: NIOLockedValueBox<Bool>

    func run() async throws {
        try? await gracefulShutdown()
        draining.withLockedValue { $0 = true }
    }
}
