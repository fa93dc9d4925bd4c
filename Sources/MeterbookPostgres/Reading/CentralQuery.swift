import Foundation
import GRDB
import Meterbook
import PostgresNIO

/// `meterbook query FILE.sql --db postgres://...`: a query file in PostgreSQL's dialect (queries/postgres/),
/// its `:name` parameters bound as `$1`, `$2`, ... with the values `--param` gives (or the file's defaults).
package enum CentralQuery {
    /// The PostgreSQL twin of a query file: `queries/postgres/NAME.sql` beside `queries/NAME.sql`, when it exists.
    package static func postgresVersion(of path: String) -> String {
        let url = URL(fileURLWithPath: path)
        let twin = url.deletingLastPathComponent().appendingPathComponent("postgres").appendingPathComponent(url.lastPathComponent).path
        return url.deletingLastPathComponent().lastPathComponent != "postgres" && FileManager.default.fileExists(atPath: twin) ? twin : path
    }

    /// The SQL with each `:name` replaced by `$n` (one number per distinct name), skipping string literals,
    /// quoted identifiers, comments and `::` casts; and the names in number order.
    package static func numbered(_ sql: String) -> (sql: String, names: [String]) {
        let characters = Array(sql)
        var output = ""
        var names: [String] = []
        var index = 0
        func isNameStart(_ c: Character) -> Bool { c == "_" || (c.isASCII && c.isLetter) }
        func isName(_ c: Character) -> Bool { isNameStart(c) || (c.isASCII && c.isNumber) }
        while index < characters.count {
            let c = characters[index]
            if c == "'" || c == "\"" {
                var end = index + 1
                while end < characters.count, characters[end] != c { end += 1 }
                output += String(characters[index...min(end, characters.count - 1)])
                index = end + 1
            } else if c == "-", index + 1 < characters.count, characters[index + 1] == "-" {
                var end = index
                while end < characters.count, characters[end] != "\n" { end += 1 }
                output += String(characters[index..<end])
                index = end
            } else if c == ":", index + 1 < characters.count, characters[index + 1] == ":" {
                output += "::"
                index += 2
            } else if c == ":", index + 1 < characters.count, isNameStart(characters[index + 1]) {
                var end = index + 1
                while end < characters.count, isName(characters[end]) { end += 1 }
                let name = String(characters[(index + 1)..<end])
                if !names.contains(name) { names.append(name) }
                output += "$\(names.firstIndex(of: name)! + 1)"
                index = end
            } else {
                output.append(c)
                index += 1
            }
        }
        return (output, names)
    }

    /// Runs the file read-only (the session refuses writes) and returns its rows, numbers as numbers.
    package static func run(_ file: QueryFile, parameters given: [String: String], on source: PostgresSource,
                            today: UTCDay = .today()) throws -> QueryRunner.Result {
        let (sql, names) = numbered(file.sql)
        var missing: [String] = []
        var binds: [any DatabaseValueConvertible] = []
        for name in names {
            guard let text = given[name] ?? file.parameters.first(where: { $0.name == name })?.defaultValue else {
                missing.append(name)
                continue
            }
            binds.append(QueryRunner.bindable(text, today: today))
        }
        if !missing.isEmpty {
            throw QueryError("\(file.path) needs " + missing.map { "--param \($0)=VALUE" }.joined(separator: " ") + ".")
        }
        let unknown = Set(given.keys).subtracting(names)
        if !unknown.isEmpty {
            let accepted = Set(names).union(file.parameters.map(\.name)).sorted()
            throw QueryError("\(file.path) has no parameter \(unknown.sorted().joined(separator: ", ")): it takes \(accepted.isEmpty ? "none" : accepted.joined(separator: ", ")).")
        }
        try source.stream("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY", [], "make the session read-only") { _ in }
        let result = Box(QueryRunner.Result(columns: [], rows: []))
        do {
            try source.stream(sql, binds, "run \(file.path)") { row in
                if result.value.columns.isEmpty { result.value.columns = row.map(\.columnName) }
                result.value.rows.append(row.map(\.jsonNode))
            }
        } catch let error as CentralStoreError {
            throw QueryError("\(file.path) failed on PostgreSQL: \(error.message) Is it written for PostgreSQL (queries/postgres/)?")
        }
        return result.value
    }
}

extension PostgresCell {
    /// The cell as JSON: integers, numbers (numeric too, as SQLite's reals), text.
    var jsonNode: JSONNode {
        guard bytes != nil else { return .null }
        switch dataType {
        case .int2, .int4, .int8: return int.map(JSONNode.integer) ?? .null
        case .float4, .float8: return double.map(JSONNode.number) ?? .null
        case .numeric: return numeric.map(JSONNode.number) ?? .null
        case .bool: return .integer(bool ? 1 : 0)
        default: return string.map(JSONNode.string) ?? .null
        }
    }
}
