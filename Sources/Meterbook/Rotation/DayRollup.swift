import GRDB

/// The rollups of one archived day (or part of a day), per deployment × model × endpoint × status class, built
/// from the rows being archived and added to the `rollups` table in the transaction that deletes them.
///
/// `calls`: a call whose every attempt falls in one group of the day (first and final attempt included) counts
/// there, once. Any other call (retried into another status class, model or day, or still waiting for its retry)
/// is kept by id in `open_call_ids` of each group it touched, so a report de-duplicates it across groups, days and
/// the live database exactly as it de-duplicates live rows: `calls` stays exact for every grouping and range.
struct DayRollup {
    struct Key: Hashable {
        var deployment: String?
        var model: String?
        var endpoint: String
        var statusClass: String
    }

    final class Figures {
        var calls = 0
        var requests = 0
        var succeeded = 0
        var failed = 0
        var throttled = 0
        var serverErrors = 0
        var inputTokens = 0
        var outputTokens = 0
        var totalTokens = 0
        var cachedInputTokens = 0
        var cacheWriteTokens = 0
        var reasoningTokens = 0
        var cost = CompensatedSum()
        var pricedRequests = 0
        var unpricedRequests = 0
        var openCallIDs: Set<String> = []
        var latency = LatencyHistogram()
        var ttft = LatencyHistogram()
    }

    /// What the day saw of one call: whether its first and final attempts were in it, and the groups it touched.
    private struct CallSighting {
        var sawFirst = false
        var sawFinal = false
        /// The first group seen, and any others (most calls touch one group: no set to allocate).
        var key: Key
        var otherKeys: [Key] = []

        var keys: [Key] { [key] + otherKeys }

        mutating func note(_ record: AttemptRecord, in key: Key) {
            if record.attempt == 1 { sawFirst = true }
            if record.final { sawFinal = true }
            if key != self.key, !otherKeys.contains(key) { otherKeys.append(key) }
        }
    }

    let day: UTCDay
    private(set) var groups: [Key: Figures] = [:]
    private var calls: [String: CallSighting] = [:]

    init(day: UTCDay) {
        self.day = day
    }

    /// `0xx` (no HTTP response), `2xx`, `4xx`, `5xx`, ...
    static func statusClass(_ status: Int) -> String { "\(max(0, min(status / 100, 9)))xx" }

    mutating func add(_ record: AttemptRecord) {
        let key = Key(deployment: record.deployment, model: record.model, endpoint: record.endpoint, statusClass: Self.statusClass(record.status))
        let figures: Figures
        if let existing = groups[key] {
            figures = existing
        } else {
            figures = Figures()
            groups[key] = figures
        }
        figures.requests += 1
        if record.final {
            if record.outcome == .ok { figures.succeeded += 1 } else { figures.failed += 1 }
        }
        if record.status == 429 { figures.throttled += 1 }
        if record.status >= 500 { figures.serverErrors += 1 }
        figures.inputTokens += record.inputTokens ?? 0
        figures.outputTokens += record.outputTokens ?? 0
        figures.totalTokens += record.totalTokens ?? 0
        figures.cachedInputTokens += record.cachedInputTokens ?? 0
        figures.cacheWriteTokens += record.cacheWriteTokens ?? 0
        figures.reasoningTokens += record.reasoningTokens ?? 0
        if let cost = record.costUSD {
            figures.cost.add(cost)
            figures.pricedRequests += 1
        } else if (record.inputTokens ?? 0) + (record.outputTokens ?? 0) > 0 {
            figures.unpricedRequests += 1
        }
        if let latency = record.latencyMs { figures.latency.add(latency) }
        if let ttft = record.ttftMs { figures.ttft.add(ttft) }

        calls[record.callID, default: CallSighting(key: key)].note(record, in: key)
    }

    /// Attributes each call to one group; call once, after the last `add`.
    mutating func closeCalls() {
        for (callID, sighting) in calls {
            if sighting.sawFirst, sighting.sawFinal, sighting.otherKeys.isEmpty, let figures = groups[sighting.key] {
                figures.calls += 1
            } else {
                for key in sighting.keys { groups[key]?.openCallIDs.insert(callID) }
            }
        }
        calls = [:]
    }

    /// Adds these figures to the day's rows in `rollups` (inside the rotation's transaction).
    func save(_ db: Database) throws {
        let dayText = day.description
        for (key, figures) in groups {
            let existing = try Row.fetchOne(db.cachedStatement(sql: """
                SELECT rowid, * FROM rollups WHERE day = ? AND deployment IS ? AND model IS ? AND endpoint = ? AND status_class = ?
                """), arguments: [dayText, key.deployment, key.model, key.endpoint, key.statusClass])
            var latency = figures.latency
            var ttft = figures.ttft
            var open = figures.openCallIDs
            var cost = figures.cost
            var sums: [Int] = [figures.calls, figures.requests, figures.succeeded, figures.failed, figures.throttled, figures.serverErrors,
                               figures.inputTokens, figures.outputTokens, figures.totalTokens, figures.cachedInputTokens,
                               figures.cacheWriteTokens, figures.reasoningTokens, figures.pricedRequests, figures.unpricedRequests]
            if let existing {
                let columns = Self.countColumns
                for (index, column) in columns.enumerated() { sums[index] += existing[column] as Int? ?? 0 }
                cost.add(existing["cost_usd"] as Double? ?? 0)
                latency.merge(LatencyHistogram(encoded: existing["latency_histogram"] ?? ""))
                ttft.merge(LatencyHistogram(encoded: existing["ttft_histogram"] ?? ""))
                open.formUnion(Self.decodeIDs(existing["open_call_ids"] ?? ""))
                try db.cachedStatement(sql: "DELETE FROM rollups WHERE rowid = ?").execute(arguments: [existing["rowid"] as Int64?])
            }
            var arguments: [(any DatabaseValueConvertible)?] = [dayText, key.deployment, key.model, key.endpoint, key.statusClass]
            arguments += sums.map { $0 as (any DatabaseValueConvertible)? }
            arguments += [cost.value, open.sorted().joined(separator: "\n"), latency.encoded, ttft.encoded]
            let names = ["day", "deployment", "model", "endpoint", "status_class"] + Self.countColumns
                + ["cost_usd", "open_call_ids", "latency_histogram", "ttft_histogram"]
            try db.cachedStatement(sql: "INSERT INTO rollups (\(names.joined(separator: ", "))) VALUES (\(names.map { _ in "?" }.joined(separator: ", ")))")
                .execute(arguments: StatementArguments(arguments))
        }
    }

    static let countColumns = ["calls", "requests", "succeeded", "failed", "throttled", "server_errors", "input_tokens", "output_tokens",
                               "total_tokens", "cached_input_tokens", "cache_write_tokens", "reasoning_tokens", "priced_requests",
                               "unpriced_requests"]

    static func decodeIDs(_ text: String) -> [String] {
        text.utf8.split(separator: 0x0A).map { String(Substring($0)) }
    }
}
