import Foundation

/// A `.sql` file for `meterbook query`: one SELECT with named parameters (`:from`), and a header that declares
/// them, so a file documents itself and runs without arguments:
///
/// ```sql
/// -- Cost by deployment per day.
/// -- @param from -7d   first day (UTC), YYYY-MM-DD or -7d / yesterday / today
/// -- @param to today   last day (UTC), included
/// SELECT ...
/// ```
/// A default of `required` means the caller must pass `--param`.
public struct QueryFile: Sendable {
    public struct Parameter: Sendable, Equatable {
        public var name: String
        /// nil when required.
        public var defaultValue: String?
        public var help: String
    }

    public var path: String
    public var sql: String
    /// The first comment line.
    public var title: String
    public var parameters: [Parameter]

    /// Reads `path`; a bare name (`cost-by-tag`) is also looked up as `queries/NAME.sql` under the current folder.
    public static func load(_ path: String) throws -> QueryFile {
        let candidates = path.contains("/") || path.hasSuffix(".sql") ? [path] : [path, "queries/\(path).sql", "queries/\(path)"]
        guard let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
            throw QueryError("No query file at \(path): give the path of a .sql file, e.g. queries/cost-by-deployment-per-day.sql.")
        }
        guard let data = FileManager.default.contents(atPath: found) else {
            throw QueryError("Could not read the query file \(found): check its permissions.")
        }
        return try parse(String(decoding: data, as: UTF8.self), path: found)
    }

    public static func parse(_ sql: String, path: String) throws -> QueryFile {
        var title = ""
        var parameters: [Parameter] = []
        for line in sql.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard trimmed.hasPrefix("--") else {
                if trimmed.isEmpty { continue }
                break
            }
            let comment = trimmed.dropFirst(2).trimmingCharacters(in: .whitespaces)
            if comment.hasPrefix("@param") {
                let words = comment.dropFirst(6).split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
                guard words.count >= 2 else {
                    throw QueryError("\(path): '-- @param' needs a name and a default (or 'required'), e.g. -- @param from -7d first day.")
                }
                let defaultValue = words[1] == "required" ? nil : String(words[1])
                parameters.append(Parameter(name: String(words[0]), defaultValue: defaultValue,
                                            help: words.count > 2 ? words[2].trimmingCharacters(in: .whitespaces) : ""))
            } else if title.isEmpty, !comment.isEmpty {
                title = comment
            }
        }
        return QueryFile(path: path, sql: sql, title: title, parameters: parameters)
    }
}

/// A query that cannot run: a missing file, a bad statement, a database error. Runtime failure (exit 1).
public struct QueryError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
