import Foundation

/// Hands blocks of ids to export workers and their bytes back to the writer in block order, with at most
/// `inFlight` blocks claimed and not yet written (workers wait: back-pressure).
final class ExportBlocks: @unchecked Sendable {
    /// The interval of ids and its blocks.
    struct Plan: Sendable {
        var first: Int64
        var last: Int64
        var blockIDs: Int64
        var count: Int { Int((last - first) / blockIDs) + 1 }

        func ids(of block: Int) -> ClosedRange<Int64> {
            let start = first + Int64(block) * blockIDs
            return start...min(start + blockIDs - 1, last)
        }
    }

    // Every stored property below is guarded by `condition` (hence @unchecked Sendable).
    private let condition = NSCondition()
    private let workers: Int
    private let inFlight: Int
    private var arrived = 0
    private var plan: Plan?
    private var stopped = false
    private var nextClaim = 0
    private var nextWrite = 0
    private var finished: [Int: (bytes: [UInt8], rows: Int)] = [:]
    /// The earliest failing block's error; a worker that failed before claiming any block fails at `Int.min`.
    private var failure: (block: Int, error: any Error)?

    init(workers: Int, inFlight: Int) {
        self.workers = workers
        self.inFlight = inFlight
    }

    /// A worker has its snapshot (or `failed` to open one); it waits for the plan, nil when stopped instead.
    func ready(failed: Bool = false) -> Plan? {
        condition.lock()
        defer { condition.unlock() }
        arrived += 1
        condition.broadcast()
        while plan == nil && !stopped && !failed { condition.wait() }
        return stopped || failed ? nil : plan
    }

    func waitForWorkers() {
        condition.lock()
        defer { condition.unlock() }
        while arrived < workers { condition.wait() }
    }

    func start(_ plan: Plan) {
        condition.lock()
        defer { condition.unlock() }
        self.plan = plan
        condition.broadcast()
    }

    /// The next block to encode; nil when none is left, the export stopped, or an earlier block failed.
    func claim() -> Int? {
        condition.lock()
        defer { condition.unlock() }
        guard let count = plan?.count else { return nil }
        while !stopped && nextClaim < count && nextClaim - nextWrite >= inFlight { condition.wait() }
        guard !stopped, nextClaim < count, nextClaim < failure?.block ?? Int.max else { return nil }
        nextClaim += 1
        return nextClaim - 1
    }

    func finish(_ block: Int, bytes: [UInt8], rows: Int) {
        condition.lock()
        defer { condition.unlock() }
        finished[block] = (bytes, rows)
        condition.broadcast()
    }

    func fail(_ block: Int?, _ error: any Error) {
        condition.lock()
        defer { condition.unlock() }
        let block = block ?? Int.min
        if block < failure?.block ?? Int.max { failure = (block, error) }
        condition.broadcast()
    }

    /// The writer's next block, in order; nil after the last. The blocks before a failed one are all written, then
    /// its error is thrown, as the single-threaded export would throw it there.
    func next() throws -> (bytes: [UInt8], rows: Int)? {
        condition.lock()
        defer { condition.unlock() }
        let count = plan?.count ?? 0
        while true {
            if let failure, failure.block <= nextWrite { throw failure.error }
            if nextWrite == count { return nil }
            if let block = finished.removeValue(forKey: nextWrite) {
                nextWrite += 1
                condition.broadcast()
                return block
            }
            condition.wait()
        }
    }

    func stop() {
        condition.lock()
        defer { condition.unlock() }
        stopped = true
        condition.broadcast()
    }
}
