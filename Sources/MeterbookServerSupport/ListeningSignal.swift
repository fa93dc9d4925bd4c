import NIOConcurrencyHelpers

/// Hands the bound port from a server's `onServerRunning` callback to `start()`, or the error
/// that stopped the server before it listened. Settles once; later calls are ignored.
package final class ListeningSignal: Sendable {
    private enum State {
        case waiting([CheckedContinuation<Int, any Error>])
        case settled(Result<Int, any Error>)
    }

    private let state = NIOLockedValueBox(State.waiting([]))

    package init() {}

    package func succeed(port: Int) {
        settle(.success(port))
    }

    package func fail(_ error: any Error) {
        settle(.failure(error))
    }

    package func wait() async throws -> Int {
        try await withCheckedThrowingContinuation { continuation in
            // Decide under the lock, resume after releasing it.
            let settled: Result<Int, any Error>? = state.withLockedValue { state in
                switch state {
                case .waiting(let waiters):
                    state = .waiting(waiters + [continuation])
                    return nil
                case .settled(let result):
                    return result
                }
            }
            if let settled { continuation.resume(with: settled) }
        }
    }

    private func settle(_ result: Result<Int, any Error>) {
        let waiters: [CheckedContinuation<Int, any Error>] = state.withLockedValue { state in
            guard case .waiting(let waiters) = state else { return [] }
            state = .settled(result)
            return waiters
        }
        for waiter in waiters { waiter.resume(with: result) }
    }
}
