import Foundation
import GRDB

/// Aggregates attempts into usage rows per group, over a half-open time range in epoch milliseconds.
/// Percentiles are exact (nearest rank) over the attempts in range.
public struct UsageReport: Sendable {
    /// A grouping column.
    public enum Grouping: Sendable, Equatable {
        case deployment, day, model, endpoint
        case tag(String)

        public var name: String {
            switch self {
            case .deployment: return "deployment"
            case .day: return "day"
            case .model: return "model"
            case .endpoint: return "endpoint"
            case .tag(let key): return "tag:\(key)"
            }
        }

        var sql: String {
            switch self {
            case .deployment: return "deployment"
            case .day: return "strftime('%Y-%m-%d', started_at / 1000, 'unixepoch')"
            case .model: return "model"
            case .endpoint: return "endpoint"
            case .tag(let key):
                let path = "$.\"" + key.replacingOccurrences(of: "\"", with: "\\\"") + "\""
                return "json_extract(tags, '" + path.replacingOccurrences(of: "'", with: "''") + "')"
            }
        }
    }

    public var from: Int64
    public var to: Int64
    public var groupings: [Grouping]
    public var filter: AttemptFilter

    public init(from: Int64, to: Int64, groupings: [Grouping] = [.deployment], filter: AttemptFilter = AttemptFilter()) {
        self.from = from
        self.to = to
        self.groupings = groupings
        self.filter = filter
    }

    /// The WHERE clause for the range and filter, and its arguments.
    private var scope: (sql: String, arguments: [DatabaseValueConvertible?]) {
        let filterSQL = filter.sql
        let conditions = ["started_at >= ?", "started_at < ?"] + filterSQL.conditions
        return (conditions.joined(separator: " AND "), [from, to] + filterSQL.arguments)
    }

    /// One row per group, sorted by cost (highest first), then by the keys.
    public func rows(in store: MeterbookStore) throws -> [UsageRow] {
        try store.read { db in try rows(db) }
    }

    /// The totals over the whole range, as one row without keys.
    public func totals(in store: MeterbookStore) throws -> UsageRow {
        let overall = UsageReport(from: from, to: to, groupings: [], filter: filter)
        return try store.read { db in try overall.rows(db).first ?? UsageReport.emptyRow }
    }

    static let emptyRow = UsageRow(keys: [:], calls: 0, requests: 0, succeeded: 0, failed: 0, throttled: 0, serverErrors: 0,
                                   inputTokens: 0, outputTokens: 0, cachedInputTokens: 0, cacheWriteTokens: 0,
                                   reasoningTokens: 0, costUSD: nil, unpricedRequests: 0)

    private func rows(_ db: Database) throws -> [UsageRow] {
        let keyColumns = groupings.enumerated().map { "\($0.element.sql) AS k\($0.offset)" }
        let groupBy = groupings.isEmpty ? "" : "GROUP BY " + groupings.indices.map { "k\($0)" }.joined(separator: ", ")
        let sql = """
            SELECT \((keyColumns + [""]).joined(separator: ", "))
                count(DISTINCT call_id) AS calls,
                count(*) AS requests,
                coalesce(sum(final = 1 AND outcome = 'ok'), 0) AS succeeded,
                coalesce(sum(final = 1 AND outcome <> 'ok'), 0) AS failed,
                coalesce(sum(status = 429), 0) AS throttled,
                coalesce(sum(status >= 500), 0) AS server_errors,
                coalesce(sum(input_tokens), 0) AS input_tokens,
                coalesce(sum(output_tokens), 0) AS output_tokens,
                coalesce(sum(cached_input_tokens), 0) AS cached_input_tokens,
                coalesce(sum(cache_write_tokens), 0) AS cache_write_tokens,
                coalesce(sum(reasoning_tokens), 0) AS reasoning_tokens,
                sum(cost_usd) AS cost_usd,
                coalesce(sum(cost_usd IS NULL AND coalesce(total_tokens, 0) > 0), 0) AS unpriced
            FROM requests
            WHERE \(scope.sql)
            \(groupBy)
            """
        var rows: [UsageRow] = []
        for row in try Row.fetchAll(db, sql: sql, arguments: StatementArguments(scope.arguments)) {
            if groupings.isEmpty, (row["requests"] as Int? ?? 0) == 0 { continue }
            var keys: [String: String?] = [:]
            var keyValues: [DatabaseValue] = []
            for (index, grouping) in groupings.enumerated() {
                let value: DatabaseValue = row["k\(index)"]
                keyValues.append(value)
                keys.updateValue(value.storage.text, forKey: grouping.name)
            }
            var usage = UsageRow(
                keys: keys, calls: row["calls"], requests: row["requests"], succeeded: row["succeeded"], failed: row["failed"],
                throttled: row["throttled"], serverErrors: row["server_errors"], inputTokens: row["input_tokens"],
                outputTokens: row["output_tokens"], cachedInputTokens: row["cached_input_tokens"],
                cacheWriteTokens: row["cache_write_tokens"], reasoningTokens: row["reasoning_tokens"],
                costUSD: row["cost_usd"], unpricedRequests: row["unpriced"]
            )
            try addPercentiles(to: &usage, keyValues: keyValues, db: db)
            rows.append(usage)
        }
        return rows.sorted { lhs, rhs in
            if (lhs.costUSD ?? -1) != (rhs.costUSD ?? -1) { return (lhs.costUSD ?? -1) > (rhs.costUSD ?? -1) }
            return lhs.keys.description < rhs.keys.description
        }
    }

    private func addPercentiles(to usage: inout UsageRow, keyValues: [DatabaseValue], db: Database) throws {
        var conditions = [scope.sql]
        var arguments = scope.arguments
        for (grouping, value) in zip(groupings, keyValues) {
            if value.isNull {
                conditions.append("\(grouping.sql) IS NULL")
            } else {
                conditions.append("\(grouping.sql) = ?")
                arguments.append(value)
            }
        }
        let filter = conditions.joined(separator: " AND ")
        let latencies = try Double.fetchAll(db, sql: "SELECT latency_ms FROM requests WHERE \(filter) AND latency_ms IS NOT NULL ORDER BY latency_ms",
                                            arguments: StatementArguments(arguments))
        usage.latencyP50Ms = Self.percentile(latencies, 50)
        usage.latencyP95Ms = Self.percentile(latencies, 95)
        usage.latencyP99Ms = Self.percentile(latencies, 99)
        let ttfts = try Double.fetchAll(db, sql: "SELECT ttft_ms FROM requests WHERE \(filter) AND ttft_ms IS NOT NULL ORDER BY ttft_ms",
                                        arguments: StatementArguments(arguments))
        usage.ttftP50Ms = Self.percentile(ttfts, 50)
    }

    /// Nearest-rank percentile of sorted values: the smallest value with at least p% of values at or below it.
    public static func percentile(_ sorted: [Double], _ p: Double) -> Double? {
        guard !sorted.isEmpty else { return nil }
        let rank = Int((p / 100 * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }
}

private extension DatabaseValue.Storage {
    /// The value as report text; nil for NULL (a row with no deployment, model or tag).
    var text: String? {
        switch self {
        case .null: return nil
        case .int64(let value): return String(value)
        case .double(let value): return String(value)
        case .string(let value): return value
        case .blob: return "<blob>"
        }
    }
}
