import Foundation
import GRDB

/// `meterbook rotate`: moves attempts older than the retention window into verified gzip archives, one file per
/// UTC day, and keeps per-day rollups so reports over archived days still work.
///
/// Each day goes through: write `FILE.tmp` → fsync → read back and check row count and SHA-256 → rename to its
/// final name; then one transaction records the manifest rows, adds the rollups and deletes exactly the archived
/// rows of a batch of days. A crash at any point leaves either live rows and no manifest row (the next run removes
/// the leftover file and redoes the day) or a committed archive with the rows gone: never both, never neither.
///
/// Days are written by up to one worker per core, and their rows are deleted a batch of days at a time: every
/// delete rewrites the pages of the random-ID indexes it touches (call, response, request ids), so deleting a
/// year of backlog one day per transaction rewrote those indexes once per day.
public enum ArchiveRotation {
    /// What rotation did (or, with a dry run, would do) for one day.
    public struct DayResult: Sendable {
        public var day: UTCDay
        public var rows: Int
        /// Absolute path of the archive file.
        public var path: String
        /// Compressed and raw sizes (0 in a dry run).
        public var bytes: Int
        public var rawBytes: Int
    }

    public struct Result: Sendable {
        public var archived: [DayResult]
        /// Days before this one were archived.
        public var cutoff: UTCDay
        public var dryRun: Bool
        /// Files left by an interrupted rotation and removed (their rows were still live).
        public var removedLeftovers: [String]
    }

    /// zlib's level and strategy for archives (BENCHMARKS.md, "Rotation and archives"). Level 6 keeps archives ~25%
    /// smaller than level 1 on attempt rows at about half its speed. `Z_FILTERED` drops matches shorter than 6 bytes,
    /// which inside random ids cost more than the literals they replace: 7.0× instead of 6.65× at the same speed.
    package static let compressionLevel: Int32 = 6
    package static let compressionStrategy = GzipWriter.Strategy.filtered

    /// Rows deleted per transaction (whole days; at least one day). Bounds how long recorders wait for the write
    /// lock and how large the WAL grows, while a backlog of many small days still costs few index rewrites.
    static let rowsPerTransaction = 250_000

    /// The same when the rotation moves most of the table: transactions that rebuild the indexes are cheap per row,
    /// and this bounds the summaries (rollups, ID filters) held until the commit.
    static let rowsPerRebuildingTransaction = 5_000_000

    /// `archive/` beside the database file.
    public static func defaultDirectory(forDatabase path: String) -> String {
        let folder = (path as NSString).deletingLastPathComponent
        return ((folder.isEmpty ? "." : folder) as NSString).appendingPathComponent("archive")
    }

    /// Archives every day before `today - retentionDays` that still has rows in the live database.
    public static func rotate(store: MeterbookStore, archiveDirectory: String, retentionDays: Int, dryRun: Bool = false,
                              now: Date = Date()) throws -> Result {
        let cutoff = UTCDay.today(now: now).adding(days: -Int64(retentionDays))
        let (days, liveRows) = try store.read { db in
            let days = try Row.fetchAll(db, sql: """
                SELECT CASE WHEN started_at >= 0 THEN started_at / 86400000 ELSE (started_at - 86399999) / 86400000 END AS day, count(*) AS rows
                FROM requests WHERE started_at < ? GROUP BY 1 ORDER BY 1
                """, arguments: [cutoff.startMs]).map { row -> PendingDay in
                let day = UTCDay(daysSinceEpoch: row["day"])
                return PendingDay(day: day, rows: row["rows"], part: try nextPart(db, day: day))
            }
            return (days, try Int.fetchOne(db, sql: "SELECT count(*) FROM requests") ?? 0)
        }
        var result = Result(archived: [], cutoff: cutoff, dryRun: dryRun, removedLeftovers: [])
        if dryRun {
            result.archived = days.map { pending in
                DayResult(day: pending.day, rows: pending.rows, path: path(pending, in: archiveDirectory), bytes: 0, rawBytes: 0)
            }
            return result
        }
        guard !days.isEmpty else { return result }
        try makeDirectory(archiveDirectory)
        let lock = try RotationLock(directory: archiveDirectory)
        defer { lock.release() }
        // A backlog that is most of the table (a first rotation, or one after months without) goes in large
        // batches, and a batch at least as large as what stays after it is deleted in a transaction that drops the
        // requests indexes and builds them again over the rows that stay: deleting row by row costs a seek in each
        // index per row, rebuilding costs a sort of what is left.
        let archiving = days.map(\.rows).reduce(0, +)
        let limit = archiving * 2 >= liveRows ? rowsPerRebuildingTransaction : rowsPerTransaction
        var live = liveRows
        var next = 0
        while next < days.count {
            var end = next + 1
            var rows = days[next].rows
            while end < days.count, rows + days[end].rows <= limit {
                rows += days[end].rows
                end += 1
            }
            let batch = Array(days[next..<end])
            next = end
            let rebuildIndexes = rows >= live - rows
            live -= rows
            let written = prepare(batch, directory: archiveDirectory, store: store)
            result.removedLeftovers += written.flatMap(\.removed)
            // Days archive in order: the first failure stops rotation, with the days before it committed.
            let failure = written.firstIndex { $0.failure != nil }
            let ready = written[..<(failure ?? written.count)].compactMap(\.file)
            if let failure {
                for file in written[failure...].compactMap(\.file) { try? FileManager.default.removeItem(atPath: file.path) }
            }
            try commit(ready, store: store, now: now, rebuildIndexes: rebuildIndexes)
            for file in ready {
                RotationFaults.reach("after-commit")
                result.archived.append(DayResult(day: file.pending.day, rows: file.written.rows, path: file.path,
                                                 bytes: file.written.bytes, rawBytes: file.written.rawBytes))
            }
            if let failure, let error = written[failure].failure { throw error }
        }
        try store.returnFreePages()
        return result
    }

    /// A day with live rows before the cutoff, and the part its archive will be.
    struct PendingDay: Sendable {
        var day: UTCDay
        var rows: Int
        var part: Int
    }

    static func path(_ pending: PendingDay, in directory: String) -> String {
        (directory as NSString).appendingPathComponent(ArchiveEntry.relativePath(day: pending.day, part: pending.part))
    }

    static func nextPart(_ db: Database, day: UTCDay) throws -> Int {
        guard try db.tableExists("archives") else { return 1 }
        return (try Int.fetchOne(db, sql: "SELECT max(part) FROM archives WHERE day = ?", arguments: [day.description]) ?? 0) + 1
    }

    static func makeDirectory(_ path: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw ArchiveError(.cannotWrite, "Could not create the archive folder \(path): \(String(describing: (error as NSError).localizedDescription)). Make it writable or pass --archive-dir; no rows were removed.")
        }
    }

    /// One day's verified archive file, renamed into place, whose rows are still live until `commit`.
    struct DayFile {
        var pending: PendingDay
        var path: String
        var relativePath: String
        var written: DayWriter.Written
    }

    /// What preparing one day gave: its file, or the error that stopped it, and the leftovers it removed.
    struct Prepared {
        var file: DayFile?
        var failure: Error?
        var removed: [String] = []
    }

    /// Writes, verifies and renames each day's archive, one worker per core taking days in order.
    private static func prepare(_ batch: [PendingDay], directory: String, store: MeterbookStore) -> [Prepared] {
        let results = PreparedSlots(count: batch.count)
        let workers = min(batch.count, max(1, ProcessInfo.processInfo.activeProcessorCount))
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while let index = results.claim() {
                var prepared = Prepared()
                do {
                    prepared.file = try prepareDay(batch[index], directory: directory, store: store, removed: &prepared.removed)
                } catch {
                    prepared.failure = error
                }
                results.store(prepared, at: index)
                // Once a day failed, later days would be discarded anyway.
                if prepared.failure != nil { results.stop() }
            }
        }
        return results.collected()
    }

    private static func prepareDay(_ pending: PendingDay, directory: String, store: MeterbookStore, removed: inout [String]) throws -> DayFile {
        let relative = ArchiveEntry.relativePath(day: pending.day, part: pending.part)
        let path = (directory as NSString).appendingPathComponent(relative)
        let temporary = path + ".tmp"
        try makeDirectory((path as NSString).deletingLastPathComponent)
        // A file here without a manifest row is what an interrupted rotation left: its rows are still live.
        for leftover in [temporary, path] where FileManager.default.fileExists(atPath: leftover) {
            try? FileManager.default.removeItem(atPath: leftover)
            removed.append(leftover)
        }
        RotationFaults.reach("before-write")

        let written = try DayWriter.write(day: pending.day, expectedRows: pending.rows, to: temporary, store: store)
        RotationFaults.reach("after-write")
        try verify(path: temporary, rows: written.rows, sha256: written.sha256)
        RotationFaults.reach("after-verify")
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(atPath: temporary)
            throw ArchiveError(.cannotWrite, "Could not rename \(temporary) to \(path): \(reason). No rows were removed.")
        }
        syncDirectory((path as NSString).deletingLastPathComponent)
        RotationFaults.reach("after-rename")
        return DayFile(pending: pending, path: path, relativePath: relative, written: written)
    }

    /// One transaction for the batch: each day's manifest row and rollups, and the delete of exactly its rows.
    private static func commit(_ files: [DayFile], store: MeterbookStore, now: Date, rebuildIndexes: Bool) throws {
        guard !files.isEmpty else { return }
        do {
            try store.write { db in
                // Debian and others build SQLite with SECURE_DELETE, which zeroes every freed page and so writes
                // each deleted page to the WAL (and the checkpoint writes it again). These rows now live in the
                // archives, so zeroing their old pages protects nothing: FAST zeroes only what costs no extra I/O.
                let secureDelete = try Int.fetchOne(db, sql: "PRAGMA secure_delete") ?? 0
                try db.execute(sql: "PRAGMA secure_delete = FAST")
                defer { try? db.execute(sql: "PRAGMA secure_delete = \(secureDelete)") }
                // The indexes exactly as the schema made them (partial ones keep their WHERE).
                let indexes = rebuildIndexes ? try Row.fetchAll(db, sql: """
                    SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'requests' AND sql IS NOT NULL ORDER BY name
                    """).map { (name: $0["name"] as String, sql: $0["sql"] as String) } : []
                for index in indexes { try db.execute(sql: "DROP INDEX \(index.name.quotedDatabaseIdentifier)") }
                for file in files {
                    let written = file.written
                    let entry = ArchiveEntry(day: file.pending.day, part: file.pending.part, path: file.relativePath, rows: written.rows,
                                             bytes: written.bytes, rawBytes: written.rawBytes, sha256: written.sha256,
                                             firstStartedAt: written.firstStartedAt, lastStartedAt: written.lastStartedAt,
                                             idFilter: written.filter)
                    try entry.insert(db, createdAt: Int64(now.timeIntervalSince1970 * 1000))
                    try written.rollup.save(db)
                    let day = file.pending.day
                    try db.execute(sql: "DELETE FROM requests WHERE id BETWEEN ? AND ? AND started_at >= ? AND started_at < ?",
                                   arguments: [written.firstID, written.lastID, day.startMs, day.endMs])
                    guard db.changesCount == written.rows else {
                        throw ArchiveError(.mismatch, "Rotation of \(day) archived \(written.rows) rows but would delete \(db.changesCount): nothing was deleted; run meterbook rotate again.")
                    }
                    try DaySummaries.forget(db, days: [day])
                }
                for index in indexes { try db.execute(sql: index.sql) }
            }
        } catch {
            // Not committed: the rows stay live, so the files must go (the next run redoes the days).
            for file in files { try? FileManager.default.removeItem(atPath: file.path) }
            throw error
        }
    }

    /// Reads the file back from disk and checks it against what was written.
    static func verify(path: String, rows: Int, sha256: String) throws {
        let reader = try GzipReader(path: path)
        let read = try reader.forEachLine { _ in true }
        guard read.lines == rows, read.sha256 == sha256 else {
            try? FileManager.default.removeItem(atPath: path)
            throw ArchiveError(.mismatch, "\(path) read back \(read.lines) rows (wrote \(rows)) with a different checksum: the disk lost data; nothing was deleted.")
        }
    }

    /// Makes a rename durable (best effort: some file systems refuse fsync on a directory).
    private static func syncDirectory(_ path: String) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        fsync(descriptor)
        close(descriptor)
    }
}

/// The per-day results of a batch, filled by the workers. One lock because workers claim and store concurrently.
private final class PreparedSlots: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [ArchiveRotation.Prepared?]
    private var nextIndex = 0
    private var stopped = false

    init(count: Int) {
        slots = Array(repeating: nil, count: count)
    }

    /// The next day to prepare, in order; nil when all are taken or a day failed.
    func claim() -> Int? {
        lock.withLock {
            guard !stopped, nextIndex < slots.count else { return nil }
            defer { nextIndex += 1 }
            return nextIndex
        }
    }

    func store(_ prepared: ArchiveRotation.Prepared, at index: Int) {
        lock.withLock { slots[index] = prepared }
    }

    func stop() {
        lock.withLock { stopped = true }
    }

    /// Days in order, up to the first one never started.
    func collected() -> [ArchiveRotation.Prepared] {
        lock.withLock { Array(slots.prefix { $0 != nil }.compactMap { $0 }) }
    }
}
