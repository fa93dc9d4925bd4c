/// The terminal table: aligned columns in human units and a totals row; colour only when asked (a TTY without
/// NO_COLOR — the caller decides).
public struct TableReportRenderer: ReportRenderer {
    public var color: Bool

    public init(color: Bool) {
        self.color = color
    }

    public func render(_ report: UsageReport) -> String {
        let keyHeaders = report.keyHeaders
        let metrics = UsageMetric.tableColumns
        var table = TextTable(headers: keyHeaders + metrics.map(\.header),
                              rightAligned: Set(keyHeaders.count..<(keyHeaders.count + metrics.count)))
        table.rows = report.rows.map { row in report.keyCells(row) + metrics.map { $0.human(row) } }
        table.footer = ["total"] + Array(repeating: "", count: keyHeaders.count - 1) + metrics.map { $0.human(report.totals) }
        if color {
            let rows = report.rows
            table.style = { rowIndex, column, cell in
                guard let rowIndex else { return TerminalStyle.bold(cell) }
                if rowIndex == -1 { return TerminalStyle.bold(cell) }
                if cell.contains("(none)") { return TerminalStyle.dim(cell) }
                let metricIndex = column - keyHeaders.count
                guard metricIndex >= 0 else { return cell }
                let row = rows[rowIndex]
                switch metrics[metricIndex] {
                case .errorRate, .failed: return TerminalStyle.severity(cell, rate: row.errorRate)
                case .throttleRate, .throttled: return TerminalStyle.severity(cell, rate: row.throttleRate)
                default: return cell
                }
            }
        }
        var lines = [color ? TerminalStyle.bold(report.title) : report.title, table.render()]
        if report.rows.contains(where: { $0.unpricedRequests > 0 }) || report.totals.unpricedRequests > 0 {
            lines.append("* \(report.totals.unpricedRequests) attempts have tokens but no price (unknown model): add it under [prices] in meterbook.toml, then meterbook reprice.")
        }
        for note in report.notes { lines.append(color ? TerminalStyle.dim(note) : note) }
        return lines.joined(separator: "\n")
    }
}
