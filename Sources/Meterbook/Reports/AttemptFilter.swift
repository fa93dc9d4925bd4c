import GRDB

/// Which attempts a report, export or check looks at. Empty fields match everything.
public struct AttemptFilter: Sendable, Equatable {
    public var deployments: [String] = []
    public var models: [String] = []
    public var endpoints: [String] = []
    /// Every pair must match (`tags.key = value`).
    public var tags: [String: String] = [:]
    public var statuses: [Int] = []
    public var outcomes: [Outcome] = []

    public init(deployments: [String] = [], models: [String] = [], endpoints: [String] = [], tags: [String: String] = [:],
                statuses: [Int] = [], outcomes: [Outcome] = []) {
        self.deployments = deployments
        self.models = models
        self.endpoints = endpoints
        self.tags = tags
        self.statuses = statuses
        self.outcomes = outcomes
    }

    public var isEmpty: Bool { self == AttemptFilter() }

    /// SQL conditions (joined with AND) and their arguments.
    var sql: (conditions: [String], arguments: [DatabaseValueConvertible]) {
        var conditions: [String] = []
        var arguments: [DatabaseValueConvertible] = []
        func anyOf(_ column: String, _ values: [DatabaseValueConvertible]) {
            guard !values.isEmpty else { return }
            conditions.append("\(column) IN (\(values.map { _ in "?" }.joined(separator: ", ")))")
            arguments.append(contentsOf: values)
        }
        anyOf("deployment", deployments)
        anyOf("model", models)
        anyOf("endpoint", endpoints)
        anyOf("status", statuses)
        anyOf("outcome", outcomes.map(\.rawValue))
        for (key, value) in tags.sorted(by: { $0.key < $1.key }) {
            conditions.append("\(UsageReport.Grouping.tag(key).sql) = ?")
            arguments.append(value)
        }
        return (conditions, arguments)
    }
}
