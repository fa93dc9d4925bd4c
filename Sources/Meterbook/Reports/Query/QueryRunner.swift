import Foundation
import GRDB
import GRDBSQLite

/// Runs a query file against the database, read-only, with its named parameters bound.
public enum QueryRunner {
    /// The rows a query returned, cells as SQLite typed them.
    public struct Result: Sendable {
        public var columns: [String]
        public var rows: [[JSONNode]]

        package init(columns: [String], rows: [[JSONNode]]) {
            self.columns = columns
            self.rows = rows
        }
    }

    /// Binds `--param` values (and the file's defaults) by name. Values that name a day (`today`, `-7d`) become
    /// `YYYY-MM-DD`; whole numbers bind as integers and decimals as reals, so `LIMIT :limit` and comparisons with
    /// numeric columns work; anything else binds as text.
    public static func run(_ file: QueryFile, parameters given: [String: String], store: MeterbookStore,
                           today: UTCDay = .today()) throws -> Result {
        let declared = Set(file.parameters.map(\.name))
        return try store.read { db in
            let statement: Statement
            do {
                statement = try db.makeStatement(sql: file.sql)
            } catch let error as DatabaseError {
                throw QueryError("\(file.path) does not run: \(error.message ?? "\(error)"). Fix the SQL (one SELECT statement).")
            }
            let handle = statement.sqliteStatement
            guard sqlite3_stmt_readonly(handle) != 0 else {
                throw QueryError("\(file.path) is not a read-only query: meterbook query runs SELECT statements only.")
            }
            var used: Set<String> = []
            var missing: [String] = []
            let count = sqlite3_bind_parameter_count(handle)
            var values: [DatabaseValueConvertible?] = []
            for index in stride(from: Int32(1), through: count, by: 1) {
                guard let rawName = sqlite3_bind_parameter_name(handle, index) else {
                    throw ReportInputError("\(file.path) uses a '?' parameter: name it (:from) so --param can bind it.")
                }
                let name = String(String(cString: rawName).dropFirst())
                used.insert(name)
                let text = given[name] ?? file.parameters.first { $0.name == name }?.defaultValue
                guard let text else {
                    missing.append(name)
                    values.append(nil)
                    continue
                }
                values.append(bindable(text, today: today))
            }
            if !missing.isEmpty {
                throw ReportInputError("\(file.path) needs " + missing.map { "--param \($0)=VALUE" }.joined(separator: " ") + ".")
            }
            let unknown = Set(given.keys).subtracting(used)
            if !unknown.isEmpty {
                let accepted = used.union(declared).sorted()
                throw ReportInputError("\(file.path) has no parameter \(unknown.sorted().joined(separator: ", ")): it takes \(accepted.isEmpty ? "none" : accepted.joined(separator: ", ")).")
            }
            try statement.setArguments(StatementArguments(values))
            var result = Result(columns: statement.columnNames, rows: [])
            let columnCount = Int32(statement.columnCount)
            while true {
                let code = sqlite3_step(handle)
                if code == SQLITE_DONE { break }
                guard code == SQLITE_ROW else {
                    throw QueryError("\(file.path) failed: \(String(cString: sqlite3_errmsg(db.sqliteConnection))).")
                }
                result.rows.append((0..<columnCount).map { column in
                    switch sqlite3_column_type(handle, column) {
                    case SQLITE_NULL: return .null
                    case SQLITE_INTEGER: return .integer(sqlite3_column_int64(handle, column))
                    case SQLITE_FLOAT: return .number(sqlite3_column_double(handle, column))
                    default:
                        let text = sqlite3_column_text(handle, column)
                        return .string(String(decoding: UnsafeBufferPointer(start: text, count: Int(sqlite3_column_bytes(handle, column))), as: UTF8.self))
                    }
                })
            }
            return result
        }
    }

    package static func bindable(_ text: String, today: UTCDay) -> DatabaseValueConvertible {
        if text.lowercased() == "today" || text.lowercased() == "yesterday" || (text.hasPrefix("-") && text.hasSuffix("d")),
           let day = DayRange.day(text, today: today) {
            return day.description
        }
        if let integer = Int64(text) { return integer }
        if let real = Double(text), real.isFinite, text.contains(".") { return real }
        return text
    }
}

extension QueryRunner.Result {
    public func json() -> JSONNode {
        .object([
            ("columns", .array(columns.map { .string($0) })),
            ("rows", .array(rows.map { row in .object(zip(columns, row).map { ($0, $1) }) })),
        ])
    }

    public func csv() -> String {
        let sink = ByteSink()
        var encoder = CSVRowEncoder()
        try? encoder.begin(columns: columns, sink: sink)
        for row in rows {
            try? encoder.beginRow(sink: sink)
            for value in row {
                if case .string(let text) = value { try? encoder.cell(text: text, sink: sink) } else { try? encoder.cell(value.cell, sink: sink) }
            }
            try? encoder.endRow(sink: sink)
        }
        return sink.text
    }

    public func table() -> String {
        let numeric = Set(columns.indices.filter { index in
            rows.contains { if case .string = $0[index] { return false } else { return true } }
                && !rows.contains { if case .string = $0[index] { return true } else { return false } }
        })
        var table = TextTable(headers: columns, rightAligned: numeric)
        table.rows = rows.map { row in
            row.map { value in
                switch value {
                case .null: return "NULL"
                case .string(let text): return text
                default: return HTMLReportRenderer.exact(value)
                }
            }
        }
        return table.render() + "\n(\(rows.count) row\(rows.count == 1 ? "" : "s"))"
    }
}
