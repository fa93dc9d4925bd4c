import Foundation
import GRDB
import GRDBSQLite

/// `meterbook rotate`: moves attempts older than the retention window into verified gzip archives, one file per
/// UTC day, and keeps per-day rollups so reports over archived days still work.
///
/// Each day goes through: write `FILE.tmp` → fsync → read back and check row count and SHA-256 → rename to its
/// final name → one transaction that records the manifest row, adds the rollups and deletes exactly the archived
/// rows. A crash at any point leaves either live rows and no manifest row (the next run removes the leftover file
/// and redoes the day) or a committed archive with the rows gone: never both, never neither.
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

    /// `archive/` beside the database file.
    public static func defaultDirectory(forDatabase path: String) -> String {
        let folder = (path as NSString).deletingLastPathComponent
        return ((folder.isEmpty ? "." : folder) as NSString).appendingPathComponent("archive")
    }

    /// Archives every day before `today - retentionDays` that still has rows in the live database.
    public static func rotate(store: MeterbookStore, archiveDirectory: String, retentionDays: Int, dryRun: Bool = false,
                              now: Date = Date()) throws -> Result {
        let cutoff = UTCDay.today(now: now).adding(days: -Int64(retentionDays))
        let days = try store.read { db in
            try Int64.fetchAll(db, sql: """
                SELECT DISTINCT CASE WHEN started_at >= 0 THEN started_at / 86400000 ELSE (started_at - 86399999) / 86400000 END
                FROM requests WHERE started_at < ? ORDER BY 1
                """, arguments: [cutoff.startMs]).map(UTCDay.init(daysSinceEpoch:))
        }
        var result = Result(archived: [], cutoff: cutoff, dryRun: dryRun, removedLeftovers: [])
        if dryRun {
            for day in days {
                let (rows, part) = try store.read { db in
                    (try Int.fetchOne(db, sql: "SELECT count(*) FROM requests WHERE started_at >= ? AND started_at < ?", arguments: [day.startMs, day.endMs]) ?? 0,
                     try nextPart(db, day: day))
                }
                let path = (archiveDirectory as NSString).appendingPathComponent(ArchiveEntry.relativePath(day: day, part: part))
                result.archived.append(DayResult(day: day, rows: rows, path: path, bytes: 0, rawBytes: 0))
            }
            return result
        }
        guard !days.isEmpty else { return result }
        try makeDirectory(archiveDirectory)
        let lock = try RotationLock(directory: archiveDirectory)
        defer { lock.release() }
        for day in days {
            result.archived.append(try archive(day: day, store: store, directory: archiveDirectory, now: now, removed: &result.removedLeftovers))
        }
        try store.returnFreePages()
        return result
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

    private static func archive(day: UTCDay, store: MeterbookStore, directory: String, now: Date, removed: inout [String]) throws -> DayResult {
        let part = try store.read { db in try nextPart(db, day: day) }
        let relative = ArchiveEntry.relativePath(day: day, part: part)
        let path = (directory as NSString).appendingPathComponent(relative)
        let temporary = path + ".tmp"
        try makeDirectory((path as NSString).deletingLastPathComponent)
        // A file here without a manifest row is what an interrupted rotation left: its rows are still live.
        for leftover in [temporary, path] where FileManager.default.fileExists(atPath: leftover) {
            try? FileManager.default.removeItem(atPath: leftover)
            removed.append(leftover)
        }
        RotationFaults.reach("before-write")

        let written = try write(day: day, to: temporary, store: store)
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

        let entry = ArchiveEntry(day: day, part: part, path: relative, rows: written.rows, bytes: written.bytes, rawBytes: written.rawBytes,
                                 sha256: written.sha256, firstStartedAt: written.firstStartedAt, lastStartedAt: written.lastStartedAt,
                                 idFilter: written.filter)
        do {
            try store.write { db in
                try entry.insert(db, createdAt: Int64(now.timeIntervalSince1970 * 1000))
                try written.rollup.save(db)
                try db.execute(sql: "DELETE FROM requests WHERE started_at >= ? AND started_at < ? AND id <= ?",
                               arguments: [day.startMs, day.endMs, written.lastID])
                guard db.changesCount == written.rows else {
                    throw ArchiveError(.mismatch, "Rotation of \(day) archived \(written.rows) rows but would delete \(db.changesCount): nothing was deleted; run meterbook rotate again.")
                }
                try DaySummaries.forget(db, days: [day])
            }
        } catch {
            // Not committed: the rows stay live, so the file must go (the next run redoes the day).
            try? FileManager.default.removeItem(atPath: path)
            throw error
        }
        RotationFaults.reach("after-commit")
        return DayResult(day: day, rows: written.rows, path: path, bytes: written.bytes, rawBytes: written.rawBytes)
    }

    private struct Written {
        var rows = 0
        var bytes = 0
        var rawBytes = 0
        var sha256 = ""
        var firstStartedAt = Int64.max
        var lastStartedAt = Int64.min
        var lastID: Int64 = 0
        var filter: IDFilter
        var rollup: DayRollup
    }

    /// Columns the rollup and ID filter read, in this order.
    private static let summaryColumns = [
        "id", "call_id", "attempt", "final", "started_at", "endpoint", "deployment", "model", "status", "outcome", "latency_ms", "ttft_ms",
        "input_tokens", "output_tokens", "total_tokens", "cached_input_tokens", "cache_write_tokens", "reasoning_tokens", "cost_usd",
        "response_id", "request_id", "apim_request_id", "upstream_request_id",
    ]

    /// Writes the day's rows as NDJSON (the export's encoding) through gzip, and summarises them, in one read
    /// transaction so the file and the summary see the same rows.
    private static func write(day: UTCDay, to path: String, store: MeterbookStore) throws -> Written {
        let writer = try GzipWriter(path: path)
        do {
            var written = try store.read { db -> Written in
                let count = try Int.fetchOne(db, sql: "SELECT count(*) FROM requests WHERE started_at >= ? AND started_at < ?",
                                             arguments: [day.startMs, day.endMs]) ?? 0
                // Up to five IDs per attempt; most have three or four.
                var written = Written(filter: IDFilter(capacity: count * 4), rollup: DayRollup(day: day))
                let sink = ByteSink { chunk in try writer.write(chunk) }
                var encoder = NDJSONRowEncoder()
                let columns = AttemptExport.columns
                try encoder.begin(columns: columns, sink: sink)
                let statement = try db.makeStatement(sql: "SELECT \(columns.joined(separator: ", ")) FROM requests WHERE started_at >= ? AND started_at < ? ORDER BY id")
                try statement.setArguments([day.startMs, day.endMs])
                written.rows = try DatabaseSource.writeRows(statement, db: db, columns: columns, encoder: &encoder, sink: sink)
                try sink.flush()

                let cursor = try Row.fetchCursor(db, sql: "SELECT \(summaryColumns.joined(separator: ", ")) FROM requests WHERE started_at >= ? AND started_at < ? ORDER BY id",
                                                 arguments: [day.startMs, day.endMs])
                var summarised = 0
                while let row = try cursor.next() {
                    summarised += 1
                    let record = summaryRecord(row)
                    written.rollup.add(record)
                    written.lastID = max(written.lastID, row["id"] as Int64? ?? 0)
                    written.firstStartedAt = min(written.firstStartedAt, record.startedAt)
                    written.lastStartedAt = max(written.lastStartedAt, record.startedAt)
                    for id in [record.callID, record.responseID, record.requestID, record.apimRequestID, record.upstreamRequestID] {
                        if let id, !id.isEmpty { written.filter.insert(id) }
                    }
                }
                guard summarised == written.rows else {
                    throw ArchiveError(.mismatch, "Rotation of \(day) read \(written.rows) rows, then \(summarised): run meterbook rotate again.")
                }
                written.rollup.closeCalls()
                return written
            }
            written.sha256 = try writer.finish()
            written.bytes = writer.compressedBytes
            written.rawBytes = writer.rawBytes
            return written
        } catch {
            try? FileManager.default.removeItem(atPath: path)
            throw error
        }
    }

    private static func summaryRecord(_ row: Row) -> AttemptRecord {
        var record = AttemptRecord(callID: row["call_id"] ?? "", attempt: row["attempt"] ?? 1, final: (row["final"] as Int? ?? 1) != 0,
                                   startedAt: row["started_at"] ?? 0, provider: .other, api: .other, endpoint: row["endpoint"] ?? "",
                                   deployment: row["deployment"], path: "", status: row["status"] ?? 0,
                                   outcome: Outcome(rawValue: row["outcome"] ?? "") ?? .httpError)
        record.model = row["model"]
        record.latencyMs = row["latency_ms"]
        record.ttftMs = row["ttft_ms"]
        record.inputTokens = row["input_tokens"]
        record.outputTokens = row["output_tokens"]
        record.totalTokens = row["total_tokens"]
        record.cachedInputTokens = row["cached_input_tokens"]
        record.cacheWriteTokens = row["cache_write_tokens"]
        record.reasoningTokens = row["reasoning_tokens"]
        record.costUSD = row["cost_usd"]
        record.responseID = row["response_id"]
        record.requestID = row["request_id"]
        record.apimRequestID = row["apim_request_id"]
        record.upstreamRequestID = row["upstream_request_id"]
        return record
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
