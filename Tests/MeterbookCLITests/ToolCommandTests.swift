import Foundation
import Meterbook
import MeterbookTestSupport
import Testing

/// export, trace, check, prices, reprice and query end to end.
@Suite struct ToolCommandTests {
    let seed: SeededDatabase

    init() throws {
        seed = try SeededDatabase()
    }

    var db: [String] { ["--db", seed.path] }
    var range: [String] { ["--from", "2026-03-01", "--to", "2026-03-03"] }

    @Test func exportToStdoutAndToAFile() async throws {
        let csv = try await CLI.run(["export"] + db + range)
        #expect(csv.status == 0)
        #expect(csv.stderr.isEmpty)
        let rows = try Python.parseCSV(csv.stdout)
        #expect(rows.count == 24)
        #expect(rows[0] == AttemptExport.columns)

        let out = seed.file("throttled.ndjson")
        let ndjson = try await CLI.run(["export", "--format", "ndjson", "--status", "429", "--out", out] + db + range)
        #expect(ndjson.status == 0)
        #expect(ndjson.stderr == "Exported 8 attempts from 2026-03-01 to 2026-03-03 (UTC) to \(out).\n")
        let lines = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 8)
        for line in lines {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(object["status"] as? Int == 429)
        }
        let filtered = try await CLI.run(["export", "--deployment", "gpt-4.1-mini", "--outcome", "http_error"] + db + range)
        #expect(try Python.parseCSV(filtered.stdout).count == 1 + 3)
    }

    @Test func traceByEachIDKind() async throws {
        for (id, column) in [(Seed.callID("c02"), "call_id"), ("chatcmpl-c02", "response_id"), ("req-c02-1", "request_id"),
                             ("apim-c02-2", "apim_request_id"), ("req_011c04", "upstream_request_id")] {
            let text = try await CLI.run(["trace", id] + db)
            #expect(text.status == 0)
            #expect(text.stdout.hasPrefix("Call "))
            let json = try await CLI.run(["trace", id, "--format", "json"] + db)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
            #expect(object["matched_column"] as? String == column)
        }
        let missing = try await CLI.run(["trace", "resp_unknown"] + db)
        #expect(missing.status == 1)
        #expect(missing.stdout.isEmpty)
        #expect(missing.stderr == "meterbook: No attempt has call_id, response_id, request_id, apim_request_id or upstream_request_id = 'resp_unknown' in the database \(seed.path), which holds attempts from 2026-03-01 to 2026-03-04 (UTC): check the ID, or --db if it was recorded elsewhere.\n")
    }

    @Test func checkExitsThreeWithTheRowsThatCrossed() async throws {
        let crossed = try await CLI.run(["check", "--max-error-rate", "5%", "--max-throttle-rate", "10%", "--max-daily-cost", "200"] + db + range)
        #expect(crossed.status == 3)
        let lines = crossed.stdout.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        #expect(lines[0] == ["day", "deployment", "crossed", "value", "limit", "calls", "reqs"])
        #expect(lines.contains(["2026-03-02", "gpt-4o", "error_rate", "75.0%", "5.0%", "4", "7"]))
        #expect(lines.contains(["2026-03-02", "gpt-4o", "throttle_rate", "85.7%", "10.0%", "4", "7"]))
        #expect(lines.count == 1 + 7)
        #expect(crossed.stderr == "meterbook: 7 thresholds crossed from 2026-03-01 to 2026-03-03 (UTC).\n")

        let fine = try await CLI.run(["check", "--max-daily-cost", "$2", "--per", "overall"] + db + range)
        #expect(fine.status == 0)
        #expect(fine.stdout == "OK: 3 days from 2026-03-01 to 2026-03-03 (UTC) within thresholds.\n")

        let json = try await CLI.run(["check", "--max-p95-ms", "5s", "--format", "json"] + db + range)
        #expect(json.status == 3)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect((object["crossed"] as? [Any])?.count == 2)
    }

    @Test func pricesShowConfigOverridesAndRepriceApplies() async throws {
        let builtIn = try await CLI.run(["prices", "--format", "json"] + db)
        #expect(builtIn.status == 0)
        let prices = try #require((try JSONSerialization.jsonObject(with: Data(builtIn.stdout.utf8)) as? [String: Any])?["prices"] as? [[String: Any]])
        #expect(prices.count == PriceTable.builtinPrices.count)
        #expect(prices.allSatisfy { $0["source"] as? String == "built-in" })

        // meterbook.toml beside the database is picked up without --config.
        try Data("""
            [prices."gpt-4o"]
            input = 2.0
            cached_input = 1.0
            output = 8.0
            """.utf8).write(to: URL(fileURLWithPath: seed.file("meterbook.toml")))
        let configured = try await CLI.run(["prices"] + db)
        #expect(configured.stdout.contains("Overrides: \(seed.file("meterbook.toml"))"))
        #expect(configured.stdout.split(separator: "\n").contains { $0.hasPrefix("gpt-4o ") && $0.hasSuffix("config") })

        let dry = try await CLI.run(["reprice", "--from", "2026-03-01", "--to", "2026-03-03", "--dry-run"] + db)
        #expect(dry.status == 0)
        #expect(dry.stdout == "Would reprice 23 attempts from 2026-03-01 to 2026-03-03 (UTC): 3 would change; cost $1.58 → $1.58.\n")
        let applied = try await CLI.run(["reprice", "--from", "2026-03-01", "--to", "2026-03-03"] + db)
        #expect(applied.stdout == "Repriced 23 attempts from 2026-03-01 to 2026-03-03 (UTC): 3 changed; cost $1.58 → $1.58.\n")
        let again = try await CLI.run(["reprice", "--from", "2026-03-01", "--to", "2026-03-03"] + db)
        #expect(again.stdout.contains(": 0 changed;"))
        let report = try await CLI.run(["report", "--format", "json", "--deployment", "gpt-4o"] + db + range)
        let totals = try #require((try JSONSerialization.jsonObject(with: Data(report.stdout.utf8)) as? [String: Any])?["totals"] as? [String: Any])
        #expect(totals["cost_usd"] as? Double == 0.0318)

        let missingConfig = try await CLI.run(["prices", "--config", seed.file("nope.toml")] + db)
        #expect(missingConfig.status == 1)
        #expect(missingConfig.stderr.contains("No config file at"))
    }

    @Test func queryFilesInEveryFormat() async throws {
        let table = try await CLI.run(["query", QueryPaths.file("top-deployments-by-cost"), "--param", "from=2026-03-01", "--param", "to=2026-03-03", "--param", "limit=2"] + db)
        #expect(table.status == 0, "\(table.stderr)")
        let lines = table.stdout.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        #expect(lines[0] == ["deployment", "cost_usd", "calls", "requests", "unpriced_requests"])
        #expect(lines[1] == ["claude-sonnet-4-5", "1.5348", "4", "4", "0"])
        #expect(lines.last == ["(2", "rows)"])

        let json = try await CLI.run(["query", QueryPaths.file("throttle-bursts-by-minute"), "--format", "json", "--param", "from=2026-03-01", "--param", "to=2026-03-03"] + db)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["columns"] as? [String] == ["minute", "deployment", "throttled", "calls", "max_retry_after_ms"])
        #expect((object["rows"] as? [[String: Any]])?.first?["throttled"] as? Int == 6)

        // A bare name is looked up in ./queries/; day parameters take -Nd.
        let root = QueryPaths.folder.deletingLastPathComponent()
        let csv = try await CLI.run(["query", "errors-by-code", "--format", "csv", "--param", "from=-10000d"] + db, directory: root)
        #expect(csv.status == 0, "\(csv.stderr)")
        let rows = try Python.parseCSV(csv.stdout)
        #expect(rows[0] == ["status", "outcome", "error", "attempts", "calls", "deployments", "last_seen"])
        #expect(rows[1].prefix(5) == ["429", "http_error", "RateLimitReached", "8", "5"])

        let missing = try await CLI.run(["query", "no-such-query"] + db)
        #expect(missing.status == 1)
        #expect(missing.stderr == "meterbook: No query file at no-such-query: give the path of a .sql file, e.g. queries/cost-by-deployment-per-day.sql.\n")
    }
}
