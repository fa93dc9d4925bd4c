import Meterbook

/// The terminal table of usage rows shared by `demo` (and `report`).
enum UsageTable {
    static func render(rows: [UsageRow], totals: UsageRow, keyNames: [String]) -> String {
        let headers = keyNames + ["calls", "reqs", "failed", "err%", "429s", "5xx", "in", "out", "cached", "cost", "p50", "p95", "p99"]
        var table = TextTable(headers: headers, rightAligned: Set(keyNames.count..<headers.count))
        func cells(_ row: UsageRow) -> [String] {
            [String(row.calls), String(row.requests), String(row.failed), Units.percent(row.errorRate),
             String(row.throttled), String(row.serverErrors), Units.tokens(row.inputTokens), Units.tokens(row.outputTokens),
             Units.tokens(row.cachedInputTokens), Units.dollars(row.costUSD) + (row.unpricedRequests > 0 ? "*" : ""),
             Units.milliseconds(row.latencyP50Ms), Units.milliseconds(row.latencyP95Ms), Units.milliseconds(row.latencyP99Ms)]
        }
        table.rows = rows.map { row in keyNames.map { (row.keys[$0] ?? nil) ?? "(none)" } + cells(row) }
        table.footer = ["total"] + Array(repeating: "", count: max(0, keyNames.count - 1)) + cells(totals)
        var text = table.render()
        if rows.contains(where: { $0.unpricedRequests > 0 }) {
            text += "\n* some attempts have no price (unknown model): add it under [prices] in meterbook.toml."
        }
        return text
    }
}
