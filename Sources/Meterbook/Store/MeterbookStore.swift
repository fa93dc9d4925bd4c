import Foundation
import GRDB
import GRDBSQLite

/// The SQLite database of attempts: WAL mode, versioned schema, batched inserts.
///
/// Safe to share between threads and tasks; several processes may write one file at once
/// (WAL plus a busy timeout, and IMMEDIATE write transactions so writers queue instead of deadlocking).
public final class MeterbookStore: Sendable {
    public enum Mode: Sendable {
        /// Create the file (0600, folder 0700) and its schema when missing.
        case readWrite
        /// Never create, never write: a missing file is an error, an older schema is read as it is
        /// (read commands: report, export, trace, query).
        case readOnly
        /// Never create, but migrate and write an existing database (commands that change rows: reprice).
        case existing
    }

    public let path: String
    public let mode: Mode
    /// GRDB's pool serialises writes and runs reads concurrently.
    let pool: DatabasePool

    public init(path: String, mode: Mode = .readWrite, busyTimeout: TimeInterval = 10) throws {
        self.path = path
        self.mode = mode
        let fileManager = FileManager.default
        let exists = fileManager.fileExists(atPath: path)
        if !exists {
            guard mode == .readWrite else {
                throw StoreError(.missing, "No Meterbook database at \(path): record calls first (meterbook demo, meterbook call, meterbook proxy) or point --db / METERBOOK_DB at one.")
            }
            try Self.createFile(at: path)
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(busyTimeout)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        // Read commands open every connection read-only, so not even the journal mode of a foreign file changes.
        configuration.readonly = mode == .readOnly
        do {
            if exists {
                // Look before opening a pool: a writable pool writes on open (GRDB sets up the WAL), and a file
                // we refuse (foreign, newer schema) must stay untouched.
                try Self.inspect(path: path, allowEmpty: mode == .readWrite, busyTimeout: busyTimeout)
            }
            pool = try Self.openPool(path: path, configuration: configuration, busyTimeout: busyTimeout)
            if mode == .readOnly { return }
            // Check and migrate in one IMMEDIATE transaction: several processes may open a new file at once, and
            // none may see another's half-made schema.
            try pool.writeWithoutTransaction { db in
                // The writer's page cache holds the hot index pages of large batches (64 MB, allocated as used).
                try db.execute(sql: "PRAGMA cache_size = -65536")
                try db.inTransaction(.immediate) {
                    try Self.checkIsMeterbook(db, path: path)
                    try Schema.migrate(db, path: path)
                    return .commit
                }
            }
        } catch let error as StoreError {
            throw error
        } catch let error as DatabaseError where error.resultCode == .SQLITE_NOTADB {
            throw StoreError(.notMeterbook, "\(path) is not a Meterbook database (not SQLite at all): pass --db with the path of a Meterbook database.")
        } catch {
            throw StoreError(.sqlite, "Could not open \(path): \(error.localizedDescription)")
        }
    }

    /// Opens the pool, retrying while SQLite says SQLITE_BUSY: switching a new file to WAL needs an exclusive lock,
    /// and when several processes open the same new file at once SQLite can refuse that at once, without waiting
    /// in its busy handler.
    private static func openPool(path: String, configuration: Configuration, busyTimeout: TimeInterval) throws -> DatabasePool {
        let deadline = Date(timeIntervalSinceNow: busyTimeout)
        while true {
            do {
                return try DatabasePool(path: path, configuration: configuration)
            } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY && Date() < deadline {
                Thread.sleep(forTimeInterval: 0.02)
            }
        }
    }

    private static func createFile(at path: String) throws {
        let folder = (path as NSString).deletingLastPathComponent
        do {
            if !folder.isEmpty, !FileManager.default.fileExists(atPath: folder) {
                try FileManager.default.createDirectory(
                    atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700]
                )
            }
        } catch {
            throw StoreError(.cannotCreate, "Could not create the folder \(folder) for the database: \(error.localizedDescription). Pass --db with a writable path.")
        }
        // Created 0600 before SQLite opens it; SQLite gives the -wal and -shm files the same mode.
        let descriptor = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            let reason = String(cString: strerror(errno))
            throw StoreError(.cannotCreate, "Could not create the database \(path): \(reason). Pass --db with a writable path.")
        }
        close(descriptor)
    }

    /// Refuses, through a read-only connection, what `checkIsMeterbook` and `Schema.migrate` would refuse.
    /// `allowEmpty`: an empty SQLite file (no tables, no application id) may become a Meterbook database.
    private static func inspect(path: String, allowEmpty: Bool, busyTimeout: TimeInterval) throws {
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(busyTimeout)
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        try queue.read { db in
            let applicationID = try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0
            if applicationID == Schema.applicationID {
                try Schema.checkNotNewer(db, path: path)
                return
            }
            let tables = try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master") ?? 0
            guard allowEmpty, applicationID == 0, tables == 0 else {
                throw StoreError(.notMeterbook, "\(path) is not a Meterbook database: pass --db with the path of a Meterbook database.")
            }
        }
    }

    private static func checkIsMeterbook(_ db: Database, path: String) throws {
        let applicationID = try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0
        if applicationID == Schema.applicationID { return }
        let tables = try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master") ?? 0
        if applicationID != 0 || tables > 0 {
            throw StoreError(.notMeterbook, "\(path) is an SQLite database but not a Meterbook one: pass --db with the path of a Meterbook database.")
        }
    }

    /// Reads with a GRDB database connection.
    public func read<T>(_ body: (Database) throws -> T) throws -> T {
        try pool.read(body)
    }

    /// Writes in one IMMEDIATE transaction.
    public func write<T>(_ body: (Database) throws -> T) throws -> T {
        try pool.write(body)
    }
}

extension MeterbookStore {
    /// Inserts attempts in one transaction, binding values straight onto a cached prepared statement
    /// (building GRDB `StatementArguments` per row costs more than the insert itself). Rows for a summarized day
    /// (arriving late) forget its summary in the same transaction.
    public func insert(_ records: [AttemptRecord]) throws {
        guard !records.isEmpty else { return }
        try pool.write { db in
            let statement = try db.cachedStatement(sql: AttemptRecord.insertSQL)
            let handle = statement.sqliteStatement
            for record in records {
                sqlite3_reset(handle)
                sqlite3_clear_bindings(handle)
                record.bind(to: handle)
                let code = sqlite3_step(handle)
                guard code == SQLITE_DONE else {
                    throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
                }
            }
            sqlite3_reset(handle)
            try DaySummaries.forget(db, rowsStartedAt: records.lazy.map(\.startedAt))
        }
    }

    /// Marks earlier attempts of a call as not final (a proxied SDK retried it).
    public func clearFinal(callID: String, before attempt: Int) throws {
        try pool.write { db in
            let changed = try Int64.fetchAll(db, sql: "UPDATE requests SET final = 0 WHERE call_id = ? AND attempt < ? AND final = 1 RETURNING started_at",
                                             arguments: [callID, attempt])
            try DaySummaries.forget(db, rowsStartedAt: changed)
        }
    }

    /// Every attempt of a call, in attempt order.
    public func attempts(callID: String) throws -> [AttemptRecord] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM requests WHERE call_id = ? ORDER BY attempt, started_at, id", arguments: [callID])
                .map(AttemptRecord.init(row:))
        }
    }

    /// All attempts, oldest first (tests and small exports).
    public func allAttempts() throws -> [AttemptRecord] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM requests ORDER BY started_at, id").map(AttemptRecord.init(row:))
        }
    }

    /// Gives the pages freed by deleted rows back to the file system, so the file shrinks after a rotation.
    /// The first call turns on incremental auto-vacuum with one full VACUUM (SQLite allows no other way for a file
    /// that has tables; setting it at creation would race other processes opening the same new file); after that
    /// an incremental vacuum moves only the free pages. The WAL is then checkpointed and truncated.
    public func returnFreePages() throws {
        try pool.writeWithoutTransaction { db in
            let mode = try Int.fetchOne(db, sql: "PRAGMA auto_vacuum") ?? 0
            if mode == 2 {
                try db.execute(sql: "PRAGMA incremental_vacuum")
            } else {
                try db.execute(sql: "PRAGMA auto_vacuum = INCREMENTAL")
                try db.execute(sql: "VACUUM")
            }
            // Readers may hold the WAL; a partial checkpoint is fine, the next one finishes it.
            _ = try? Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(TRUNCATE)")
        }
    }

    /// This file's identity in a central store: a UUID made once, when the file got schema 4. A copy of the file
    /// keeps it, so ship from only one of two copies. Nil for an older file opened read-only.
    public func sourceID() throws -> String? {
        try pool.read { db in
            guard try db.tableExists("meta") else { return nil }
            return try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'source_id'")
        }
    }

    /// Live attempts with `id > after`, in id order, at most `limit`: each row's `columns` handed to `encoder` straight
    /// from SQLite's buffers (a shipper writes them as COPY text without building an `AttemptRecord` per row).
    package func encodeAttempts<Encoder: RowEncoder>(after id: Int64, limit: Int, columns: [String], encoder: inout Encoder, sink: ByteSink) throws -> Int {
        try pool.read { db in
            let statement = try db.makeStatement(sql: "SELECT \(columns.joined(separator: ", ")) FROM requests WHERE id > ? ORDER BY id LIMIT ?")
            try statement.setArguments([id, limit])
            return try DatabaseSource.writeRows(statement, db: db, columns: columns, encoder: &encoder, sink: sink)
        }
    }

    public func count() throws -> Int {
        try pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM requests") ?? 0 }
    }
}
