import Foundation
import Meterbook
import NIOConcurrencyHelpers

/// Ties the attempts an SDK makes for one logical call together, as CONTRACT.md decides:
/// the application's `x-ms-client-request-id` when it sends one; else an `x-stainless-retry-count: N` (N > 0)
/// joins the most recent call with the same method, path and body hash seen within the retry window.
/// Without either, every request is a new call.
///
/// It also keeps `final` right: an attempt is final when it is the latest one of its call at the time it
/// is recorded; the proxy clears `final` on earlier rows when a retry arrives.
final class CallTracker: Sendable {
    /// What identifies "the same request" for retry grouping.
    struct Key: Hashable, Sendable {
        var method: String
        var path: String
        var bodyHash: Int
        var bodyLength: Int

        init(method: String, path: String, body: Data) {
            self.method = method
            self.path = path
            var hasher = Hasher()
            body.withUnsafeBytes { hasher.combine(bytes: $0) }
            bodyHash = hasher.finalize()
            bodyLength = body.count
        }
    }

    /// The call and attempt number given to one request.
    struct Assignment: Sendable, Equatable {
        var callID: String
        var attempt: Int
        /// True when this request continues an earlier call, whose recorded attempts are then no longer final.
        var continuesCall: Bool
    }

    private struct Call {
        var id: String
        /// Highest attempt number started.
        var attempt: Int
        /// The SDK retry count of the latest attempt, when it sent one.
        var retryCount: Int?
        var inFlight: Int
        var lastSeen: UInt64
    }

    private struct State {
        var calls: [String: Call] = [:]
        /// Per request key, call ids from oldest to newest (a few, for identical concurrent calls).
        var recent: [Key: [String]] = [:]
        var lastSweep: UInt64 = 0
    }

    /// How many identical calls per key stay candidates for a retry.
    private static let candidatesPerKey = 16
    private let window: UInt64
    private let maxCalls: Int
    private let state = NIOLockedValueBox(State())

    /// - Parameters:
    ///   - window: Seconds a retry may come after the call's last attempt.
    ///   - maxCalls: Calls remembered at most; the least recently seen are forgotten first.
    init(window: Double = 600, maxCalls: Int = 100_000) {
        self.window = UInt64(max(0, window) * 1_000_000_000)
        self.maxCalls = max(1, maxCalls)
    }

    /// Assigns a call and attempt to a request that is about to be forwarded.
    func begin(key: Key, retryCount: Int?, clientCallID: String?, now: UInt64 = DispatchTime.now().uptimeNanoseconds) -> Assignment {
        state.withLockedValue { state in
            sweepIfDue(&state, now: now)
            if let clientCallID {
                if var call = state.calls[clientCallID], now &- call.lastSeen <= window {
                    call.attempt += 1
                    call.retryCount = retryCount
                    call.inFlight += 1
                    call.lastSeen = now
                    state.calls[clientCallID] = call
                    return Assignment(callID: clientCallID, attempt: call.attempt, continuesCall: true)
                }
                let attempt = (retryCount ?? 0) + 1
                state.calls[clientCallID] = Call(id: clientCallID, attempt: attempt, retryCount: retryCount, inFlight: 1, lastSeen: now)
                return Assignment(callID: clientCallID, attempt: attempt, continuesCall: false)
            }
            if let retryCount, retryCount > 0, let id = candidate(in: state, key: key, retryCount: retryCount, now: now),
               var call = state.calls[id] {
                call.attempt += 1
                call.retryCount = retryCount
                call.inFlight += 1
                call.lastSeen = now
                state.calls[id] = call
                return Assignment(callID: id, attempt: call.attempt, continuesCall: true)
            }
            // A retry with no earlier attempt in sight (e.g. the proxy restarted) still says which attempt it is.
            let attempt = (retryCount ?? 0) + 1
            let id = CallID.make()
            state.calls[id] = Call(id: id, attempt: attempt, retryCount: retryCount, inFlight: 1, lastSeen: now)
            var ids = state.recent[key] ?? []
            ids.append(id)
            if ids.count > Self.candidatesPerKey { ids.removeFirst(ids.count - Self.candidatesPerKey) }
            state.recent[key] = ids
            return Assignment(callID: id, attempt: attempt, continuesCall: false)
        }
    }

    /// The attempt ended; returns whether it is (still) the call's latest attempt, i.e. its row is final.
    func finish(callID: String, attempt: Int, now: UInt64 = DispatchTime.now().uptimeNanoseconds) -> Bool {
        state.withLockedValue { state in
            guard var call = state.calls[callID] else { return true }
            call.inFlight = max(0, call.inFlight - 1)
            call.lastSeen = now
            state.calls[callID] = call
            return attempt >= call.attempt
        }
    }

    /// Calls remembered now (for tests).
    var count: Int { state.withLockedValue { $0.calls.count } }

    /// The most recent call with this key that the retry can continue: preferably one whose latest attempt
    /// was the SDK's previous try (retry count N - 1) and is no longer in flight, as an SDK only retries
    /// after an attempt ended. Identical calls made at once can still be told apart only this far.
    private func candidate(in state: State, key: Key, retryCount: Int, now: UInt64) -> String? {
        let live = (state.recent[key] ?? []).reversed().compactMap { state.calls[$0] }.filter { now &- $0.lastSeen <= window }
        let previous = live.filter { ($0.retryCount ?? 0) == retryCount - 1 }
        return (previous.first { $0.inFlight == 0 } ?? previous.first ?? live.first)?.id
    }

    private func sweepIfDue(_ state: inout State, now: UInt64) {
        let sweepInterval = min(window, 60_000_000_000)
        guard now &- state.lastSweep >= sweepInterval || state.calls.count > maxCalls else { return }
        state.lastSweep = now
        let window = self.window
        state.calls = state.calls.filter { now &- $0.value.lastSeen <= window || $0.value.inFlight > 0 }
        if state.calls.count > maxCalls {
            let keep = state.calls.values.sorted { $0.lastSeen > $1.lastSeen }.prefix(maxCalls / 2)
            state.calls = Dictionary(uniqueKeysWithValues: keep.map { ($0.id, $0) })
        }
        let calls = state.calls
        state.recent = state.recent.compactMapValues { ids in
            let kept = ids.filter { calls[$0] != nil }
            return kept.isEmpty ? nil : kept
        }
    }
}
