import Foundation
import Meterbook

/// A Grafana dashboard from the repository's `dashboards/` folder, and its panels' SQL run as Grafana and the
/// `frser-sqlite-datasource` plugin would run it: Grafana's front end first replaces template variables and
/// `$__from`/`$__to` (`templateSrv.replace`), then the plugin's back end expands its macros
/// (`$__unixEpochGroupSeconds`, `$__timeFilter`). Anything left starting with `$` fails the test, so a panel cannot
/// use a variable or macro that Grafana would leave in the SQL.
public struct GrafanaDashboard: Sendable {
    /// One SQL target of a panel.
    public struct Target: Sendable {
        public var panel: String
        /// The panel's visualisation: `timeseries`, `table`, `stat`, ...
        public var panelType: String
        public var refID: String
        public var sql: String
        /// `time series` (the plugin turns long frames into one series per label) or `table`.
        public var queryType: String
        public var timeColumns: [String]

        public init(panel: String, panelType: String, refID: String, sql: String, queryType: String, timeColumns: [String]) {
            self.panel = panel
            self.panelType = panelType
            self.refID = refID
            self.sql = sql
            self.queryType = queryType
            self.timeColumns = timeColumns
        }
    }

    /// A template variable and the values it has when the dashboard opens.
    public struct Variable: Sendable {
        public var name: String
        public var type: String
        /// The SQL of a `query` variable.
        public var query: String
        public var includeAll: Bool
        public var current: [String]
    }

    public var path: String
    public var title: String
    public var uid: String
    public var targets: [Target]
    public var variables: [Variable]
    /// The data source every panel and query variable names (`type`, `uid`), in the order met.
    public var datasources: [[String: String]]

    /// The repository's `dashboards/` folder.
    public static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("dashboards")

    /// Every dashboard JSON file in `dashboards/`, by file name.
    public static func all() throws -> [String: GrafanaDashboard] {
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".json") }
        return try Dictionary(uniqueKeysWithValues: names.map { ($0, try load(folder.appendingPathComponent($0).path)) })
    }

    public static func load(_ path: String) throws -> GrafanaDashboard {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        guard let root = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw QueryError("\(path) is not a JSON object.")
        }
        var targets: [Target] = []
        var datasources: [[String: String]] = []
        for panel in root["panels"] as? [[String: Any]] ?? [] {
            let title = panel["title"] as? String ?? "?"
            datasources.append(panel["datasource"] as? [String: String] ?? [:])
            for target in panel["targets"] as? [[String: Any]] ?? [] {
                guard let sql = target["rawQueryText"] as? String, target["queryText"] as? String == sql else {
                    throw QueryError("\(path): panel \(title) has a target whose rawQueryText and queryText differ.")
                }
                targets.append(Target(panel: title, panelType: panel["type"] as? String ?? "", refID: target["refId"] as? String ?? "A", sql: sql,
                                      queryType: target["queryType"] as? String ?? "table",
                                      timeColumns: target["timeColumns"] as? [String] ?? []))
            }
        }
        var variables: [Variable] = []
        for variable in (root["templating"] as? [String: Any])?["list"] as? [[String: Any]] ?? [] {
            if variable["type"] as? String == "query" { datasources.append(variable["datasource"] as? [String: String] ?? [:]) }
            let current = (variable["current"] as? [String: Any])?["value"]
            let values = (current as? [String]) ?? (current as? String).map { [$0] } ?? []
            variables.append(Variable(name: variable["name"] as? String ?? "", type: variable["type"] as? String ?? "",
                                      query: variable["query"] as? String ?? "", includeAll: variable["includeAll"] as? Bool ?? false,
                                      current: values))
        }
        return GrafanaDashboard(path: path, title: root["title"] as? String ?? "", uid: root["uid"] as? String ?? "",
                                targets: targets, variables: variables, datasources: datasources)
    }

    /// The target of the panel with this title.
    public func target(_ panel: String) throws -> Target {
        guard let target = targets.first(where: { $0.panel == panel }) else {
            throw QueryError("\(path) has no panel titled \(panel): it has \(targets.map(\.panel).joined(separator: ", ")).")
        }
        return target
    }

    /// Runs a panel's SQL over `[fromMs, toMs]` (Grafana's `$__from`/`$__to`, epoch milliseconds, `to` inclusive)
    /// with the variables' current values, except those in `values`; a multi-value variable left at "All" takes
    /// every value its own query returns, as Grafana does.
    public func run(_ target: Target, fromMs: Int64, toMs: Int64, values: [String: [String]] = [:],
                    store: MeterbookStore) throws -> [[String: JSONNode]] {
        var resolved: [String: [String]] = [:]
        for variable in variables where variable.type != "datasource" {
            if let given = values[variable.name] {
                resolved[variable.name] = given
            } else if variable.type == "query", variable.includeAll, variable.current == ["$__all"] {
                let sql = try Self.interpolate(variable.query, fromMs: fromMs, toMs: toMs, values: [:])
                let result = try QueryRunner.run(QueryFile.parse(sql, path: "\(path) variable \(variable.name)"), parameters: [:], store: store)
                resolved[variable.name] = result.rows.map { row in
                    if case .string(let text) = row.first ?? .null { return text }
                    return row.first?.render(pretty: false) ?? ""
                }
            } else {
                resolved[variable.name] = variable.current
            }
        }
        let sql = try Self.applyMacros(Self.interpolate(target.sql, fromMs: fromMs, toMs: toMs, values: resolved))
        if let leftover = sql.range(of: #"\$[A-Za-z_{]"#, options: .regularExpression) {
            throw QueryError("\(path): panel \(target.panel) leaves \(sql[leftover.lowerBound...].prefix(30)) in its SQL: Grafana would not replace it.")
        }
        let result = try QueryRunner.run(QueryFile.parse(sql, path: "\(path) panel \(target.panel)"), parameters: [:], store: store)
        return result.rows.map { Dictionary(uniqueKeysWithValues: zip(result.columns, $0)) }
    }

    /// Grafana's `templateSrv.replace`: `$__from`, `$__to` (epoch ms), `$name`, `${name}` and `${name:format}` for
    /// the formats the dashboards use. Unknown names are left alone, as Grafana leaves them.
    public static func interpolate(_ sql: String, fromMs: Int64, toMs: Int64, values: [String: [String]]) throws -> String {
        var all = values
        all["__from"] = [String(fromMs)]
        all["__to"] = [String(toMs)]
        let pattern = try NSRegularExpression(pattern: #"\$\{([A-Za-z0-9_]+)(?::([A-Za-z]+))?\}|\$([A-Za-z0-9_]+)"#)
        var output = ""
        var last = sql.startIndex
        for match in pattern.matches(in: sql, range: NSRange(sql.startIndex..., in: sql)) {
            let whole = Range(match.range, in: sql)!
            let name = String(sql[Range(match.range(at: 1), in: sql) ?? Range(match.range(at: 3), in: sql)!])
            let style = Range(match.range(at: 2), in: sql).map { String(sql[$0]) }
            output += sql[last..<whole.lowerBound]
            last = whole.upperBound
            guard let value = all[name] else {
                output += sql[whole]
                continue
            }
            output += try format(value, as: style, variable: name)
        }
        return output + sql[last...]
    }

    /// Grafana's variable formats (`singlequote`, `sqlstring`, none).
    static func format(_ values: [String], as format: String?, variable: String) throws -> String {
        switch format {
        case nil:
            // Grafana's default for a multi-value variable is a glob: {a,b}.
            return values.count == 1 ? values[0] : "{" + values.joined(separator: ",") + "}"
        case "singlequote":
            return values.map { "'" + $0.replacingOccurrences(of: "'", with: "\\'") + "'" }.joined(separator: ",")
        case "sqlstring":
            return values.map { "'" + $0.replacingOccurrences(of: "'", with: "''") + "'" }.joined(separator: ",")
        case let other?:
            throw QueryError("${\(variable):\(other)}: the dashboard tests know no format \(other); add it to GrafanaDashboard.format.")
        }
    }

    /// The plugin's back-end macros, expanded as its `macros.go` does (regex `\$__(\w+)\(([^)]*)\)`).
    public static func applyMacros(_ sql: String) throws -> String {
        let pattern = try NSRegularExpression(pattern: #"\$__([_a-zA-Z0-9]+)\(([^\)]*)\)"#)
        var output = ""
        var last = sql.startIndex
        for match in pattern.matches(in: sql, range: NSRange(sql.startIndex..., in: sql)) {
            let whole = Range(match.range, in: sql)!
            let name = String(sql[Range(match.range(at: 1), in: sql)!])
            let arguments = sql[Range(match.range(at: 2), in: sql)!].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            output += sql[last..<whole.lowerBound]
            last = whole.upperBound
            switch name {
            case "unixEpochGroupSeconds":
                // A third argument NULL asks the plugin to fill gaps; the SQL is the same.
                guard (2...3).contains(arguments.count), let seconds = Int(arguments[1].trimmingCharacters(in: .whitespaces)) else {
                    throw QueryError("$__unixEpochGroupSeconds takes a column and a whole number of seconds, got (\(arguments.joined(separator: ","))).")
                }
                output += "cast((\(arguments[0]) / \(seconds)) as int) * \(seconds)"
            default:
                throw QueryError("$__\(name)(...) is not a macro the dashboards may use: the plugin would leave it in the SQL.")
            }
        }
        return output + sql[last...]
    }
}
