import Meterbook

/// The terminal table of usage rows `demo` prints (over its own run's time span, not whole days).
enum UsageTable {
    static func render(rows: [UsageRow], totals: UsageRow, keyNames: [String]) -> String {
        let metrics = UsageMetric.tableColumns
        var table = TextTable(headers: keyNames + metrics.map(\.header), rightAligned: Set(keyNames.count..<(keyNames.count + metrics.count)))
        table.rows = rows.map { row in keyNames.map { (row.keys[$0] ?? nil) ?? "(none)" } + metrics.map { $0.human(row) } }
        table.footer = ["total"] + Array(repeating: "", count: max(0, keyNames.count - 1)) + metrics.map { $0.human(totals) }
        var text = table.render()
        if totals.unpricedRequests > 0 {
            text += "\n* some attempts have no price (unknown model): add it under [prices] in meterbook.toml."
        }
        return text
    }
}
