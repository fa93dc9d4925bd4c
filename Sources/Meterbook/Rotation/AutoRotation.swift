import Foundation
import Logging

/// Rotation on its own, for long-running processes (the proxy; library users who opt in): once at start, then
/// whenever the UTC day has changed since the last run, checked every `checkInterval`; at every check it also
/// summarizes the days that have closed since (`DaySummaries`), so reports over them need not read their
/// attempts. Runs on a thread of its own, because rotation blocks on file and database I/O and Swift's
/// cooperative pool has one thread per core.
///
/// ```swift
/// let rotation = AutoRotation(store: store, retentionDays: 30)
/// rotation.start()
/// // ...
/// rotation.stop()
/// ```
public final class AutoRotation: @unchecked Sendable {
    // @unchecked: the mutable state (`stopped`, `lastDay`, `thread`, `runs`) is only touched under `condition`.
    public let store: MeterbookStore
    public let archiveDirectory: String
    public let retentionDays: Int
    public let checkInterval: TimeInterval
    private let logger: Logger
    private let clock: @Sendable () -> Date
    private let condition = NSCondition()
    private var stopped = true
    private var lastDay: UTCDay?
    private var thread: Thread?
    private var finished = true
    private var completedRuns = 0

    /// `archiveDirectory` nil: `archive/` beside the database. `clock` is for tests.
    public init(store: MeterbookStore, archiveDirectory: String? = nil, retentionDays: Int = 30, checkInterval: TimeInterval = 3600,
                logger: Logger = Logger(label: "meterbook.rotation"), clock: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.archiveDirectory = archiveDirectory ?? ArchiveRotation.defaultDirectory(forDatabase: store.path)
        self.retentionDays = retentionDays
        self.checkInterval = checkInterval
        self.logger = logger
        self.clock = clock
    }

    deinit { stop() }

    /// How many rotations have run (successful or not) since `start()`.
    public var runs: Int { condition.withLock { completedRuns } }

    public func start() {
        condition.withLock {
            guard stopped, finished else { return }
            stopped = false
            finished = false
            let thread = Thread { [self] in loop() }
            thread.name = "meterbook.rotation"
            self.thread = thread
            thread.start()
        }
    }

    /// Stops checking and waits for a rotation in progress to finish (it is never cut short).
    public func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        while !finished { condition.wait() }
        condition.unlock()
    }

    private func loop() {
        while true {
            let now = clock()
            let today = UTCDay.today(now: now)
            let due = condition.withLock { !stopped && lastDay != today }
            if due {
                rotateOnce(now: now)
                condition.withLock {
                    lastDay = today
                    completedRuns += 1
                    condition.broadcast()
                }
            }
            if !condition.withLock({ stopped }) { summarizeOnce(now: now) }
            condition.lock()
            if !stopped { _ = condition.wait(until: Date(timeIntervalSinceNow: checkInterval)) }
            let done = stopped
            if done {
                finished = true
                condition.broadcast()
            }
            condition.unlock()
            if done { return }
        }
    }

    private func rotateOnce(now: Date) {
        do {
            let result = try ArchiveRotation.rotate(store: store, archiveDirectory: archiveDirectory, retentionDays: retentionDays, now: now)
            if !result.archived.isEmpty {
                logger.info("rotated old days into archives", metadata: [
                    "days": "\(result.archived.count)", "rows": "\(result.archived.map(\.rows).reduce(0, +))", "archive": "\(archiveDirectory)",
                ])
            }
        } catch {
            // The rows stay live; the next day's run tries again.
            logger.error("automatic rotation failed", metadata: ["error": "\(error)"])
        }
    }

    private func summarizeOnce(now: Date) {
        do {
            let days = try DaySummaries.build(store: store, from: UTCDay.today(now: now).adding(days: -Int64(retentionDays)), now: now)
            if let first = days.first, let last = days.last {
                logger.info("summarized closed days for reports", metadata: ["days": "\(days.count)", "from": "\(first)", "to": "\(last)"])
            }
        } catch {
            // Reports read the attempts of days without a summary; the next check tries again.
            logger.error("summarizing closed days failed", metadata: ["error": "\(error)"])
        }
    }
}
