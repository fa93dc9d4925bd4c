/// A GitHub-flavoured Markdown table in human units with a bold totals row, for pasting into an issue or a wiki.
public struct MarkdownReportRenderer: ReportRenderer {
    public init() {}

    public func render(_ report: UsageReport) -> String {
        let keyHeaders = report.keyHeaders
        let metrics = UsageMetric.tableColumns
        // Cells arrive escaped, so the totals row can add its own bold markers.
        func line(_ cells: [String]) -> String {
            "| " + cells.joined(separator: " | ") + " |"
        }
        var lines = ["## \(Self.escape(report.title))", ""]
        lines.append(line((keyHeaders + metrics.map(\.header)).map(Self.escape)))
        lines.append("|" + keyHeaders.map { _ in " --- |" }.joined() + metrics.map { _ in " ---: |" }.joined())
        for row in report.rows {
            lines.append(line((report.keyCells(row) + metrics.map { $0.human(row) }).map(Self.escape)))
        }
        let totals = ["**total**"] + Array(repeating: "", count: keyHeaders.count - 1) + metrics.map { "**\(Self.escape($0.human(report.totals)))**" }
        lines.append(line(totals))
        if report.totals.unpricedRequests > 0 {
            lines.append("")
            lines.append("\\* \(report.totals.unpricedRequests) attempts have tokens but no price (unknown model).")
        }
        if !report.notes.isEmpty {
            lines.append("")
            lines.append(contentsOf: report.notes.map(Self.escape))
        }
        lines.append("")
        lines.append("_Generated \(JSONReportRenderer.timestamp(report.generatedAt)) by meterbook._")
        return lines.joined(separator: "\n") + "\n"
    }

    /// Pipes would end a cell; backslashes, asterisks and underscores would start escapes or emphasis.
    static func escape(_ text: String) -> String {
        var result = ""
        for character in text {
            if "|\\*_`<>[]".contains(character) { result.append("\\") }
            result.append(character)
        }
        return result
    }
}
