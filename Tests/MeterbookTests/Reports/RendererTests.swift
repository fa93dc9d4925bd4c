import Foundation
import MeterbookTestSupport
import Testing
@testable import Meterbook

/// Every report format, parsed back by an independent parser, carries the engine's numbers.
@Suite struct RendererTests {
    let seed: SeededDatabase
    let report: UsageReport

    init() throws {
        seed = try SeededDatabase()
        report = try UsageReport.build(store: seed.store, days: Seed.days, groupings: [.day, .deployment], charts: true,
                                       now: Date(timeIntervalSince1970: 1_772_755_200.25))
    }

    @Test func jsonHasTheContractShape() throws {
        let text = JSONReportRenderer().render(report)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(object["from"] as? String == "2026-03-01")
        #expect(object["to"] as? String == "2026-03-03")
        #expect(object["generated_at"] as? String == "2026-03-06T00:00:00.250Z")
        let rows = try #require(object["rows"] as? [[String: Any]])
        #expect(rows.count == 12)
        let contract = ["calls", "requests", "succeeded", "failed", "error_rate", "throttled", "throttle_rate", "server_errors",
                        "input_tokens", "output_tokens", "cached_input_tokens", "cache_write_tokens", "reasoning_tokens", "cost_usd",
                        "latency_p50_ms", "latency_p95_ms", "latency_p99_ms", "ttft_p50_ms"]
        for row in rows {
            #expect(Set(row.keys) == Set(contract + ["day", "deployment", "unpriced_requests"]))
        }
        let gpt4o = try #require(rows.first { $0["day"] as? String == "2026-03-02" && $0["deployment"] as? String == "gpt-4o" })
        #expect(gpt4o["calls"] as? Int == 4)
        #expect(gpt4o["requests"] as? Int == 7)
        #expect(gpt4o["failed"] as? Int == 3)
        #expect(gpt4o["error_rate"] as? Double == 0.75)
        #expect(gpt4o["throttled"] as? Int == 6)
        #expect(gpt4o["cost_usd"] as? Double == 0.0175)
        #expect(gpt4o["latency_p95_ms"] as? Double == 600)
        let none = try #require(rows.first { $0["deployment"] is NSNull })
        #expect(none["cost_usd"] is NSNull)
        let totals = try #require(object["totals"] as? [String: Any])
        #expect(Set(totals.keys) == Set(contract + ["unpriced_requests"]))
        #expect(totals["calls"] as? Int == 17)
        #expect(totals["cost_usd"] as? Double == 1.58455)
        #expect(totals["latency_p99_ms"] as? Double == 30000)
        // Keys in the contract's order, grouping keys first.
        let firstRow = try #require(text.range(of: "\"day\"")).lowerBound
        #expect(text[firstRow...].firstRange(of: "\"deployment\"")!.lowerBound < text[firstRow...].firstRange(of: "\"calls\"")!.lowerBound)
    }

    @Test func csvParsesWithPythonsCSVModule() throws {
        let rows = try Python.parseCSV(CSVReportRenderer().render(report))
        #expect(rows.first == ["day", "deployment"] + UsageMetric.allCases.map(\.rawValue))
        #expect(rows.count == 13)
        let header = rows[0]
        let claude = try #require(rows.first { $0[0] == "2026-03-03" && $0[1] == "claude-sonnet-4-5" })
        func value(_ name: String) -> String { claude[header.firstIndex(of: name)!] }
        #expect(value("calls") == "1")
        #expect(value("input_tokens") == "250000")
        #expect(value("cost_usd") == "1.5225")
        #expect(value("ttft_p50_ms") == "2000.0")
        let none = try #require(rows.first { $0[1] == "" })
        #expect(none[header.firstIndex(of: "cost_usd")!] == "")
    }

    @Test func markdownIsATableWithTotals() throws {
        let text = MarkdownReportRenderer().render(report)
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines[0] == "## Usage 2026-03-01 to 2026-03-03 (UTC)")
        let tableLines = lines.filter { $0.hasPrefix("|") }
        #expect(tableLines.count == 2 + 12 + 1)
        #expect(tableLines.allSatisfy { $0.filter { $0 == "|" }.count == 2 + 17 + 1 })
        #expect(tableLines.last!.hasPrefix("| **total** |  | **17** | **23** | **7** | **41.2%** | **8** |"))
        #expect(tableLines.last!.contains("**$1.58\\***"))
    }

    @Test func htmlIsWellFormedSelfContainedAndCarriesTheFigures() throws {
        let html = HTMLReportRenderer().render(report)
        try Python.checkWellFormedXML(html)
        for forbidden in ["<script", "src=", "href=", "@import", "url("] {
            #expect(!html.contains(forbidden), "found \(forbidden)")
        }
        #expect(try Python.xmlTexts(html, path: ".//svg").count == 4)
        // The exact table holds every figure of the JSON, row by row.
        let cells = try Python.xmlTexts(html, path: ".//table[@class='exact']/tbody/tr/td")
        let width = 2 + UsageMetric.allCases.count
        #expect(cells.count == width * 13)
        let json = JSONReportRenderer().document(report)
        guard case .object(let members) = json, case .array(let rows)? = members.first(where: { $0.0 == "rows" })?.1 else {
            Issue.record("unexpected JSON")
            return
        }
        for (index, row) in rows.enumerated() {
            guard case .object(let fields) = row else { continue }
            let htmlRow = Array(cells[(index * width)..<((index + 1) * width)])
            for (offset, metric) in UsageMetric.allCases.enumerated() {
                let jsonValue = fields.first { $0.0 == metric.rawValue }!.1
                #expect(htmlRow[2 + offset] == HTMLReportRenderer.exact(jsonValue))
            }
        }
        #expect(cells[(12 * width)...].first == "total")
        #expect(cells[12 * width + 2] == "17")
        // The cost chart's bars name deployments and days; the latency chart has the p99 of claude.
        #expect(html.contains("03-03 · claude-sonnet-4-5: $1.52"))
        #expect(html.contains("claude-sonnet-4-5 · p99: 30000 ms"))
        #expect(html.contains("03-02 · 429 attempts: 6"))
    }

    @Test func tableHasUnitsTotalsAndColourOnlyWhenAsked() throws {
        let plain = TableReportRenderer(color: false).render(report)
        #expect(!plain.contains("\u{1B}["))
        let lines = plain.split(separator: "\n").map(String.init)
        #expect(lines[0] == "Usage 2026-03-01 to 2026-03-03 (UTC)")
        #expect(lines[1].hasPrefix("day         deployment"))
        #expect(lines.contains { $0.hasPrefix("2026-03-03  claude-sonnet-4-5") && $0.contains("250.0k") && $0.contains("$1.52") && $0.contains("8000 ms") })
        let total = try #require(lines.first { $0.hasPrefix("total") })
        #expect(total.contains("$1.58*"))
        #expect(total.contains("13.2k"))
        #expect(total.contains("41.2%"))
        #expect(lines.last!.hasPrefix("* 2 attempts have tokens but no price"))
        // Every line of the table is as wide as the header, numbers right-aligned.
        let width = lines[1].count
        #expect(lines[2..<14].allSatisfy { $0.count == width })

        let coloured = TableReportRenderer(color: true).render(report)
        #expect(coloured.contains("\u{1B}[1m"))
        #expect(coloured.contains("\u{1B}[31m"))
        let stripped = coloured.replacingOccurrences(of: "\u{1B}\\[[0-9]+m", with: "", options: .regularExpression)
        #expect(stripped == plain)
    }

    @Test func humanUnits() {
        #expect(Units.dollars(1234.5) == "$1,234.50")
        #expect(Units.dollars(0.004) == "<$0.01")
        #expect(Units.dollars(nil) == "—")
        #expect(Units.tokens(999) == "999")
        #expect(Units.tokens(12_345) == "12.3k")
        #expect(Units.tokens(999_960) == "1.0M")
        #expect(Units.tokens(4_500_000) == "4.5M")
        #expect(Units.percent(3.0 / 7) == "42.9%")
        #expect(Units.milliseconds(1234.4) == "1234 ms")
    }
}
