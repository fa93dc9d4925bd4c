import GRDB
import GRDBSQLite

extension DatabaseSource {
    /// Steps one statement and hands each cell to the encoder straight from SQLite's buffers: memory stays at one
    /// row plus the output buffer, whatever the range holds.
    func export(range: Range<Int64>, filter: AttemptFilter, columns: [String], encoder: inout any RowEncoder, sink: ByteSink) throws -> Int {
        let scope = Self.scope(range, filter)
        return try store.read { db in
            let statement = try db.makeStatement(sql: """
                SELECT \(columns.joined(separator: ", ")) FROM requests WHERE \(scope.sql) ORDER BY started_at, id
                """)
            try statement.setArguments(scope.arguments)
            let handle = statement.sqliteStatement
            let columnCount = Int32(columns.count)
            var rows = 0
            while true {
                let code = sqlite3_step(handle)
                if code == SQLITE_DONE { break }
                guard code == SQLITE_ROW else {
                    throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
                }
                try encoder.beginRow(sink: sink)
                for column in 0..<columnCount {
                    switch sqlite3_column_type(handle, column) {
                    case SQLITE_NULL:
                        try encoder.cell(.null, sink: sink)
                    case SQLITE_INTEGER:
                        try encoder.cell(.integer(sqlite3_column_int64(handle, column)), sink: sink)
                    case SQLITE_FLOAT:
                        try encoder.cell(.real(sqlite3_column_double(handle, column)), sink: sink)
                    default:
                        let text = sqlite3_column_text(handle, column)
                        let count = Int(sqlite3_column_bytes(handle, column))
                        try encoder.cell(.text(UnsafeBufferPointer(start: text, count: count)), sink: sink)
                    }
                }
                try encoder.endRow(sink: sink)
                rows += 1
            }
            return rows
        }
    }
}
