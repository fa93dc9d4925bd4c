import Foundation

/// `meterbook check`: compares each day's figures, per deployment or overall, with the thresholds.
public struct ThresholdCheck: Sendable {
    /// Whether each deployment is judged on its own or all traffic together.
    public enum Scope: String, Sendable, CaseIterable {
        case deployment, overall
    }

    /// One threshold one row crossed.
    public struct Crossing: Sendable, Equatable {
        public var day: String
        /// nil for `--per overall`, and for attempts without a deployment.
        public var deployment: String?
        /// The contract name of the figure: cost_usd, error_rate, throttle_rate or latency_p95_ms.
        public var metric: String
        public var value: Double
        public var limit: Double
        public var calls: Int
        public var requests: Int
    }

    public struct Result: Sendable {
        public var days: DayRange
        public var scope: Scope
        public var thresholds: UsageThresholds
        /// Rows (day × deployment, or days) that had attempts and were compared.
        public var rowsChecked: Int
        public var crossings: [Crossing]

        public var passed: Bool { crossings.isEmpty }
    }

    public var days: DayRange
    public var filter: AttemptFilter
    public var thresholds: UsageThresholds
    public var scope: Scope

    public init(days: DayRange, filter: AttemptFilter = AttemptFilter(), thresholds: UsageThresholds, scope: Scope = .deployment) {
        self.days = days
        self.filter = filter
        self.thresholds = thresholds
        self.scope = scope
    }

    /// Archived days count through their rollups (archive files in `archiveDirectory` when a filter needs them).
    public func run(on store: MeterbookStore, archiveDirectory: String? = nil) throws -> Result {
        let groupings: [Grouping] = scope == .deployment ? [.day, .deployment] : [.day]
        let rows = try UsageQuery(days: days, groupings: groupings, filter: filter).run(on: store, archiveDirectory: archiveDirectory).rows
        return evaluate(rows)
    }

    /// The same check over other sources (the central PostgreSQL store).
    package func run(on sources: [any AttemptSource]) throws -> Result {
        let groupings: [Grouping] = scope == .deployment ? [.day, .deployment] : [.day]
        return evaluate(try UsageQuery(days: days, groupings: groupings, filter: filter).run(on: sources).rows)
    }

    func evaluate(_ rows: [UsageRow]) -> Result {
        var crossings: [Crossing] = []
        for row in rows where row.requests > 0 {
            let day = (row.keys["day"] ?? nil) ?? ""
            let deployment = row.keys["deployment"] ?? nil
            func cross(_ metric: String, _ value: Double?, _ limit: Double?) {
                guard let value, let limit, value > limit else { return }
                crossings.append(Crossing(day: day, deployment: deployment, metric: metric, value: value, limit: limit,
                                          calls: row.calls, requests: row.requests))
            }
            cross("cost_usd", row.costUSD, thresholds.maxDailyCost)
            guard row.calls >= thresholds.minCalls else { continue }
            cross("error_rate", row.errorRate, thresholds.maxErrorRate)
            cross("throttle_rate", row.throttleRate, thresholds.maxThrottleRate)
            cross("latency_p95_ms", row.latencyP95Ms, thresholds.maxP95Ms)
        }
        return Result(days: days, scope: scope, thresholds: thresholds, rowsChecked: rows.filter { $0.requests > 0 }.count, crossings: crossings)
    }
}

extension ThresholdCheck.Result {
    /// The crossings as a table (or a one-line all-clear).
    public func text() -> String {
        guard !crossings.isEmpty else {
            return "OK: \(rowsChecked) \(scope == .deployment ? "deployment-days" : "days") from \(days.description) (UTC) within thresholds."
        }
        var table = TextTable(headers: ["day", "deployment", "crossed", "value", "limit", "calls", "reqs"], rightAligned: [3, 4, 5, 6])
        table.rows = crossings.map { crossing in
            [crossing.day, scope == .overall ? "(all)" : (crossing.deployment ?? "(none)"), crossing.metric,
             Self.human(crossing.metric, crossing.value), Self.human(crossing.metric, crossing.limit),
             String(crossing.calls), String(crossing.requests)]
        }
        return table.render()
    }

    public func json() -> JSONNode {
        let limits: [(String, JSONNode)] = [
            ("max_daily_cost_usd", .double(thresholds.maxDailyCost)), ("max_error_rate", .double(thresholds.maxErrorRate)),
            ("max_throttle_rate", .double(thresholds.maxThrottleRate)), ("max_latency_p95_ms", .double(thresholds.maxP95Ms)),
            ("min_calls", .int(thresholds.minCalls)),
        ]
        return .object([
            ("from", .string(days.from.description)), ("to", .string(days.to.description)), ("per", .string(scope.rawValue)),
            ("thresholds", .object(limits)), ("rows_checked", .int(rowsChecked)), ("passed", .bool(passed)),
            ("crossed", .array(crossings.map { crossing in
                .object([("day", .string(crossing.day)), ("deployment", .text(crossing.deployment)), ("metric", .string(crossing.metric)),
                         ("value", .number(crossing.metric == "cost_usd" ? UsageMetric.roundedCost(crossing.value) : crossing.value)),
                         ("limit", .number(crossing.limit)), ("calls", .int(crossing.calls)), ("requests", .int(crossing.requests))])
            })),
        ])
    }

    static func human(_ metric: String, _ value: Double) -> String {
        switch metric {
        case "cost_usd": return Units.dollars(value)
        case "latency_p95_ms": return Units.milliseconds(value)
        default: return Units.percent(value)
        }
    }
}
