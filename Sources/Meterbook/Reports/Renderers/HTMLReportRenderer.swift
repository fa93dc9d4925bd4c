import Foundation

/// One self-contained HTML page: summary figures, four inline SVG charts (cost per deployment per day; calls,
/// errors and 429s over time; latency percentiles per deployment; tokens per deployment), the report table in
/// human units and the exact figures of the JSON. No script, no external font or stylesheet: it works offline
/// and from a mail attachment. Well-formed XML, so it also parses as XHTML.
public struct HTMLReportRenderer: ReportRenderer {
    public init() {}

    public func render(_ report: UsageReport) -> String {
        var html = """
            <!DOCTYPE html>
            <html xmlns="http://www.w3.org/1999/xhtml" lang="en">
            <head>
            <meta charset="utf-8"/>
            <meta name="viewport" content="width=device-width, initial-scale=1"/>
            <title>\(HTML.escape("Meterbook · " + report.title))</title>
            <style>\(Self.css)</style>
            </head>
            <body>
            <h1>\(HTML.escape(report.title))</h1>
            <p class="meta">Generated \(HTML.escape(JSONReportRenderer.timestamp(report.generatedAt))) by meterbook · \
            grouped by \(HTML.escape(report.groupings.isEmpty ? "nothing" : report.groupings.map(\.name).joined(separator: ", ")))</p>

            """
        for note in report.notes { html += "<p class=\"note\">\(HTML.escape(note))</p>\n" }
        html += summary(report.totals)
        if let charts = report.charts { html += self.charts(charts, days: report.days) }
        html += "<h2>Report</h2>\n" + humanTable(report)
        html += "<details><summary>Exact figures (as in --format json)</summary>\n" + exactTable(report) + "</details>\n"
        html += "</body>\n</html>\n"
        return html
    }

    private func summary(_ totals: UsageRow) -> String {
        let cards: [(String, String)] = [
            ("Cost", UsageMetric.costUSD.human(totals)),
            ("Calls", String(totals.calls)),
            ("Failed calls", "\(totals.failed) (\(Units.percent(totals.errorRate)))"),
            ("429s", "\(totals.throttled) (\(Units.percent(totals.throttleRate)))"),
            ("Latency p95", Units.milliseconds(totals.latencyP95Ms)),
            ("Tokens in / out", "\(Units.tokens(totals.inputTokens)) / \(Units.tokens(totals.outputTokens))"),
        ]
        return "<div class=\"cards\">" + cards.map { "<div class=\"card\"><div class=\"label\">\(HTML.escape($0.0))</div><div class=\"figure\">\(HTML.escape($0.1))</div></div>" }.joined() + "</div>\n"
    }

    private func charts(_ charts: UsageReport.Charts, days: DayRange) -> String {
        let time = charts.timeGrouping
        let buckets = Self.buckets(days: days, grouping: time)
        let labels = buckets.map { Self.label($0, grouping: time) }
        func timeKey(_ row: UsageRow) -> String? { row.keys[time.name] ?? nil }
        func deploymentName(_ row: UsageRow) -> String { (row.keys["deployment"] ?? nil) ?? "(none)" }

        // Cost: the eight most expensive deployments, the rest as "other".
        let ranked = charts.byDeployment.map(deploymentName)
        let shown = Array(ranked.prefix(8))
        var costSeries = shown.enumerated().map { BarSeries(name: $0.element, color: SVGChart.palette[$0.offset], values: Array(repeating: 0, count: buckets.count)) }
        if ranked.count > shown.count {
            costSeries.append(BarSeries(name: "other", color: SVGChart.palette[8], values: Array(repeating: 0, count: buckets.count)))
        }
        let bucketIndex = Dictionary(uniqueKeysWithValues: buckets.enumerated().map { ($0.element, $0.offset) })
        for row in charts.byTimeAndDeployment {
            guard let key = timeKey(row), let index = bucketIndex[key] else { continue }
            let series = shown.firstIndex(of: deploymentName(row)) ?? shown.count
            costSeries[series].values[index] += row.costUSD ?? 0
        }
        var calls = Array(repeating: 0.0, count: buckets.count)
        var failed = calls
        var throttled = calls
        for row in charts.byTime {
            guard let key = timeKey(row), let index = bucketIndex[key] else { continue }
            calls[index] = Double(row.calls)
            failed[index] = Double(row.failed)
            throttled[index] = Double(row.throttled)
        }
        let per = time == .day ? "day" : "hour"
        let deployments = charts.byDeployment.map(deploymentName)
        var html = "<h2>Cost per deployment per \(per)</h2>\n<figure>"
        html += SVGChart.columns(categories: labels, series: costSeries, stacked: true, format: { Units.dollars($0) })
        html += "</figure>\n<h2>Calls, failed calls and 429s per \(per)</h2>\n<figure>"
        html += SVGChart.columns(categories: labels, series: [
            BarSeries(name: "calls", color: SVGChart.palette[0], values: calls),
            BarSeries(name: "failed calls", color: SVGChart.palette[3], values: failed),
            BarSeries(name: "429 attempts", color: SVGChart.palette[1], values: throttled),
        ], stacked: false, format: { String(Int($0)) })
        html += "</figure>\n<h2>Latency per deployment</h2>\n<figure>"
        html += SVGChart.bars(categories: deployments, series: [
            BarSeries(name: "p50", color: SVGChart.palette[2], values: charts.byDeployment.map { $0.latencyP50Ms ?? 0 }),
            BarSeries(name: "p95", color: SVGChart.palette[6], values: charts.byDeployment.map { $0.latencyP95Ms ?? 0 }),
            BarSeries(name: "p99", color: SVGChart.palette[3], values: charts.byDeployment.map { $0.latencyP99Ms ?? 0 }),
        ], format: { Units.milliseconds($0) })
        html += "</figure>\n<h2>Tokens per deployment</h2>\n<figure>"
        html += SVGChart.bars(categories: deployments, series: [
            BarSeries(name: "input", color: SVGChart.palette[0], values: charts.byDeployment.map { Double($0.inputTokens) }),
            BarSeries(name: "output", color: SVGChart.palette[4], values: charts.byDeployment.map { Double($0.outputTokens) }),
            BarSeries(name: "cached input", color: SVGChart.palette[5], values: charts.byDeployment.map { Double($0.cachedInputTokens) }),
        ], format: { Units.tokens(Int($0)) })
        return html + "</figure>\n"
    }

    private func humanTable(_ report: UsageReport) -> String {
        let metrics = UsageMetric.tableColumns
        var html = "<table>\n<thead><tr>"
        html += report.keyHeaders.map { "<th>\(HTML.escape($0))</th>" }.joined()
        html += metrics.map { "<th class=\"n\">\(HTML.escape($0.header))</th>" }.joined() + "</tr></thead>\n<tbody>\n"
        for row in report.rows {
            html += "<tr>" + report.keyCells(row).map { "<td>\(HTML.escape($0))</td>" }.joined()
            html += metrics.map { "<td class=\"n\">\(HTML.escape($0.human(row)))</td>" }.joined() + "</tr>\n"
        }
        html += "</tbody>\n<tfoot><tr><td>total</td>" + String(repeating: "<td></td>", count: report.keyHeaders.count - 1)
        html += metrics.map { "<td class=\"n\">\(HTML.escape($0.human(report.totals)))</td>" }.joined() + "</tr></tfoot>\n</table>\n"
        return html
    }

    private func exactTable(_ report: UsageReport) -> String {
        var html = "<table class=\"exact\">\n<thead><tr>"
        html += report.keyHeaders.map { "<th>\(HTML.escape($0))</th>" }.joined()
        html += UsageMetric.allCases.map { "<th class=\"n\">\(HTML.escape($0.rawValue))</th>" }.joined() + "</tr></thead>\n<tbody>\n"
        let all = report.rows.map { (report.keyCells($0), $0) } + [(["total"] + Array(repeating: "", count: report.keyHeaders.count - 1), report.totals)]
        for (keys, row) in all {
            html += "<tr>" + keys.map { "<td>\(HTML.escape($0))</td>" }.joined()
            html += UsageMetric.allCases.map { "<td class=\"n\">\(HTML.escape(Self.exact($0.value(row))))</td>" }.joined() + "</tr>\n"
        }
        return html + "</tbody>\n</table>\n"
    }

    /// A figure exactly as the JSON writes it.
    static func exact(_ node: JSONNode) -> String {
        switch node {
        case .integer(let value): return String(value)
        case .number(let value): return value.description
        case .null: return "null"
        default: return node.render(pretty: false)
        }
    }

    /// Every time bucket of the range, as the report keys name them, so empty days still get their slot.
    static func buckets(days: DayRange, grouping: Grouping) -> [String] {
        var result: [String] = []
        var day = days.from
        while day <= days.to {
            if grouping == .hour {
                for hour in 0..<24 { result.append("\(day)T\(hour < 10 ? "0" : "")\(hour):00Z") }
            } else {
                result.append(day.description)
            }
            day = day.adding(days: 1)
        }
        return result
    }

    /// `11-19` for a day, `11-19 14h` for an hour.
    static func label(_ bucket: String, grouping: Grouping) -> String {
        let day = String(bucket.dropFirst(5).prefix(5))
        guard grouping == .hour else { return day }
        return day + " " + String(bucket.dropFirst(11).prefix(2)) + "h"
    }

    static let css = """
        body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem;color:#0f172a;background:#fff}\
        h1{font-size:1.5rem;margin:0 0 .25rem}h2{font-size:1.1rem;margin:2rem 0 .5rem}\
        .meta{color:#64748b;margin:0 0 1rem}.note{background:#fef9c3;padding:.5rem .75rem;border-radius:4px}\
        .cards{display:flex;flex-wrap:wrap;gap:.75rem}.card{border:1px solid #e2e8f0;border-radius:6px;padding:.5rem .9rem;min-width:8rem}\
        .card .label{color:#64748b;font-size:.8rem}.card .figure{font-size:1.25rem;font-weight:600}\
        figure{margin:0;overflow-x:auto}svg{max-width:100%;height:auto}\
        svg .grid{stroke:#e2e8f0;stroke-width:1}svg .tick,svg .value{font-size:11px;fill:#64748b}svg .label{font-size:12px;fill:#0f172a}\
        table{border-collapse:collapse;font-size:.85rem;margin:.5rem 0}th,td{padding:.25rem .6rem;border-bottom:1px solid #e2e8f0;text-align:left;white-space:nowrap}\
        th{background:#f8fafc}.n{text-align:right;font-variant-numeric:tabular-nums}tfoot td{font-weight:600;border-top:2px solid #94a3b8}\
        details{margin-top:1.5rem}summary{cursor:pointer;color:#334155}
        """
}
