import Foundation
import MeterbookTestSupport
import Testing
@testable import Meterbook

/// Every file in queries/ runs against the seed, and its numbers are asserted.
@Suite struct QueryFileTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("queries")

    let seed: SeededDatabase

    init() throws {
        seed = try SeededDatabase()
    }

    func run(_ name: String, _ parameters: [String: String] = [:]) throws -> [[String: JSONNode]] {
        let file = try QueryFile.load(Self.folder.appendingPathComponent(name + ".sql").path)
        var all = ["from": "2026-03-01", "to": "2026-03-03"]
        all.merge(parameters) { _, new in new }
        let takes = Set(file.parameters.map(\.name))
        let result = try QueryRunner.run(file, parameters: all.filter { takes.contains($0.key) }, store: seed.store)
        return result.rows.map { Dictionary(uniqueKeysWithValues: zip(result.columns, $0)) }
    }

    @Test func everyQueryDeclaresItsParametersAndTitle() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.folder.path).filter { $0.hasSuffix(".sql") }.sorted()
        #expect(files == [
            "cache-hit-ratio-by-deployment.sql", "call-attempts.sql", "cost-by-deployment-per-day.sql", "cost-by-tag.sql",
            "errors-by-code.sql", "p95-latency-by-deployment-hour.sql", "slowest-calls.sql", "throttle-bursts-by-minute.sql",
            "top-deployments-by-cost.sql",
        ])
        for name in files {
            let file = try QueryFile.load(Self.folder.appendingPathComponent(name).path)
            #expect(!file.title.isEmpty, "\(name) has no title")
            #expect(!file.parameters.isEmpty, "\(name) declares no parameters")
        }
    }

    @Test func costByDeploymentPerDay() throws {
        let rows = try run("cost-by-deployment-per-day")
        #expect(rows.count == 12)
        #expect(rows[0]["day"] == .string("2026-03-01"))
        #expect(rows[0]["deployment"] == .string("gpt-4o"))
        #expect(rows[0]["calls"] == .integer(2))
        #expect(rows[0]["requests"] == .integer(3))
        #expect(rows[0]["cost_usd"] == .number(0.02225))
        let day3Claude = try #require(rows.first { $0["day"] == .string("2026-03-03") && $0["deployment"] == .string("claude-sonnet-4-5") })
        #expect(day3Claude["cost_usd"] == .number(1.5225))
        #expect(day3Claude["input_tokens"] == .integer(250_000))
        #expect(rows.contains { $0["deployment"] == .null && $0["cost_usd"] == .null && $0["calls"] == .integer(1) })
    }

    @Test func topDeploymentsByCost() throws {
        let rows = try run("top-deployments-by-cost", ["limit": "3"])
        #expect(rows.map { $0["deployment"] } == [.string("claude-sonnet-4-5"), .string("gpt-4o"), .string("gpt-4.1-mini")])
        #expect(rows.map { $0["cost_usd"] } == [.number(1.5348), .number(0.03975), .number(0.01)])
        #expect(rows.map { $0["calls"] } == [.integer(4), .integer(7), .integer(3)])
        let all = try run("top-deployments-by-cost")
        #expect(all.count == 6)
        #expect(all.first { $0["deployment"] == .string("mystery-model") }?["unpriced_requests"] == .integer(1))
    }

    @Test func throttleBurstsByMinute() throws {
        let rows = try run("throttle-bursts-by-minute")
        #expect(rows.count == 1)
        #expect(rows[0]["minute"] == .string("2026-03-02 09:30"))
        #expect(rows[0]["deployment"] == .string("gpt-4o"))
        #expect(rows[0]["throttled"] == .integer(6))
        #expect(rows[0]["calls"] == .integer(3))
        #expect(rows[0]["max_retry_after_ms"] == .integer(1000))
        #expect(try run("throttle-bursts-by-minute", ["min_429": "1"]).count == 3)
    }

    @Test func p95LatencyByDeploymentAndHourMatchesTheReport() throws {
        let rows = try run("p95-latency-by-deployment-hour")
        let burst = try #require(rows.first { $0["hour"] == .string("2026-03-02 09:00") && $0["deployment"] == .string("gpt-4o") })
        #expect(burst["attempts"] == .integer(7))
        #expect(burst["latency_p95_ms"] == .number(600))
        let retries = try #require(rows.first { $0["hour"] == .string("2026-03-01 11:00") })
        #expect(retries["attempts"] == .integer(3))
        #expect(retries["latency_p95_ms"] == .number(300))
        // The same figure from the report engine, grouped the same way.
        let report = try UsageReport.build(store: seed.store, days: DayRange(from: Seed.day2, to: Seed.day2), groupings: [.hour, .deployment])
        let engine = try #require(report.rows.first { $0.keys["hour"] == "2026-03-02T09:00Z" && $0.keys["deployment"] == "gpt-4o" })
        #expect(engine.latencyP95Ms == 600)
        #expect(rows.count == 12)
    }

    @Test func slowestCalls() throws {
        let rows = try run("slowest-calls", ["limit": "4"])
        #expect(rows.map { $0["call_id"] } == ["c11", "c14", "c13", "c03"].map { .string(Seed.callID($0)) })
        #expect(rows.map { $0["duration_ms"] } == [.number(30000), .number(8000), .number(5000), .number(3250)])
        #expect(rows.map { $0["final_outcome"] } == [.string("transport_error"), .string("ok"), .string("ok"), .string("http_error")])
        #expect(rows[3]["attempts"] == .integer(3))
    }

    @Test func errorsByCode() throws {
        let rows = try run("errors-by-code")
        let summary = rows.map { row -> String in
            guard case .integer(let status) = row["status"], case .string(let error) = row["error"],
                  case .integer(let attempts) = row["attempts"], case .integer(let calls) = row["calls"] else { return "?" }
            return "\(status) \(error) \(attempts)/\(calls)"
        }
        #expect(summary == ["429 RateLimitReached 8/5", "503 ServiceUnavailable 2/1", "0 timeout 1/1", "200 overloaded_error 1/1",
                            "404 DeploymentNotFound 1/1", "500 InternalServerError 1/1"])
        #expect(rows[0]["last_seen"] == .string("2026-03-03 23:59:59"))
    }

    @Test func cacheHitRatioByDeployment() throws {
        let rows = try run("cache-hit-ratio-by-deployment")
        #expect(rows.map { $0["deployment"] } == ["gpt-4.1-mini", "gpt-4o", "claude-sonnet-4-5", "mystery-model", "text-embedding-3-small"].map { .string($0) })
        #expect(rows.map { $0["cache_hit_ratio"] } == [.number(0.7273), .number(0.3143), .number(0.0118), .number(0), .number(0)])
        #expect(rows[2]["cache_write_tokens"] == .integer(1000))
        #expect(rows[2]["input_tokens"] == .integer(254_300))
    }

    @Test func costByTag() throws {
        let byApp = try run("cost-by-tag")
        #expect(byApp.map { $0["tag_value"] } == [.string("web"), .string("batch"), .null, .string("search")])
        #expect(byApp.map { $0["calls"] } == [.integer(11), .integer(4), .integer(1), .integer(1)])
        #expect(byApp[0]["cost_usd"] == .number(1.57455))
        #expect(byApp[1]["cost_usd"] == .number(0.01))
        let byTeam = try run("cost-by-tag", ["tag": "team"])
        #expect(byTeam.map { $0["tag_value"] } == [.string("assist"), .string("search"), .null])
        #expect(byTeam.map { $0["cost_usd"] } == [.number(1.5348), .number(0.03975), .number(0.01)])
    }

    @Test(arguments: [("req-c02-1", "c02"), ("chatcmpl-c02", "c02"), ("apim-c02-2", "c02"), ("req_011c12", "c12"), ("00000000-0000-4000-8000-000000000c03", "c03")])
    func callAttempts(id: String, call: String) throws {
        let rows = try run("call-attempts", ["id": id])
        let expected = Seed.attempts.filter { $0.callID == Seed.callID(call) }
        #expect(rows.map { $0["attempt"] } == expected.map { .integer(Int64($0.attempt)) })
        #expect(rows.map { $0["status"] } == expected.map { .integer(Int64($0.status)) })
        #expect(try run("call-attempts", ["id": "no-such-id"]).isEmpty)
    }

    @Test func parametersAreCheckedAndBoundByType() throws {
        let file = try QueryFile.load(Self.folder.appendingPathComponent("call-attempts.sql").path)
        let missing = try #require(throws: ReportInputError.self) { try QueryRunner.run(file, parameters: [:], store: seed.store) }
        #expect(missing.message.hasSuffix("call-attempts.sql needs --param id=VALUE."))
        let unknown = try #require(throws: ReportInputError.self) {
            try QueryRunner.run(file, parameters: ["id": "x", "limt": "3"], store: seed.store)
        }
        #expect(unknown.message.hasSuffix("call-attempts.sql has no parameter limt: it takes id."))
        let today = UTCDay(iso: "2026-03-03")!
        #expect(QueryRunner.bindable("-2d", today: today) as? String == "2026-03-01")
        #expect(QueryRunner.bindable("yesterday", today: today) as? String == "2026-03-02")
        #expect(QueryRunner.bindable("2026-03-01", today: today) as? String == "2026-03-01")
        #expect(QueryRunner.bindable("10", today: today) as? Int64 == 10)
        #expect(QueryRunner.bindable("-5", today: today) as? Int64 == -5)
        #expect(QueryRunner.bindable("0.5", today: today) as? Double == 0.5)
        #expect(QueryRunner.bindable("gpt-4o", today: today) as? String == "gpt-4o")
    }

    @Test func writesAndSeveralStatementsAreRefused() throws {
        let write = try QueryFile.parse("DELETE FROM requests", path: "delete.sql")
        let refused = try #require(throws: QueryError.self) { try QueryRunner.run(write, parameters: [:], store: seed.store) }
        #expect(refused.message == "delete.sql is not a read-only query: meterbook query runs SELECT statements only.")
        let two = try QueryFile.parse("SELECT 1; SELECT 2;", path: "two.sql")
        #expect(throws: QueryError.self) { try QueryRunner.run(two, parameters: [:], store: seed.store) }
        #expect(try seed.store.count() == Seed.attempts.count)
    }
}
