import GRDB

/// Which attempts a report, export or check looks at (`--deployment`, `--model`, `--endpoint`, `--tag`,
/// `--status`, `--outcome`). Values of one kind are alternatives; kinds combine with AND. Empty matches everything.
public struct AttemptFilter: Sendable, Equatable {
    /// An HTTP status (`429`) or a family of them (`5xx`).
    public enum StatusMatch: Sendable, Equatable, CustomStringConvertible {
        case code(Int)
        case family(Int)

        /// `429`, `0` (no response), or `4xx` / `5xx`.
        public init?(_ text: String) {
            let value = text.trimmingCharacters(in: .whitespaces).lowercased()
            if value.count == 3, value.hasSuffix("xx"), let digit = Int(value.prefix(1)), (1...5).contains(digit) {
                self = .family(digit)
            } else if let code = Int(value), code == 0 || (100...599).contains(code) {
                self = .code(code)
            } else {
                return nil
            }
        }

        public var description: String {
            switch self {
            case .code(let code): return String(code)
            case .family(let digit): return "\(digit)xx"
            }
        }

        public func matches(_ status: Int) -> Bool {
            switch self {
            case .code(let code): return status == code
            case .family(let digit): return status / 100 == digit
            }
        }
    }

    public var deployments: [String] = []
    public var models: [String] = []
    public var endpoints: [String] = []
    /// Every pair must match (`tags.key = value`).
    public var tags: [String: String] = [:]
    public var statuses: [StatusMatch] = []
    public var outcomes: [Outcome] = []

    public init(deployments: [String] = [], models: [String] = [], endpoints: [String] = [], tags: [String: String] = [:],
                statuses: [StatusMatch] = [], outcomes: [Outcome] = []) {
        self.deployments = deployments
        self.models = models
        self.endpoints = endpoints
        self.tags = tags
        self.statuses = statuses
        self.outcomes = outcomes
    }

    public var isEmpty: Bool { self == AttemptFilter() }

    /// Whether one attempt passes (what an archive reader applies to rows it parses itself).
    public func matches(_ record: AttemptRecord) -> Bool {
        func pass<T: Equatable>(_ allowed: [T], _ value: T?) -> Bool {
            allowed.isEmpty || value.map(allowed.contains) == true
        }
        return pass(deployments, record.deployment) && pass(models, record.model) && pass(endpoints, record.endpoint)
            && (statuses.isEmpty || statuses.contains { $0.matches(record.status) })
            && pass(outcomes, record.outcome)
            && tags.allSatisfy { record.tags[$0.key] == $0.value }
    }

    /// A short description for messages: `deployment nope, tag team=x`.
    public var summary: String {
        var parts: [String] = []
        if !deployments.isEmpty { parts.append("deployment " + deployments.joined(separator: "|")) }
        if !models.isEmpty { parts.append("model " + models.joined(separator: "|")) }
        if !endpoints.isEmpty { parts.append("endpoint " + endpoints.joined(separator: "|")) }
        for (key, value) in tags.sorted(by: { $0.key < $1.key }) { parts.append("tag \(key)=\(value)") }
        if !statuses.isEmpty { parts.append("status " + statuses.map(\.description).joined(separator: "|")) }
        if !outcomes.isEmpty { parts.append("outcome " + outcomes.map(\.rawValue).joined(separator: "|")) }
        return parts.joined(separator: ", ")
    }

    /// SQL conditions (joined with AND) and their arguments, in SQLite's dialect.
    var sql: (conditions: [String], arguments: [DatabaseValueConvertible]) { sql(.sqlite) }

    /// SQL conditions and their arguments in a dialect. PostgreSQL's placeholders are numbered from
    /// `firstPlaceholder` (`$3`, `$4`, ...); the columns have the same names in both stores.
    package func sql(_ dialect: SQLDialect, firstPlaceholder: Int = 1) -> (conditions: [String], arguments: [DatabaseValueConvertible]) {
        var conditions: [String] = []
        var arguments: [DatabaseValueConvertible] = []
        func placeholder() -> String {
            dialect == .sqlite ? "?" : "$\(firstPlaceholder + arguments.count - 1)"
        }
        func anyOf(_ column: String, _ values: [DatabaseValueConvertible]) {
            guard !values.isEmpty else { return }
            var marks: [String] = []
            for value in values {
                arguments.append(value)
                marks.append(placeholder())
            }
            conditions.append("\(column) IN (\(marks.joined(separator: ", ")))")
        }
        anyOf("deployment", deployments)
        anyOf("model", models)
        anyOf("endpoint", endpoints)
        anyOf("outcome", outcomes.map(\.rawValue))
        if !statuses.isEmpty {
            let alternatives = statuses.map { match -> String in
                switch match {
                case .code(let code):
                    arguments.append(code)
                    return "status = \(placeholder())"
                case .family(let digit):
                    arguments.append(digit * 100)
                    let low = placeholder()
                    arguments.append(digit * 100 + 99)
                    return "status BETWEEN \(low) AND \(placeholder())"
                }
            }
            conditions.append("(" + alternatives.joined(separator: " OR ") + ")")
        }
        for (key, value) in tags.sorted(by: { $0.key < $1.key }) {
            arguments.append(value)
            conditions.append("\(Grouping.tag(key).columnSQL(dialect)) = \(placeholder())")
        }
        return (conditions, arguments)
    }
}
