import Foundation
import Logging

/// Writes attempts to the store off the caller's path: `record` only appends to a queue; a dedicated
/// thread writes whatever is queued in one transaction, so batches grow with load.
///
/// A failure to write is logged and counted, never thrown at the caller; the batch is retried, and rows are
/// dropped (and counted) only when the queue passes `maxQueued` or at `close` after the final flush fails.
/// Every live recorder is flushed when the process exits normally.
public final class Recorder: Sendable {
    public struct Options: Sendable {
        /// Most rows written in one transaction. Under a backlog, big transactions amortise the index pages each
        /// commit rewrites; at ordinary rates a batch is whatever arrived within `maxDelay`.
        public var batchSize = 50_000
        /// How long the writer waits for a batch to fill before writing what it has. Waking for every row would
        /// compete with the callers for CPU; rows are still durable at `flush` and at exit.
        public var maxDelay: TimeInterval = 0.05
        /// Rows kept in memory while the database cannot be written; older rows are dropped past this.
        public var maxQueued = 200_000
        public init() {}
    }

    /// Counters for operations (the proxy's /metrics, `meterbook demo`).
    public struct Statistics: Sendable, Equatable {
        public var recorded = 0
        public var written = 0
        public var dropped = 0
        public var writeFailures = 0
        public var queued = 0
    }

    public let store: MeterbookStore
    private let state: RecorderState
    private let logger: Logger

    public init(store: MeterbookStore, options: Options = Options(), logger: Logger = Logger(label: "meterbook.recorder")) {
        self.store = store
        self.logger = logger
        state = RecorderState(options: options)
        let state = state
        let thread = Thread { Recorder.writeLoop(state: state, store: store, logger: logger) }
        thread.name = "meterbook-recorder"
        thread.start()
        RecorderRegistry.register(state)
    }

    /// Queues one attempt; returns at once.
    public func record(_ record: AttemptRecord) {
        state.enqueue(.insert(record), logger: logger)
    }

    /// Queues "attempts of `callID` before `attempt` are no longer final" (a proxied SDK retried the call).
    public func clearFinal(callID: String, before attempt: Int) {
        state.enqueue(.clearFinal(callID: callID, before: attempt), logger: logger)
    }

    /// Blocks until everything queued so far is written (or `timeout` passes); returns whether it all was.
    @discardableResult
    public func flush(timeout: TimeInterval = 30) -> Bool {
        state.waitUntilWritten(timeout: timeout)
    }

    /// Waits for everything queued so far to be written, without blocking Swift's cooperative threads.
    @discardableResult
    public func flush(timeout: TimeInterval = 30) async -> Bool {
        let state = state
        return await withCheckedContinuation { continuation in
            Thread.detachNewThread { continuation.resume(returning: state.waitUntilWritten(timeout: timeout)) }
        }
    }

    /// Flushes and stops the writer thread; rows that could not be written are counted as dropped.
    public func close(timeout: TimeInterval = 30) {
        state.close(timeout: timeout, logger: logger)
    }

    public var statistics: Statistics { state.statistics }

    private static func writeLoop(state: RecorderState, store: MeterbookStore, logger: Logger) {
        lowerThreadPriority()
        var backoff = 0.05
        while let batch = state.nextBatch() {
            do {
                try write(batch, to: store)
                state.finished(batch, succeeded: true)
                backoff = 0.05
            } catch {
                logger.error("could not write attempts; will retry", metadata: ["rows": "\(batch.count)", "error": "\(error)"])
                state.finished(batch, succeeded: false)
                Thread.sleep(forTimeInterval: backoff)
                backoff = min(backoff * 2, 2)
            }
        }
    }

    /// Writing records is background work: on a machine with few cores it should yield to the callers' threads.
    /// On Linux the nice value is per thread, and `who = 0` names the calling thread; elsewhere this does nothing.
    private static func lowerThreadPriority() {
        #if os(Linux)
        _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 10)
        #endif
    }

    private static func write(_ batch: [RecorderState.Operation], to store: MeterbookStore) throws {
        var inserts: [AttemptRecord] = []
        inserts.reserveCapacity(batch.count)
        // Operations apply in queue order: inserts gathered before a clearFinal are written before it.
        for operation in batch {
            switch operation {
            case .insert(let record):
                inserts.append(record)
            case .clearFinal(let callID, let attempt):
                try store.insert(inserts)
                inserts.removeAll(keepingCapacity: true)
                try store.clearFinal(callID: callID, before: attempt)
            }
        }
        try store.insert(inserts)
    }
}

/// The queue shared by callers and the writer thread.
// @unchecked Sendable: every mutable field is read and written only while `condition` is locked.
final class RecorderState: @unchecked Sendable {
    enum Operation: Sendable {
        case insert(AttemptRecord)
        case clearFinal(callID: String, before: Int)
    }

    private let condition = NSCondition()
    private let options: Recorder.Options
    private var queue: [Operation] = []
    private var queueHead = 0
    private var closing = false
    private var stopped = false
    /// Operations ever enqueued, and those written or dropped: `flush` waits for the second to reach the first.
    private var enqueuedCount = 0
    private var settledCount = 0
    /// Threads waiting in `waitUntilWritten`: the writer stops lingering for them.
    private var flushWaiters = 0
    private var stats = Recorder.Statistics()

    init(options: Recorder.Options) {
        self.options = options
    }

    func enqueue(_ operation: Operation, logger: Logger) {
        condition.lock()
        defer { condition.unlock() }
        if closing {
            stats.dropped += 1
            logger.warning("attempt recorded after the recorder was closed; dropped")
            return
        }
        if queue.count - queueHead >= options.maxQueued {
            queueHead += 1
            settledCount += 1
            stats.dropped += 1
            if stats.dropped == 1 || stats.dropped % 1000 == 0 {
                logger.error("recorder queue full; dropping oldest attempts", metadata: ["dropped": "\(stats.dropped)"])
            }
        }
        queue.append(operation)
        enqueuedCount += 1
        if case .insert = operation { stats.recorded += 1 }
        // Wake the writer only when it has something new to do: the first row, or a full batch.
        let pending = queue.count - queueHead
        if pending == 1 || pending >= options.batchSize { condition.broadcast() }
    }

    /// The next batch to write, waiting for one; nil once closed and drained.
    func nextBatch() -> [Operation]? {
        condition.lock()
        defer { condition.unlock() }
        while queue.count == queueHead {
            if closing {
                stopped = true
                condition.broadcast()
                return nil
            }
            condition.wait()
        }
        let deadline = Date(timeIntervalSinceNow: options.maxDelay)
        while queue.count - queueHead < options.batchSize, !closing, flushWaiters == 0, Date() < deadline {
            _ = condition.wait(until: deadline)
        }
        let end = min(queue.count, queueHead + options.batchSize)
        let batch = Array(queue[queueHead..<end])
        queueHead = end
        if queueHead > 4096, queueHead * 2 > queue.count {
            queue.removeFirst(queueHead)
            queueHead = 0
        }
        return batch
    }

    func finished(_ batch: [Operation], succeeded: Bool) {
        condition.lock()
        defer { condition.unlock() }
        if succeeded {
            settledCount += batch.count
            stats.written += batch.reduce(0) { count, operation in
                if case .insert = operation { return count + 1 }
                return count
            }
        } else {
            stats.writeFailures += 1
            if closing {
                // Shutting down: the database still refuses writes; give up on these rows.
                settledCount += batch.count
                stats.dropped += batch.count
            } else {
                queue.insert(contentsOf: batch, at: queueHead)
            }
        }
        condition.broadcast()
    }

    func waitUntilWritten(timeout: TimeInterval) -> Bool {
        let deadline = Date(timeIntervalSinceNow: timeout)
        condition.lock()
        defer { condition.unlock() }
        let target = enqueuedCount
        flushWaiters += 1
        defer { flushWaiters -= 1 }
        condition.broadcast()
        while settledCount < target, !stopped {
            if !condition.wait(until: deadline) { return settledCount >= target }
        }
        return settledCount >= target
    }

    func close(timeout: TimeInterval, logger: Logger) {
        _ = waitUntilWritten(timeout: timeout)
        condition.lock()
        closing = true
        let left = queue.count - queueHead
        if left > 0 {
            stats.dropped += left
            settledCount += left
            queue.removeAll()
            queueHead = 0
            logger.error("recorder closed with unwritten attempts; dropped", metadata: ["dropped": "\(left)"])
        }
        condition.broadcast()
        condition.unlock()
        RecorderRegistry.unregister(self)
    }

    var statistics: Recorder.Statistics {
        condition.lock()
        defer { condition.unlock() }
        var copy = stats
        copy.queued = queue.count - queueHead
        return copy
    }
}

/// Live recorders, flushed by an `atexit` handler so rows are durable when the process exits normally.
enum RecorderRegistry {
    private static let registry = Registry()

    // @unchecked Sendable: `states` is only touched while `lock` is held.
    private final class Registry: @unchecked Sendable {
        let lock = NSLock()
        var states: [ObjectIdentifier: RecorderState] = [:]
        var installed = false
    }

    static func register(_ state: RecorderState) {
        registry.lock.lock()
        defer { registry.lock.unlock() }
        registry.states[ObjectIdentifier(state)] = state
        if !registry.installed {
            registry.installed = true
            atexit { RecorderRegistry.flushAll() }
        }
    }

    static func unregister(_ state: RecorderState) {
        registry.lock.lock()
        defer { registry.lock.unlock() }
        registry.states[ObjectIdentifier(state)] = nil
    }

    static func flushAll() {
        registry.lock.lock()
        let states = Array(registry.states.values)
        registry.lock.unlock()
        for state in states { _ = state.waitUntilWritten(timeout: 10) }
    }
}
