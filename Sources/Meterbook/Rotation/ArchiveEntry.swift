import Foundation
import GRDB

/// One row of the `archives` manifest: an archive file and what it must hold.
public struct ArchiveEntry: Sendable, Equatable {
    public var day: UTCDay
    /// 1 for the day's first archive; 2, 3, ... for late rows archived after it.
    public var part: Int
    /// Relative to the archive folder (`2026/03/requests-2026-03-01.ndjson.gz`).
    public var path: String
    public var rows: Int
    /// Compressed size on disk.
    public var bytes: Int
    /// NDJSON size before compression.
    public var rawBytes: Int
    public var sha256: String
    public var firstStartedAt: Int64
    public var lastStartedAt: Int64
    var idFilter: IDFilter?

    /// raw / compressed.
    public var compressionRatio: Double { bytes > 0 ? Double(rawBytes) / Double(bytes) : 0 }

    /// The file name of a day's part: the first part has no suffix, later ones `.partN`.
    static func relativePath(day: UTCDay, part: Int) -> String {
        let text = day.description
        let suffix = part == 1 ? "" : ".part\(part)"
        return "\(text.prefix(4))/\(text.dropFirst(5).prefix(2))/requests-\(text)\(suffix).ndjson.gz"
    }

    init(row: Row) {
        day = UTCDay(iso: row["day"]) ?? UTCDay(daysSinceEpoch: 0)
        part = row["part"]
        path = row["path"]
        rows = row["rows"]
        bytes = row["bytes"]
        rawBytes = row["raw_bytes"]
        sha256 = row["sha256"]
        firstStartedAt = row["first_started_at"]
        lastStartedAt = row["last_started_at"]
        idFilter = (row["id_filter"] as Data?).flatMap { IDFilter(stored: [UInt8]($0)) }
    }

    init(day: UTCDay, part: Int, path: String, rows: Int, bytes: Int, rawBytes: Int, sha256: String, firstStartedAt: Int64,
         lastStartedAt: Int64, idFilter: IDFilter) {
        self.day = day
        self.part = part
        self.path = path
        self.rows = rows
        self.bytes = bytes
        self.rawBytes = rawBytes
        self.sha256 = sha256
        self.firstStartedAt = firstStartedAt
        self.lastStartedAt = lastStartedAt
        self.idFilter = idFilter
    }

    public static func == (lhs: ArchiveEntry, rhs: ArchiveEntry) -> Bool {
        lhs.path == rhs.path && lhs.sha256 == rhs.sha256 && lhs.rows == rhs.rows
    }

    func insert(_ db: Database, createdAt: Int64) throws {
        try db.execute(sql: """
            INSERT INTO archives (day, part, path, rows, bytes, raw_bytes, sha256, first_started_at, last_started_at, id_filter, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [day.description, part, path, rows, bytes, rawBytes, sha256, firstStartedAt, lastStartedAt,
                             idFilter.map { Data($0.stored) }, createdAt])
    }

    /// Every manifest row, oldest day first; empty when the database predates rotation.
    static func all(_ db: Database) throws -> [ArchiveEntry] {
        guard try db.tableExists("archives") else { return [] }
        return try Row.fetchAll(db, sql: "SELECT * FROM archives ORDER BY day, part").map(ArchiveEntry.init(row:))
    }
}
