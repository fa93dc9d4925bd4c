import Foundation
import Logging
import Meterbook

/// Ships continuously: a pass every `interval`, reconnecting with backoff (1 s doubling to 30 s) while the server is
/// down or restarting. Failures are reported once per outage and counted; they never reach the caller's recording.
///
/// For long-running library users (the proxy runs one when its config has a `[ship]` section):
/// ```swift
/// let store = try MeterbookStore(path: path)
/// let shipper = try ContinuousShipper(shipper: Shipper(store: store), settings: PostgresSettings(url: "postgres://..."),
///                                     interval: 10)
/// shipper.start()
/// // ...
/// await shipper.stop()   // finishes the pass in progress, then a bounded final pass
/// ```
///
/// Stopping makes one final pass (bounded by `finalPassTimeout`), so attempts recorded just before shutdown
/// arrive; if it fails or runs out of time they stay in the local file and ship on the next start.
public final class ContinuousShipper: @unchecked Sendable {
    // @unchecked: the mutable state below is only touched under `lock`.
    public enum Event: Sendable {
        /// A pass shipped something (passes that found nothing new are not reported).
        case shipped(Shipper.Pass)
        /// The first failure of an outage (later retries of the same outage are not reported).
        case outage(String)
        /// The server answered again after an outage.
        case recovered
        /// Old day partitions were dropped (retention).
        case dropped([String])
    }

    public let shipper: Shipper
    public let settings: PostgresSettings
    public let interval: TimeInterval
    /// Days of attempts the central store keeps (whole day partitions older than that are dropped); nil: keep all.
    public let retentionDays: Int?
    private let logger: Logger
    private let onEvent: @Sendable (Event) -> Void
    private let lock = NSLock()
    private var stopRequested = false
    private var task: Task<Void, Never>?
    private var failureCount = 0
    private var passCount = 0
    private var rowsShipped = 0

    /// A pass that takes longer is abandoned and its connection closed (a server stopped mid-query can leave a
    /// connection that never answers); committed batches stay shipped, the next pass resumes after them.
    public let passTimeout: TimeInterval
    /// How long the pass made when stopping may take (connecting included); 0: no final pass.
    public let finalPassTimeout: TimeInterval

    public init(shipper: Shipper, settings: PostgresSettings, interval: TimeInterval = 10, retentionDays: Int? = nil, passTimeout: TimeInterval = 30,
                finalPassTimeout: TimeInterval = 10,
                logger: Logger = Logger(label: "meterbook.ship"), onEvent: @escaping @Sendable (Event) -> Void = { _ in }) {
        self.shipper = shipper
        self.settings = settings
        self.interval = max(0.05, interval)
        self.retentionDays = retentionDays
        self.passTimeout = passTimeout
        self.finalPassTimeout = max(0, finalPassTimeout)
        self.logger = logger
        self.onEvent = onEvent
    }

    /// Failed passes and connection attempts since `start()`.
    public var failures: Int { lock.withLock { failureCount } }
    /// Completed passes since `start()`.
    public var passes: Int { lock.withLock { passCount } }
    /// Attempts sent since `start()`.
    public var shipped: Int { lock.withLock { rowsShipped } }

    private var stopping: Bool { lock.withLock { stopRequested } }

    public func start() {
        lock.withLock {
            guard task == nil else { return }
            stopRequested = false
            task = Task.detached { [self] in await loop() }
        }
    }

    /// Asks the loop to stop and waits for it: a pass in progress is finished, never cut short, then a final pass
    /// (at most `finalPassTimeout`) ships what was recorded since.
    public func stop() async {
        let task = lock.withLock { () -> Task<Void, Never>? in
            stopRequested = true
            return self.task
        }
        await task?.value
        lock.withLock { self.task = nil }
    }

    /// Runs until `stop()`; for callers that own the loop (`meterbook ship --every`).
    public func run() async {
        await loop()
    }

    /// Asks a `run()` to return after its current pass and the final one.
    public func requestStop() {
        lock.withLock { stopRequested = true }
    }

    private func loop() async {
        var database: CentralDatabase?
        var inOutage = false
        var backoff: TimeInterval = 1
        var lastRetention: UTCDay?
        while !stopping {
            do {
                if database == nil {
                    database = try await CentralDatabase.connect(settings, migrate: true, logger: logger)
                }
                let pass = try await shipWithDeadline(database!)
                if let retentionDays, lastRetention != UTCDay.today() {
                    let dropped = try await CentralRetention.dropDays(before: UTCDay.today().adding(days: -Int64(retentionDays)), in: database!)
                    lastRetention = UTCDay.today()
                    if !dropped.isEmpty { onEvent(.dropped(dropped)) }
                }
                lock.withLock {
                    passCount += 1
                    rowsShipped += pass.rowsShipped
                }
                if inOutage {
                    inOutage = false
                    logger.notice("shipping resumed", metadata: ["server": "\(settings)"])
                    onEvent(.recovered)
                }
                backoff = 1
                if pass.rowsShipped > 0 || pass.archivesShipped > 0 { onEvent(.shipped(pass)) }
                await pause(interval)
            } catch {
                lock.withLock { failureCount += 1 }
                if let failed = database {
                    database = nil
                    try? await failed.close()
                }
                if let error = error as? CentralStoreError, error.kind == .newerSchema || error.kind == .notMeterbook {
                    // Retrying cannot help; say so once and keep trying slowly in case the operator fixes it.
                    backoff = 30
                }
                if !inOutage {
                    inOutage = true
                    logger.error("shipping failed; retrying", metadata: ["server": "\(settings)", "error": "\(error)"])
                    onEvent(.outage("\(error)"))
                }
                await pause(backoff)
                backoff = min(backoff * 2, 30)
            }
        }
        if finalPassTimeout > 0 {
            await finalPass(database)
        } else {
            try? await database?.close()
        }
    }

    /// The pass made when stopping: connects if need be, ships, and closes the connection, all within
    /// `finalPassTimeout`; a failure is logged once (the rows stay local and ship on the next start).
    private func finalPass(_ open: CentralDatabase?) async {
        let shipper = self.shipper, settings = self.settings, logger = self.logger
        do {
            let pass = try await Self.withDeadline(finalPassTimeout, "PostgreSQL at \(settings) did not finish the final pass within \(Int(finalPassTimeout)) s",
                                                   abandon: { try? await open?.close() }) { deadline in
                let database: CentralDatabase
                if let open { database = open } else { database = try await CentralDatabase.connect(settings, migrate: true, logger: logger) }
                do {
                    // Too late: the caller has moved on, so ship nothing behind its back.
                    guard !deadline.isClaimed else { throw CancellationError() }
                    let pass = try await shipper.shipOnce(to: database)
                    try? await database.close()
                    return pass
                } catch {
                    try? await database.close()
                    throw error
                }
            }
            lock.withLock {
                passCount += 1
                rowsShipped += pass.rowsShipped
            }
            if pass.rowsShipped > 0 || pass.archivesShipped > 0 { onEvent(.shipped(pass)) }
        } catch {
            lock.withLock { failureCount += 1 }
            logger.error("final shipping pass failed; the unshipped attempts stay in the local file and ship on the next start",
                         metadata: ["server": "\(settings)", "error": "\(error)"])
        }
    }

    /// One pass, or a failure once `passTimeout` passes without a batch committed (a long backlog is not cut short
    /// while it moves); the abandoned pass's connection is closed.
    private func shipWithDeadline(_ database: CentralDatabase) async throws -> Shipper.Pass {
        let shipper = self.shipper
        return try await Self.withDeadline(passTimeout, "PostgreSQL at \(settings) did not answer within \(Int(passTimeout)) s",
                                           abandon: { try? await database.close() }) { deadline in
            try await shipper.shipOnce(to: database, progress: { deadline.touch() })
        }
    }

    /// `body`'s result, or a failure with `message` once `timeout` passes since the start or the body's last
    /// `touch()`, when `abandon` runs (closing the connection `body` waits on: a server stopped mid-query can leave
    /// one that never answers). `body` sees whether the deadline has passed.
    private static func withDeadline<T: Sendable>(_ timeout: TimeInterval, _ message: String, abandon: @escaping @Sendable () async -> Void,
                                                  _ body: @escaping @Sendable (Once) async throws -> T) async throws -> T {
        let once = Once()
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            Task {
                do {
                    let value = try await body(once)
                    if once.claim() { continuation.resume(returning: value) }
                } catch {
                    if once.claim() { continuation.resume(throwing: error) }
                }
            }
            Task {
                while true {
                    let left = timeout - once.idleSeconds
                    if left <= 0 { break }
                    try? await Task.sleep(nanoseconds: UInt64(min(left, 0.5) * 1e9) + 1)
                    if once.isClaimed { return }
                }
                guard once.claim() else { return }
                continuation.resume(throwing: CentralStoreError(.unreachable, message))
                await abandon()
            }
        }
    }

    /// Sleeps up to `seconds`, waking early when stop is requested.
    private func pause(_ seconds: TimeInterval) async {
        let deadline = Date(timeIntervalSinceNow: seconds)
        while !stopping, Date() < deadline {
            try? await Task.sleep(nanoseconds: UInt64(min(0.1, max(0, deadline.timeIntervalSinceNow)) * 1e9) + 1)
        }
    }
}

/// Lets exactly one of several racers resume a continuation, and tells how long since the work last moved.
private final class Once: @unchecked Sendable {
    // @unchecked: `claimed` and `lastProgress` are only touched under `lock`.
    private let lock = NSLock()
    private var claimed = false
    private var lastProgress = DispatchTime.now().uptimeNanoseconds
    var isClaimed: Bool { lock.withLock { claimed } }
    var idleSeconds: Double { lock.withLock { Double(DispatchTime.now().uptimeNanoseconds - lastProgress) / 1e9 } }
    func touch() {
        lock.withLock { lastProgress = DispatchTime.now().uptimeNanoseconds }
    }
    func claim() -> Bool {
        lock.withLock {
            if claimed { return false }
            claimed = true
            return true
        }
    }
}
