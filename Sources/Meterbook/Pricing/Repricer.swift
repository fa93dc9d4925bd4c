import Foundation
import GRDB

/// `meterbook reprice`: recomputes `cost_usd` of stored attempts with the prices in force now, from the usage each
/// attempt recorded (`usage_json` when present, which keeps Anthropic's 5m/1h cache-write split; else the token
/// columns). One write transaction per day, so recorders writing meanwhile wait for a day at most.
public enum Repricer {
    public struct Summary: Sendable, Equatable {
        public var days: DayRange
        /// Attempts looked at.
        public var attempts: Int
        /// Attempts whose cost changed (including from or to "no price").
        public var changed: Int
        public var costBefore: Double
        public var costAfter: Double
        /// Attempts that had no price before and have one now, and the other way round.
        public var nowPriced: Int
        public var nowUnpriced: Int
        public var dryRun: Bool
    }

    public static func reprice(store: MeterbookStore, days: DayRange, policy: CostPolicy, dryRun: Bool = false) throws -> Summary {
        var summary = Summary(days: days, attempts: 0, changed: 0, costBefore: 0, costAfter: 0, nowPriced: 0, nowUnpriced: 0, dryRun: dryRun)
        var before = CompensatedSum()
        var after = CompensatedSum()
        var day = days.from
        while day <= days.to {
            let work = { (db: Database) throws -> Void in
                var updates: [(Int64, Double?)] = []
                let rows = try Row.fetchCursor(db, sql: """
                    SELECT id, provider, api, deployment, model, usage_json, input_tokens, output_tokens, total_tokens,
                           cached_input_tokens, cache_write_tokens, reasoning_tokens, cost_usd
                    FROM requests WHERE started_at >= ? AND started_at < ?
                    """, arguments: [day.startMs, day.endMs])
                while let row = try rows.next() {
                    let old: Double? = row["cost_usd"]
                    let provider = Provider(rawValue: row["provider"] ?? "") ?? .other
                    let api = APIKind(rawValue: row["api"] ?? "") ?? .other
                    let usage = TokenUsage.stored(
                        json: row["usage_json"], anthropic: provider.isAnthropic || api == .messages,
                        input: row["input_tokens"], output: row["output_tokens"], total: row["total_tokens"],
                        cached: row["cached_input_tokens"], cacheWrite: row["cache_write_tokens"], reasoning: row["reasoning_tokens"])
                    let new = policy.cost(usage: usage, reportedModel: row["model"], deployment: row["deployment"])
                    summary.attempts += 1
                    if let old { before.add(old) }
                    if let new { after.add(new) }
                    guard differs(old, new) else { continue }
                    summary.changed += 1
                    if old == nil { summary.nowPriced += 1 }
                    if new == nil { summary.nowUnpriced += 1 }
                    updates.append((row["id"], new))
                }
                guard !dryRun else { return }
                let update = try db.cachedStatement(sql: "UPDATE requests SET cost_usd = ? WHERE id = ?")
                for (id, cost) in updates {
                    try update.execute(arguments: [cost, id])
                }
                if !updates.isEmpty { try DaySummaries.forget(db, days: [day]) }
            }
            if dryRun { try store.read(work) } else { try store.write(work) }
            day = day.adding(days: 1)
        }
        summary.costBefore = before.value
        summary.costAfter = after.value
        return summary
    }

    /// Costs recomputed from the same usage with the same price are bit-identical; the tolerance only absorbs
    /// the last bits of a different order of operations.
    static func differs(_ old: Double?, _ new: Double?) -> Bool {
        switch (old, new) {
        case (nil, nil): return false
        case let (old?, new?): return abs(old - new) > 1e-12 * max(1, abs(old))
        default: return true
        }
    }
}

extension TokenUsage {
    /// The usage of a stored attempt: its `usage_json` parsed as the recorder parsed it, else its token columns;
    /// nil when it recorded no usage at all (an error response: nothing billed).
    static func stored(json: String?, anthropic: Bool, input: Int?, output: Int?, total: Int?, cached: Int?,
                       cacheWrite: Int?, reasoning: Int?) -> TokenUsage? {
        if let json, let object = JSONValue.object(json) {
            return anthropic ? .anthropic(object, raw: json) : .openAI(object, raw: json)
        }
        guard input != nil || output != nil || total != nil else { return nil }
        return TokenUsage(inputTokens: input, outputTokens: output, totalTokens: total, cachedInputTokens: cached,
                          cacheWriteTokens: cacheWrite, reasoningTokens: reasoning)
    }
}
