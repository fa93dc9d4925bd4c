/// What a usage report groups attempts by (`--by`).
public enum Grouping: Sendable, Hashable {
    case deployment, day, hour, model, endpoint
    /// The value of one tag (`tag:KEY`).
    case tag(String)

    /// The name used by `--by` and as the key of report rows (`deployment`, `day`, `tag:app`).
    public var name: String {
        switch self {
        case .deployment: return "deployment"
        case .day: return "day"
        case .hour: return "hour"
        case .model: return "model"
        case .endpoint: return "endpoint"
        case .tag(let key): return "tag:\(key)"
        }
    }

    /// Whether the key is a time bucket (computed from started_at) rather than a column value.
    var isTime: Bool { self == .day || self == .hour }

    public static let acceptedValues = "deployment, day, hour, model, endpoint, tag:KEY"

    /// `--by` values: each may be a comma-separated list (`--by day,deployment`); duplicates are dropped.
    public static func parse(_ values: [String]) throws -> [Grouping] {
        var result: [Grouping] = []
        for value in values {
            for part in value.split(separator: ",", omittingEmptySubsequences: false) {
                let name = part.trimmingCharacters(in: .whitespaces)
                let grouping: Grouping
                switch name.lowercased() {
                case "deployment": grouping = .deployment
                case "day": grouping = .day
                case "hour": grouping = .hour
                case "model": grouping = .model
                case "endpoint": grouping = .endpoint
                default:
                    guard name.lowercased().hasPrefix("tag:"), name.count > 4 else {
                        throw ReportInputError("--by '\(name)' is not a grouping: use \(acceptedValues), or several joined by commas.")
                    }
                    grouping = .tag(String(name.dropFirst(4)))
                }
                if !result.contains(grouping) { result.append(grouping) }
            }
        }
        return result
    }

    /// The SQL expression of a column grouping (time groupings are computed while scanning).
    var columnSQL: String { columnSQL(.sqlite) }

    /// The SQL expression of a grouping in a dialect.
    package func columnSQL(_ dialect: SQLDialect) -> String {
        guard dialect == .postgres else { return sqliteColumnSQL }
        switch self {
        case .deployment, .model, .endpoint: return sqliteColumnSQL
        case .tag(let key): return "(tags::jsonb ->> '" + key.replacingOccurrences(of: "'", with: "''") + "')"
        case .day: return "to_char(to_timestamp(started_at / 1000) AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
        case .hour: return "to_char(to_timestamp(started_at / 1000) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24\":00Z\"')"
        }
    }

    private var sqliteColumnSQL: String {
        switch self {
        case .deployment: return "deployment"
        case .model: return "model"
        case .endpoint: return "endpoint"
        case .tag(let key): return Grouping.tagSQL(key)
        case .day: return "strftime('%Y-%m-%d', started_at / 1000, 'unixepoch')"
        case .hour: return "strftime('%Y-%m-%dT%H:00Z', started_at / 1000, 'unixepoch')"
        }
    }

    /// `json_extract` of one key of the `tags` object, quoted so any key (dots, spaces, quotes) is one path step.
    static func tagSQL(_ key: String) -> String {
        let path = "$.\"" + key.replacingOccurrences(of: "\"", with: "\\\"") + "\""
        return "json_extract(tags, '" + path.replacingOccurrences(of: "'", with: "''") + "')"
    }
}

/// The SQL dialect of a store: the live SQLite database, or the central PostgreSQL store.
package enum SQLDialect: Sendable {
    case sqlite, postgres
}
