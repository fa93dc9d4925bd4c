import NIOConcurrencyHelpers
import NIOCore

/// Notices a client that closed its connection, even while the proxy has nothing to write to it: Hummingbird lets
/// clients half-close, so a hang-up shows only as the `inputClosed` event (or the channel going inactive).
/// One per connection; a stream's relay waits on it to stop the upstream transfer the moment the client leaves,
/// and the connection stays reusable for the next request when the client does not leave.
final class ClientHangUpWatcher: ChannelInboundHandler, RemovableChannelHandler, Sendable {
    /// Every part passes through untouched.
    typealias InboundIn = Any

    private struct State {
        var hungUp = false
        var nextID: UInt64 = 0
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
        /// Waits cancelled before they registered.
        var abandoned: Set<UInt64> = []
    }

    private let state = NIOLockedValueBox(State())

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed { hangUp() }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        hangUp()
        context.fireChannelInactive()
    }

    /// Returns once the client hung up, or when the calling task is cancelled.
    func waitForHangUp() async {
        let id = state.withLockedValue { state in
            state.nextID += 1
            return state.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                // Decide under the lock, resume after releasing it.
                let resumeNow = state.withLockedValue { state in
                    if state.hungUp || state.abandoned.remove(id) != nil { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLockedValue { state in
                guard let waiter = state.waiters.removeValue(forKey: id) else {
                    state.abandoned.insert(id)
                    return CheckedContinuation<Void, Never>?.none
                }
                return waiter
            }
            waiter?.resume()
        }
    }

    private func hangUp() {
        let waiters = state.withLockedValue { state in
            state.hungUp = true
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Runs `operation` until it ends or the client hangs up, whichever comes first; a hang-up cancels it, waits
    /// for it to wind down (it records the attempt), and throws `CancellationError`.
    func cancelling(onHangUp operation: () async throws -> Void) async throws {
        try await withoutActuallyEscaping(operation) { operation in
            let relay = UncheckedOperation(run: operation)
            try await withThrowingTaskGroup(of: Bool.self) { group in
                group.addTask {
                    try await relay.run()
                    return true
                }
                group.addTask {
                    await self.waitForHangUp()
                    return false
                }
                let relayEnded = try await group.next() ?? true
                group.cancelAll()
                // Leaving the group waits for the other child: the relay records its attempt before this returns.
                if !relayEnded { throw CancellationError() }
            }
        }
    }
}

/// A non-escaping operation handed to a child task.
// @unchecked Sendable: `cancelling(onHangUp:)` waits for the child task that runs it before returning, so it never
// outlives the call that owns it, and it runs in one task only.
private struct UncheckedOperation: @unchecked Sendable {
    let run: () async throws -> Void
}
