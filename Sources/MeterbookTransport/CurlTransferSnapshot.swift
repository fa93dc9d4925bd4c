import Foundation

/// The metrics of a running transfer as last seen on the curl thread.
///
/// A cancellation is reported on whichever thread cancelled, where the easy handle
/// must not be touched; it reads this copy instead.
final class CurlTransferSnapshot: @unchecked Sendable { // `metrics` is only read or written while holding `lock`
    private let lock = NSLock()
    private var metrics: TransportMetrics
    private let start = ContinuousClock.now

    init(requestBytes: Int) {
        metrics = TransportMetrics(requestBytes: requestBytes)
    }

    func update(_ change: (inout TransportMetrics) -> Void) {
        lock.withLock { change(&metrics) }
    }

    /// The last metrics seen, with the total time measured up to now.
    func current() -> TransportMetrics {
        var result = lock.withLock { metrics }
        let elapsed = ContinuousClock.now - start
        result.totalMs = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        return result
    }
}
