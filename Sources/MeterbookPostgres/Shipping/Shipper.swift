import Foundation
import Logging
import Meterbook
import PostgresNIO

/// Ships one SQLite file's attempts to the central store, incrementally and exactly once in effect.
///
/// One pass:
/// 1. registers (or refreshes) the file's row in `sources`, keyed by its `meta.source_id`;
/// 2. ships every archive of the local manifest that `shipped_archives` does not list for this source: all its
///    rows and its `shipped_archives` row in one transaction. Archives are not filtered by the shipped position:
///    rotation may move rows above it into an archive between passes, and this is what keeps "rotation never
///    loses a row the central store has not got";
/// 3. ships live rows `WHERE id > shipped_id ORDER BY id LIMIT batchSize`, moving `sources.shipped_id` in the
///    transaction that inserts them, until caught up.
///
/// Every transaction first takes an advisory lock on the source, so two shippers of one file (or of two copies of
/// it) take turns instead of racing; inserts are idempotent upserts in any case, so a crash at any point resumes
/// without loss or duplicates.
public struct Shipper: Sendable {
    /// What one pass did.
    public struct Pass: Sendable, Equatable {
        /// Attempts sent (live and archived), including any the central store already had.
        public var rowsShipped = 0
        /// Attempts that were new to the central store.
        public var rowsInserted = 0
        public var archivesShipped = 0
        /// The highest local id shipped from the live table, after the pass.
        public var shippedID: Int64 = 0

        public init() {}
    }

    public static let defaultBatchSize = 10_000

    public let store: MeterbookStore
    public let catalog: ArchiveCatalog
    public let source: ShipSource
    public let batchSize: Int
    let logger: Logger

    /// `store` must have schema 4 (open it with `.existing` or `.readWrite`: an older file is migrated and gets its
    /// source id). `archiveDirectory` nil: `archive/` beside the database.
    public init(store: MeterbookStore, archiveDirectory: String? = nil, batchSize: Int = Shipper.defaultBatchSize,
                host: String = ProcessInfo.processInfo.hostName, logger: Logger = Logger(label: "meterbook.ship")) throws {
        guard let id = try store.sourceID().flatMap(UUID.init(uuidString:)) else {
            throw CentralStoreError(.badURL, "\(store.path) has no source id (an older schema opened read-only): open it writable once, or run meterbook rotate on it.")
        }
        self.store = store
        self.catalog = ArchiveCatalog(store: store, directory: archiveDirectory)
        self.source = ShipSource(id: id, host: host, database: URL(fileURLWithPath: store.path).standardizedFileURL.path)
        self.batchSize = max(1, batchSize)
        self.logger = logger
    }

    /// One pass over the archives and the live rows; returns when the central store has every row the file had
    /// when the pass began. `progress` is called after each committed transaction (so a watchdog can tell a long
    /// backlog from a stall).
    @discardableResult
    public func shipOnce(to database: CentralDatabase, progress: @Sendable () -> Void = {}) async throws -> Pass {
        var pass = Pass()
        try await register(database)
        try await shipArchives(to: database, &pass, progress)
        try await shipLive(to: database, &pass, progress)
        return pass
    }

    private var sourceLock: PostgresQuery {
        "SELECT pg_advisory_xact_lock(hashtextextended(\(source.id.uuidString.lowercased()), 0))"
    }

    private func register(_ database: CentralDatabase) async throws {
        try await database.run("""
            INSERT INTO sources (source_id, source_host, source_db) VALUES (\(source.id), \(source.host), \(source.database))
            ON CONFLICT (source_id) DO UPDATE SET source_host = EXCLUDED.source_host, source_db = EXCLUDED.source_db
            """, "register the source \(source.database)")
    }

    private func shipArchives(to database: CentralDatabase, _ pass: inout Pass, _ progress: () -> Void) async throws {
        let local = try catalog.entries()
        guard !local.isEmpty else { return }
        let shipped = Set(try await database.values("SELECT day::text || '/' || part FROM shipped_archives WHERE source_id = \(source.id)",
                                                    as: String.self, "list the shipped archives"))
        for entry in local where !shipped.contains("\(entry.day)/\(entry.part)") {
            let catalog = self.catalog
            let records = try await CentralReader.onOwnThread {
                var records: [AttemptRecord] = []
                records.reserveCapacity(entry.rows)
                try catalog.records(of: entry) { record in
                    records.append(record)
                    return true
                }
                return records
            }
            let day = entry.day.description
            let inserted = try await database.transaction("ship the archive of \(day) part \(entry.part)") { database -> Int? in
                try await database.run(sourceLock, "lock the source")
                // Another shipper of this file may have shipped it while this one waited for the lock.
                let done = try await database.values("""
                    SELECT count(*) FROM shipped_archives WHERE source_id = \(source.id) AND day = \(day)::date AND part = \(entry.part)
                    """, as: Int.self, "look up a shipped archive").first ?? 0
                if done > 0 { return nil }
                var inserted = 0
                for start in stride(from: 0, to: records.count, by: batchSize) {
                    inserted += try await CentralWriter.writeArchived(Array(records[start..<min(start + batchSize, records.count)]), day: entry.day,
                                                                      from: source, into: database)
                }
                try await database.run("""
                    INSERT INTO shipped_archives (source_id, day, part, sha256, rows)
                    VALUES (\(source.id), \(day)::date, \(entry.part), \(entry.sha256), \(entry.rows))
                    """, "record the shipped archive of \(day)")
                return inserted
            }
            progress()
            if let inserted {
                pass.archivesShipped += 1
                pass.rowsShipped += records.count
                pass.rowsInserted += inserted
                logger.debug("shipped an archive", metadata: ["day": "\(day)", "part": "\(entry.part)", "rows": "\(records.count)"])
            }
        }
    }

    /// Live rows above the shipped position, one batch per transaction, until caught up. The next batch is read
    /// from SQLite while PostgreSQL takes the current one (the two use different cores).
    private func shipLive(to database: CentralDatabase, _ pass: inout Pass, _ progress: () -> Void) async throws {
        var position = try await database.values("SELECT shipped_id FROM sources WHERE source_id = \(source.id)", as: Int64.self, "read the shipped position").first ?? 0
        var next = read(after: position)
        defer { next.cancel() }
        while true {
            let read = try await next.value
            if read.count == batchSize { next = self.read(after: read.lastID) }
            let (batch, inserted) = try await database.transaction("ship live attempts") { database -> (CopyBatch, Int) in
                try await database.run(sourceLock, "lock the source")
                let shipped = try await database.values("SELECT shipped_id FROM sources WHERE source_id = \(source.id)", as: Int64.self, "read the shipped position").first ?? 0
                // Another shipper of this file moved the position since the batch was read: read again from there.
                let batch = shipped == read.after ? read : try await self.read(after: shipped).value
                guard batch.count > 0 else { return (batch, 0) }
                let inserted = try await CentralWriter.write(batch, from: source, into: database)
                try await database.run("""
                    UPDATE sources SET shipped_id = GREATEST(shipped_id, \(batch.lastID)), last_shipped_at = now() WHERE source_id = \(source.id)
                    """, "move the shipped position")
                return (batch, inserted)
            }
            progress()
            pass.rowsShipped += batch.count
            pass.rowsInserted += inserted
            position = max(batch.after, batch.lastID)
            pass.shippedID = position
            if batch.count < batchSize { break }
            if batch.after != read.after || read.count < batchSize {
                // The batch was read again, or the one read ahead of it was short: what comes next starts at `position`.
                next.cancel()
                next = self.read(after: position)
            }
        }
    }

    /// Reads the live batch above `position` on a thread of its own: SQLite blocks, and a blocked thread of Swift's
    /// cooperative pool (two here) would hold up whatever shares the process (the proxy's relays).
    private func read(after position: Int64) -> Task<CopyBatch, any Error> {
        Task { [store, batchSize, source] in
            try await CentralReader.onOwnThread { try CopyBatch.live(of: store, after: position, limit: batchSize, source: source) }
        }
    }
}
