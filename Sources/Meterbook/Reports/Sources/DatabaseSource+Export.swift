import GRDB
import GRDBSQLite

extension DatabaseSource {
    /// Steps one statement and hands each cell to the encoder straight from SQLite's buffers: memory stays at one
    /// row plus the output buffer, whatever the range holds.
    ///
    /// Rows are written in the order they were recorded (by id). Recording order follows time closely, so the ids
    /// of a time range form a tight interval: reading that interval of the table in rowid order walks its pages
    /// once, where going through the started_at index would look every row up in the table (40% more work).
    func export(range: Range<Int64>, filter: AttemptFilter, columns: [String], encoder: inout any RowEncoder, sink: ByteSink) throws -> Int {
        try export(range: range, filter: filter, columns: columns, encoder: &encoder, sink: sink,
                   workers: Self.exportWorkers, blockIDs: Self.exportBlockIDs)
    }

    /// `workers` threads encode blocks of `blockIDs` ids when the interval holds more than two blocks (and the
    /// encoder is a built-in one); otherwise this thread reads and encodes everything.
    func export(range: Range<Int64>, filter: AttemptFilter, columns: [String], encoder: inout any RowEncoder, sink: ByteSink,
                workers: Int, blockIDs: Int64) throws -> Int {
        if workers > 1 {
            if let csv = encoder as? CSVRowEncoder,
               let rows = try exportInBlocks(range: range, filter: filter, columns: columns, encoder: csv, sink: sink, workers: workers, blockIDs: blockIDs) {
                return rows
            }
            if let ndjson = encoder as? NDJSONRowEncoder,
               let rows = try exportInBlocks(range: range, filter: filter, columns: columns, encoder: ndjson, sink: sink, workers: workers, blockIDs: blockIDs) {
                return rows
            }
        }
        let scope = Self.scope(range, filter)
        return try store.read { db in
            guard let (first, last) = try Self.idBounds(db, range) else { return 0 }
            let statement = try Self.idScan(db, columns: columns, scopeSQL: scope.sql)
            try statement.setArguments(Self.idScanArguments(first...last, scope.arguments))
            // The two built-in encoders get a specialised loop (no dynamic dispatch per cell); others work too.
            if var csv = encoder as? CSVRowEncoder {
                defer { encoder = csv }
                return try Self.writeRows(statement, db: db, columns: columns, encoder: &csv, sink: sink)
            }
            if var ndjson = encoder as? NDJSONRowEncoder {
                defer { encoder = ndjson }
                return try Self.writeRows(statement, db: db, columns: columns, encoder: &ndjson, sink: sink)
            }
            return try Self.writeRows(statement, db: db, columns: columns, encoder: &encoder, sink: sink)
        }
    }

    /// Reads the attempts matching `scopeSQL` whose ids lie in an interval, in rowid order; bind it with
    /// `idScanArguments`. The ids of a time range form a tight interval, and reading that interval of the table
    /// walks its pages once.
    static func idScan(_ db: Database, columns: [String], scopeSQL: String) throws -> Statement {
        try db.makeStatement(sql: """
            SELECT \(columns.joined(separator: ", ")) FROM requests NOT INDEXED
            WHERE id BETWEEN ? AND ? AND \(scopeSQL) ORDER BY id
            """)
    }

    static func idScanArguments(_ ids: ClosedRange<Int64>, _ scopeArguments: StatementArguments) -> StatementArguments {
        [ids.lowerBound, ids.upperBound] + scopeArguments
    }

    /// An interval of ids holding every attempt that started in `range` (nil when none did). It may be wider than
    /// the range's ids: the scan still tests started_at, so a wider interval only reads more, never wrongly.
    ///
    /// Why not always min/max over the range: that walks requests_report's entries of the whole range, and in a
    /// large database the index's pages lie between the table's (rows were inserted with seven indexes kept), so
    /// kernel readahead drags most of the file through the page cache before the scan reads the table again: at
    /// 10M attempts, 30 s of a cold 30-day export went there. When the range holds the earliest and the latest
    /// attempt (an export of everything), the table's own first and last ids are the interval, each found at one
    /// end of a b-tree; otherwise the range's own min/max, as narrow as it gets.
    static func idBounds(_ db: Database, _ range: Range<Int64>) throws -> (first: Int64, last: Int64)? {
        // Four single-row lookups (min/max of an index's first column, and of the rowid), not one statement:
        // SQLite only takes a min() or max() from the end of a b-tree when it is the statement's only aggregate.
        guard let earliest = try Int64.fetchOne(db, sql: "SELECT min(started_at) FROM requests"),
              let latest = try Int64.fetchOne(db, sql: "SELECT max(started_at) FROM requests") else { return nil }
        if range.lowerBound <= earliest && latest < range.upperBound,
           let first = try Int64.fetchOne(db, sql: "SELECT min(id) FROM requests"),
           let last = try Int64.fetchOne(db, sql: "SELECT max(id) FROM requests") {
            return (first, last)
        }
        let ids = try Row.fetchOne(db, sql: "SELECT min(id) AS first, max(id) AS last FROM requests WHERE started_at >= ? AND started_at < ?",
                                   arguments: [range.lowerBound, range.upperBound])
        guard let first = ids?["first"] as Int64?, let last = ids?["last"] as Int64? else { return nil }
        return (first, last)
    }

    /// `afterRow`, when given, sees each row's statement after the row is encoded (rotation summarises it there).
    static func writeRows<Encoder: RowEncoder>(_ statement: Statement, db: Database, columns: [String],
                                               encoder: inout Encoder, sink: ByteSink,
                                               afterRow: ((OpaquePointer) throws -> Void)? = nil) throws -> Int {
        let handle = statement.sqliteStatement
        let count = Int32(columns.count)
        var rows = 0
        while true {
            let code = sqlite3_step(handle)
            if code == SQLITE_DONE { break }
            guard code == SQLITE_ROW else {
                throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
            }
            try encoder.beginRow(sink: sink)
            for column in 0..<count {
                // One statement call per cell; the value's type and contents are then read off the value itself.
                // (sqlite3_column_value's result is unprotected: fine on this connection's one thread.)
                let value = sqlite3_column_value(handle, column)
                switch sqlite3_value_type(value) {
                case SQLITE_NULL:
                    try encoder.cell(.null, sink: sink)
                case SQLITE_INTEGER:
                    try encoder.cell(.integer(sqlite3_value_int64(value)), sink: sink)
                case SQLITE_FLOAT:
                    try encoder.cell(.real(sqlite3_value_double(value)), sink: sink)
                default:
                    // Text (and a blob, which no column of requests holds, as its bytes).
                    let text = sqlite3_value_text(value)
                    try encoder.cell(.text(UnsafeBufferPointer(start: text, count: Int(sqlite3_value_bytes(value)))), sink: sink)
                }
            }
            try encoder.endRow(sink: sink)
            try afterRow?(handle)
            rows += 1
        }
        return rows
    }
}
