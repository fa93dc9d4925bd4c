import Foundation
import Meterbook
import MeterbookTestSupport
import Testing

/// For one range, the Grafana dashboard's panels, `meterbook report --format json` and `--format html` give the
/// same numbers (the real binary against the seed).
@Suite struct DashboardAgreementTests {
    let seed: SeededDatabase
    let overview: GrafanaDashboard

    static let figures = [
        "calls", "requests", "failed", "error_rate", "throttled", "throttle_rate", "server_errors", "input_tokens", "output_tokens",
        "cached_input_tokens", "cache_write_tokens", "reasoning_tokens", "cost_usd", "latency_p50_ms", "latency_p95_ms", "latency_p99_ms",
    ]

    init() throws {
        seed = try SeededDatabase()
        overview = try GrafanaDashboard.load(GrafanaDashboard.folder.appendingPathComponent("meterbook-overview.json").path)
    }

    /// Grafana's picker set to 2026-03-01 00:00:00 to 2026-03-03 23:59:59.999 UTC, as `--from 2026-03-01 --to 2026-03-03`.
    func panel(_ title: String, _ values: [String: [String]] = [:]) throws -> [[String: JSONNode]] {
        try overview.run(overview.target(title), fromMs: Seed.day1.startMs, toMs: Seed.day4.startMs - 1, values: values, store: seed.store)
    }

    func report(_ arguments: [String]) async throws -> String {
        let result = try await CLI.run(["report", "--db", seed.path, "--from", "2026-03-01", "--to", "2026-03-03"] + arguments)
        #expect(result.status == 0, "\(result.stderr)")
        return result.stdout
    }

    /// A figure as a number, nil for null, from any of the three sources.
    static func number(_ value: Any?) -> Double? {
        switch value {
        case let node as JSONNode:
            if case .integer(let integer) = node { return Double(integer) }
            if case .number(let number) = node { return number }
            return nil
        case let text as String: return Double(text)
        case let integer as Int: return Double(integer)
        case let double as Double: return double
        case let number as NSNumber: return number.doubleValue
        default: return nil
        }
    }

    static func agree(_ a: Double?, _ b: Double?) -> Bool {
        guard let a, let b else { return a == nil && b == nil }
        return abs(a - b) <= 1e-9 * max(1, abs(a))
    }

    /// The rows of the HTML report's "Exact figures" table, keyed by its header cells.
    static func exactTable(_ html: String) throws -> [[String: String]] {
        let start = try #require(html.range(of: "<table class=\"exact\">"))
        let end = try #require(html.range(of: "</table>", range: start.upperBound..<html.endIndex))
        let table = String(html[start.upperBound..<end.lowerBound])
        func cells(_ row: Substring, _ tag: String) -> [String] {
            row.components(separatedBy: "<\(tag)").dropFirst().map { cell in
                let text = cell.drop { $0 != ">" }.dropFirst()
                return String(text.prefix { $0 != "<" }).replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
                    .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&amp;", with: "&")
            }
        }
        let rows = table.components(separatedBy: "<tr>").dropFirst().map { Substring($0) }
        let headers = cells(try #require(rows.first), "th")
        return rows.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(headers, cells($0, "td"))) }
    }

    @Test func dashboardJSONAndHTMLAgreeByDeploymentAndInTotal() async throws {
        let json = try #require(try JSONSerialization.jsonObject(with: Data(try await report(["--format", "json"]).utf8)) as? [String: Any])
        let jsonRows = try #require(json["rows"] as? [[String: Any]])
        let jsonTotals = try #require(json["totals"] as? [String: Any])
        let htmlRows = try Self.exactTable(try await report(["--format", "html"]))
        let panelRows = try panel("Report by deployment")
        let totals = try #require(try panel("Totals").first)

        #expect(panelRows.count == 6)
        #expect(jsonRows.count == panelRows.count)
        #expect(htmlRows.count == panelRows.count + 1)
        for row in panelRows {
            guard case .string(let deployment) = row["deployment"] else {
                Issue.record("a dashboard row without a deployment")
                continue
            }
            // The report writes a NULL deployment as null in JSON and "(none)" in HTML; the dashboard as "(none)".
            let jsonRow = try #require(jsonRows.first { ($0["deployment"] as? String ?? "(none)") == deployment }, "\(deployment)")
            let htmlRow = try #require(htmlRows.first { $0["deployment"] == deployment }, "\(deployment)")
            for figure in Self.figures {
                let fromPanel = Self.number(row[figure])
                #expect(Self.agree(fromPanel, Self.number(jsonRow[figure])), "\(deployment) \(figure): dashboard \(String(describing: fromPanel)), JSON \(String(describing: jsonRow[figure]))")
                #expect(Self.agree(fromPanel, Self.number(htmlRow[figure])), "\(deployment) \(figure): dashboard \(String(describing: fromPanel)), HTML \(htmlRow[figure] ?? "-")")
            }
        }
        let htmlTotals = try #require(htmlRows.first { $0["deployment"] == "total" })
        for figure in Self.figures where !figure.hasPrefix("latency") {
            let fromPanel = Self.number(totals[figure])
            #expect(Self.agree(fromPanel, Self.number(jsonTotals[figure])), "total \(figure)")
            #expect(Self.agree(fromPanel, Self.number(htmlTotals[figure])), "total \(figure)")
        }
        #expect(Self.number(totals["calls"]) == 17)
    }

    @Test func dailyChartsAgreeWithTheReportByDay() async throws {
        let json = try #require(try JSONSerialization.jsonObject(with: Data(try await report(["--by", "day", "--format", "json"]).utf8)) as? [String: Any])
        let days = try #require(json["rows"] as? [[String: Any]])
        #expect(days.map { $0["day"] as? String } == ["2026-03-01", "2026-03-02", "2026-03-03"])
        let calls = try panel("Calls, failed calls, 429s and 5xx per $bucket", ["bucket": ["86400"]])
        let cost = try panel("Cost per deployment per day (USD)")
        #expect(calls.count == days.count)
        for (index, (chart, row)) in zip(calls, days).enumerated() {
            let day = UTCDay(iso: row["day"] as? String ?? "")
            #expect(chart["time"] == .integer((day?.startMs ?? -1) / 1000))
            for figure in ["calls", "failed", "throttled", "server_errors"] {
                #expect(Self.agree(Self.number(chart[figure]), Self.number(row[figure])), "day \(index + 1) \(figure)")
            }
            let charted = cost.filter { $0["time"] == chart["time"] }.compactMap { Self.number($0["cost_usd"]) }.reduce(0, +)
            #expect(Self.agree(charted, Self.number(row["cost_usd"])), "day \(index + 1) cost")
        }
    }
}
