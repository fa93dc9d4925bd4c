import Foundation
import GRDB

/// `meterbook archive list | verify | restore`: the manifest and the files it names.
public struct ArchiveCatalog: Sendable {
    public let store: MeterbookStore
    public let directory: String

    /// `directory` nil: `archive/` beside the database.
    public init(store: MeterbookStore, directory: String? = nil) {
        self.store = store
        self.directory = directory ?? ArchiveRotation.defaultDirectory(forDatabase: store.path)
    }

    /// Every manifest row, oldest day first.
    public func entries() throws -> [ArchiveEntry] {
        try store.read { db in try ArchiveEntry.all(db) }
    }

    public func path(of entry: ArchiveEntry) -> String {
        (directory as NSString).appendingPathComponent(entry.path)
    }

    /// Reads one archive's attempts (their local ids kept), in file order; `body` returns false to stop. Throws when
    /// the file is missing or does not match its manifest row (size, SHA-256, row count).
    public func records(of entry: ArchiveEntry, _ body: (AttemptRecord) throws -> Bool) throws {
        if let problem = problem(entry) { throw problem }
        try ArchiveSource(store: store, directory: directory).lines(of: entry) { line in try body(line.record) }
    }

    /// What `verify` found for one archive.
    public struct Check: Sendable {
        public var entry: ArchiveEntry
        /// nil: the file is there, complete, and matches its manifest row.
        public var problem: ArchiveError?
    }

    /// Reads every archive (or those of `days`) and checks its size, SHA-256, gzip stream and row count.
    public func verify(days: ClosedRange<UTCDay>? = nil) throws -> [Check] {
        try entries().filter { days?.contains($0.day) ?? true }.map { entry in Check(entry: entry, problem: problem(entry)) }
    }

    func problem(_ entry: ArchiveEntry) -> ArchiveError? {
        let path = path(of: entry)
        guard FileManager.default.fileExists(atPath: path) else {
            return ArchiveError(.missing, "\(path) is missing (manifest: \(entry.rows) rows): restore the file from a backup.")
        }
        do {
            let read = try GzipReader(path: path).forEachLine { _ in true }
            if read.sha256 != entry.sha256 {
                return ArchiveError(.mismatch, "\(path) has SHA-256 \(read.sha256.prefix(12))…, the manifest \(entry.sha256.prefix(12))…: the file changed; restore it from a backup.")
            }
            if read.lines != entry.rows {
                return ArchiveError(.mismatch, "\(path) holds \(read.lines) rows, the manifest \(entry.rows): restore it from a backup.")
            }
            return nil
        } catch let error as ArchiveError {
            return error
        } catch {
            return ArchiveError(.corrupt, "\(path): \(error)")
        }
    }

    /// Where `restore` puts a day's attempts.
    public enum RestoreTarget: Sendable {
        /// Back into the live database: the day's archives, manifest rows and rollups are removed, so the next
        /// rotate archives the day again (nothing is counted twice).
        case live
        /// Into another Meterbook database (created when missing); the archives stay as they are.
        case file(String)
    }

    /// Verifies the day's archives, then copies their attempts (ids kept) into the target; returns the row count.
    @discardableResult
    public func restore(day: UTCDay, into target: RestoreTarget) throws -> Int {
        let dayEntries = try entries().filter { $0.day == day }
        guard !dayEntries.isEmpty else {
            throw ArchiveError(.unavailable, "No archive holds \(day): run meterbook archive list to see the archived days.")
        }
        for entry in dayEntries {
            if let problem = problem(entry) { throw problem }
        }
        let source = ArchiveSource(store: store, directory: directory)
        var lines: [ArchiveLine] = []
        for entry in dayEntries {
            try source.lines(of: entry) { line in
                lines.append(line)
                return true
            }
        }
        var target = target
        if case .file(let path) = target, URL(fileURLWithPath: path).standardizedFileURL == URL(fileURLWithPath: store.path).standardizedFileURL {
            // The live database named as a file: restoring there without dropping the day's rollups would count it twice.
            target = .live
        }
        switch target {
        case .file(let path):
            let other = try MeterbookStore(path: path, mode: .readWrite)
            return try other.write { db in try Self.insert(lines, db) }
        case .live:
            let restored = try store.write { db -> Int in
                let count = try Self.insert(lines, db)
                try db.execute(sql: "DELETE FROM rollups WHERE day = ?", arguments: [day.description])
                try db.execute(sql: "DELETE FROM archives WHERE day = ?", arguments: [day.description])
                return count
            }
            // After the commit: a crash here leaves files without manifest rows, which the next rotate replaces.
            for entry in dayEntries { try? FileManager.default.removeItem(atPath: path(of: entry)) }
            return restored
        }
    }

    /// Inserts archived rows with their ids; a row whose id is taken by the same call is already there (skipped),
    /// one taken by another row gets a new id.
    static func insert(_ lines: [ArchiveLine], _ db: Database) throws -> Int {
        try DaySummaries.forget(db, rowsStartedAt: lines.map(\.startedAt))
        var inserted = 0
        for line in lines {
            var values = line.values
            if let id = values["id"], let existing = try String.fetchOne(db, sql: "SELECT call_id FROM requests WHERE id = ?", arguments: [id]) {
                if existing == String.fromDatabaseValue(values["call_id"] ?? .null) { continue }
                values["id"] = nil
            }
            let columns = (["id"] + AttemptRecord.columnNames).filter { values[$0] != nil }
            try db.execute(sql: "INSERT INTO requests (\(columns.joined(separator: ", "))) VALUES (\(columns.map { _ in "?" }.joined(separator: ", ")))",
                           arguments: StatementArguments(columns.map { values[$0]! }))
            inserted += 1
        }
        return inserted
    }
}
