import Foundation
import MeterbookTestSupport
import Testing
@testable import Meterbook

/// Every panel of the Grafana dashboards in dashboards/ runs against the seed with Grafana's variables and the
/// SQLite plugin's macros substituted, and returns the numbers the seed implies.
@Suite struct DashboardTests {
    let seed: SeededDatabase
    let overview: GrafanaDashboard
    let investigation: GrafanaDashboard

    /// The three seeded days as Grafana's picker gives them: from midnight to 23:59:59.999, epoch ms.
    static let fromMs = Seed.day1.startMs
    static let toMs = Seed.day4.startMs - 1

    init() throws {
        seed = try SeededDatabase()
        let all = try GrafanaDashboard.all()
        overview = try #require(all["meterbook-overview.json"])
        investigation = try #require(all["meterbook-investigation.json"])
    }

    func run(_ dashboard: GrafanaDashboard, _ panel: String, fromMs: Int64 = fromMs, toMs: Int64 = toMs,
             _ values: [String: [String]] = [:]) throws -> [[String: JSONNode]] {
        try dashboard.run(dashboard.target(panel), fromMs: fromMs, toMs: toMs, values: values, store: seed.store)
    }

    /// Each row's value of `column`, as numbers (NULL as nil).
    func numbers(_ rows: [[String: JSONNode]], _ column: String) -> [Double?] {
        rows.map { row in
            switch row[column] {
            case .integer(let value)?: return Double(value)
            case .number(let value)?: return value
            default: return nil
            }
        }
    }

    func day(_ day: UTCDay) -> JSONNode { .integer(day.startMs / 1000) }

    @Test func theDashboardsAndTheirPanels() throws {
        #expect(try GrafanaDashboard.all().keys.sorted() == ["meterbook-investigation.json", "meterbook-overview.json"])
        #expect(overview.uid == "meterbook-overview")
        #expect(overview.targets.map(\.panel) == [
            "Totals", "Cost per deployment per day (USD)", "Calls, failed calls, 429s and 5xx per $bucket",
            "Error rate and throttle rate per $bucket", "Latency p50 / p95 / p99 per deployment", "Tokens in / out / cached per $bucket",
            "Cache hit ratio per deployment", "Top error codes", "Report by deployment",
        ])
        #expect(investigation.targets.map(\.panel) == [
            "Attempts of call ${request_id}", "Slowest calls", "429 bursts (at least $min_429 in a minute)", "429s per minute",
        ])
        #expect(overview.variables.map(\.name) == ["datasource", "deployment", "endpoint", "bucket"])
        #expect(investigation.variables.map(\.name) == ["datasource", "request_id", "deployment", "endpoint", "min_429"])
        for dashboard in [overview, investigation] {
            for datasource in dashboard.datasources {
                #expect(datasource == ["type": "frser-sqlite-datasource", "uid": "${datasource}"], "\(dashboard.path)")
            }
        }
    }

    @Test func everyPanelRunsAndTimeSeriesAreLongFramesSortedByTime() throws {
        for dashboard in [overview, investigation] {
            for target in dashboard.targets {
                let rows = try dashboard.run(target, fromMs: Self.fromMs, toMs: Self.toMs, values: ["request_id": ["req-c02-1"]], store: seed.store)
                #expect(!rows.isEmpty, "\(target.panel) returned nothing over the seed")
                #expect(target.timeColumns == ["time"])
                if target.queryType == "time series" {
                    #expect(target.panelType == "timeseries")
                    // The plugin's long-to-wide conversion needs the time column first in ascending order.
                    let times = numbers(rows, "time").map { $0 ?? -1 }
                    #expect(times == times.sorted(), "\(target.panel)")
                    #expect(times.allSatisfy { $0 >= Double(Self.fromMs / 1000) && $0 <= Double(Self.toMs / 1000) })
                } else {
                    #expect(target.queryType == "table")
                }
                // Bound to Grafana's time picker, except the call lookup, which finds a call on any day.
                if target.panel != "Attempts of call ${request_id}" {
                    #expect(target.sql.contains("started_at >= $__from AND started_at <= $__to"), "\(target.panel)")
                }
            }
        }
    }

    @Test func totals() throws {
        let rows = try run(overview, "Totals")
        #expect(rows.count == 1)
        let row = rows[0]
        #expect(row["calls"] == .integer(17))
        #expect(row["requests"] == .integer(23))
        #expect(row["failed"] == .integer(7))
        #expect(row["error_rate"] == .number(7.0 / 17))
        #expect(row["throttled"] == .integer(8))
        #expect(row["throttle_rate"] == .number(8.0 / 23))
        #expect(row["server_errors"] == .integer(3))
        #expect(row["input_tokens"] == .integer(272_850))
        #expect(abs((numbers(rows, "cost_usd")[0] ?? 0) - 1.58455) < 1e-9)
        // One day: only its attempts. No attempts at all: zero calls, no cost.
        let day2 = try run(overview, "Totals", fromMs: Seed.day2.startMs, toMs: Seed.day3.startMs - 1)
        #expect(day2[0]["calls"] == .integer(7))
        #expect(day2[0]["throttled"] == .integer(6))
        let empty = try run(overview, "Totals", fromMs: 0, toMs: 1000)
        #expect(empty[0]["calls"] == .integer(0))
        #expect(empty[0]["cost_usd"] == .null)
    }

    @Test func theTimeRangeIncludesItsLastMillisecond() throws {
        // c15's first attempt is at 23:59:59.500 on day 3 and its retry at 00:00:00.500 on day 4.
        let day3 = try run(overview, "Totals", fromMs: Seed.day3.startMs, toMs: Seed.day4.startMs - 1)
        #expect(day3[0]["requests"] == .integer(5))
        let day4 = try run(overview, "Totals", fromMs: Seed.day4.startMs, toMs: Seed.day4.startMs + 86_400_000 - 1)
        #expect(day4[0]["requests"] == .integer(1))
        #expect(day4[0]["cost_usd"] == .number(0.00035))
    }

    @Test func costPerDeploymentPerDay() throws {
        let rows = try run(overview, "Cost per deployment per day (USD)")
        #expect(rows.count == 12)
        let day1GPT = try #require(rows.first { $0["time"] == day(Seed.day1) && $0["deployment"] == .string("gpt-4o") })
        #expect(day1GPT["cost_usd"] == .number(0.02225))
        let day3Claude = try #require(rows.first { $0["time"] == day(Seed.day3) && $0["deployment"] == .string("claude-sonnet-4-5") })
        #expect(day3Claude["cost_usd"] == .number(1.5225))
        // Unpriced deployments chart as 0 rather than a gap; the 404 without a deployment is "(none)".
        #expect(rows.contains { $0["deployment"] == .string("(none)") && $0["cost_usd"] == .number(0) })
        #expect(Set(rows.compactMap { $0["time"] }.map { $0.render(pretty: false) }) == Set([Seed.day1, Seed.day2, Seed.day3].map { day($0).render(pretty: false) }))
    }

    @Test func callsFailuresAndThrottlesOverTime() throws {
        let daily = try run(overview, "Calls, failed calls, 429s and 5xx per $bucket", ["bucket": ["86400"]])
        #expect(daily.map { $0["time"] } == [day(Seed.day1), day(Seed.day2), day(Seed.day3)])
        #expect(numbers(daily, "calls") == [5, 7, 5])
        #expect(numbers(daily, "failed") == [1, 5, 1])
        #expect(numbers(daily, "throttled") == [1, 6, 1])
        #expect(numbers(daily, "server_errors") == [3, 0, 0])
        // The default bucket is an hour: the burst hour on day 2 holds c06 and the three throttled calls.
        let hourly = try run(overview, "Calls, failed calls, 429s and 5xx per $bucket")
        let burst = try #require(hourly.first { $0["time"] == .integer(Seed.at(Seed.day2, "09:00:00") / 1000) })
        #expect(burst["calls"] == .integer(4))
        #expect(burst["throttled"] == .integer(6))
        #expect(numbers(hourly, "calls").compactMap { $0 }.reduce(0, +) == 17)

        let rates = try run(overview, "Error rate and throttle rate per $bucket", ["bucket": ["86400"]])
        let errorRates: [Double?] = [1.0 / 5, 5.0 / 7, 1.0 / 5]
        let throttleRates: [Double?] = [1.0 / 8, 6.0 / 10, 1.0 / 5]
        #expect(numbers(rates, "error_rate") == errorRates)
        #expect(numbers(rates, "throttle_rate") == throttleRates)
    }

    @Test func latencyPercentilesPerDeployment() throws {
        let rows = try run(overview, "Latency p50 / p95 / p99 per deployment")
        let mini = try #require(rows.first { $0["deployment"] == .string("gpt-4.1-mini") })
        // 200, 250, 300, 700, 5000: nearest ranks 3, 5, 5.
        #expect(numbers([mini], "latency_p50_ms") == [300])
        #expect(numbers([mini], "latency_p95_ms") == [5000])
        #expect(numbers([mini], "latency_p99_ms") == [5000])
        let claude = try #require(rows.first { $0["deployment"] == .string("claude-sonnet-4-5") })
        // 1200, 2000, 8000, 30000: nearest ranks 2, 4, 4.
        #expect(numbers([claude], "latency_p50_ms") == [2000])
        #expect(numbers([claude], "latency_p95_ms") == [30000])
        #expect(rows.first?["deployment"] == .string("claude-sonnet-4-5"))
        #expect(rows.count == 6)
    }

    @Test func tokensAndCacheHitRatio() throws {
        let tokens = try run(overview, "Tokens in / out / cached per $bucket", ["bucket": ["86400"]])
        #expect(numbers(tokens, "input_tokens") == [7600, 14_200, 251_050])
        #expect(numbers(tokens, "output_tokens") == [2000, 3050, 4000])
        #expect(numbers(tokens, "cached_input_tokens") == [3200, 10_000, 0])

        let ratio = try run(overview, "Cache hit ratio per deployment")
        #expect(ratio.map { $0["deployment"] } == ["gpt-4.1-mini", "gpt-4o", "claude-sonnet-4-5", "mystery-model", "text-embedding-3-small"].map { .string($0) })
        #expect(ratio.map { $0["cache_hit_ratio"] } == [.number(0.7273), .number(0.3143), .number(0.0118), .number(0), .number(0)])
        #expect(ratio[2]["input_tokens"] == .integer(254_300))
    }

    @Test func topErrorCodes() throws {
        let rows = try run(overview, "Top error codes")
        let summary = rows.map { row -> String in
            guard case .integer(let status) = row["status"], case .string(let error) = row["error"],
                  case .integer(let attempts) = row["attempts"], case .integer(let calls) = row["calls"] else { return "?" }
            return "\(status) \(error) \(attempts)/\(calls)"
        }
        #expect(summary == ["429 RateLimitReached 8/5", "503 ServiceUnavailable 2/1", "0 timeout 1/1", "200 overloaded_error 1/1",
                            "404 DeploymentNotFound 1/1", "500 InternalServerError 1/1"])
        #expect(rows[0]["time"] == .number(Double(Seed.at(Seed.day3, "23:59:59.500")) / 1000))
    }

    @Test func deploymentAndEndpointVariablesFilterEveryFigure() throws {
        let gpt = try run(overview, "Totals", ["deployment": ["gpt-4o"]])
        #expect(gpt[0]["calls"] == .integer(7))
        #expect(gpt[0]["throttled"] == .integer(8))
        #expect(abs((numbers(gpt, "cost_usd")[0] ?? 0) - 0.03975) < 1e-12)
        let two = try run(overview, "Report by deployment", ["deployment": ["gpt-4o", "gpt-4.1-mini"]])
        #expect(two.map { $0["deployment"] } == [.string("gpt-4o"), .string("gpt-4.1-mini")])
        let west = try run(overview, "Totals", ["endpoint": [Seed.westEndpoint]])
        #expect(west[0]["calls"] == .integer(1))
        let none = try run(overview, "Totals", ["deployment": ["(none)"]])
        #expect(none[0]["calls"] == .integer(1))
        #expect(none[0]["failed"] == .integer(1))
        // "All" is what each variable's own query lists over the range.
        let deployments = try run(overview, "Report by deployment").compactMap { row -> String? in
            if case .string(let name) = row["deployment"] { return name }
            return nil
        }
        #expect(deployments.sorted() == ["(none)", "claude-sonnet-4-5", "gpt-4.1-mini", "gpt-4o", "mystery-model", "text-embedding-3-small"])
    }

    @Test(arguments: [("req-c02-1", "c02"), ("chatcmpl-c02", "c02"), ("apim-c02-2", "c02"), ("req_011c12", "c12"), ("00000000-0000-4000-8000-000000000c15", "c15")])
    func attemptsOfOneCallByAnyID(id: String, call: String) throws {
        let rows = try run(investigation, "Attempts of call ${request_id}", ["request_id": [id]])
        let expected = Seed.attempts.filter { $0.callID == Seed.callID(call) }
        #expect(rows.map { $0["attempt"] } == expected.map { .integer(Int64($0.attempt)) })
        #expect(rows.map { $0["status"] } == expected.map { .integer(Int64($0.status)) })
        #expect(rows.map { $0["final"] } == expected.map { .integer($0.final ? 1 : 0) })
        #expect(rows.map { $0["time"] } == expected.map { .number(Double($0.startedAt) / 1000) })
    }

    @Test func aRequestIDIsQuotedAsSQLText() throws {
        #expect(try run(investigation, "Attempts of call ${request_id}", ["request_id": ["x' OR '1'='1"]]).isEmpty)
        #expect(try run(investigation, "Attempts of call ${request_id}", ["request_id": [""]]).isEmpty)
        #expect(try run(investigation, "Attempts of call ${request_id}", ["request_id": ["no-such-id"]]).isEmpty)
    }

    @Test func slowestCallsAndThrottleBursts() throws {
        let slowest = try run(investigation, "Slowest calls")
        #expect(slowest.prefix(4).map { $0["call_id"] } == ["c11", "c14", "c13", "c03"].map { .string(Seed.callID($0)) })
        #expect(numbers(Array(slowest.prefix(4)), "duration_ms") == [30000, 8000, 5000, 3250])
        #expect(slowest.prefix(4).map { $0["final_outcome"] } == [.string("transport_error"), .string("ok"), .string("ok"), .string("http_error")])
        #expect(slowest.count == 17)

        let bursts = try run(investigation, "429 bursts (at least $min_429 in a minute)")
        #expect(bursts.count == 1)
        #expect(bursts[0]["time"] == .integer(Seed.at(Seed.day2, "09:30:00") / 1000))
        #expect(bursts[0]["deployment"] == .string("gpt-4o"))
        #expect(bursts[0]["throttled"] == .integer(6))
        #expect(bursts[0]["calls"] == .integer(3))
        #expect(bursts[0]["max_retry_after_ms"] == .integer(1000))
        #expect(try run(investigation, "429 bursts (at least $min_429 in a minute)", ["min_429": ["1"]]).count == 3)

        let perMinute = try run(investigation, "429s per minute")
        #expect(numbers(perMinute, "throttled") == [1, 6, 1])
    }

    @Test func grafanaVariablesAndPluginMacrosAreSubstitutedAsTheyAre() throws {
        let sql = "SELECT $__unixEpochGroupSeconds(started_at / 1000, $bucket) AS time WHERE d IN (${d:singlequote}) AND id = ${id:sqlstring} AND t <= $__to AND f >= ${__from}"
        let interpolated = try GrafanaDashboard.interpolate(sql, fromMs: 5, toMs: 9, values: ["bucket": ["60"], "d": ["a", "b'c"], "id": ["x'y"]])
        #expect(interpolated == "SELECT $__unixEpochGroupSeconds(started_at / 1000, 60) AS time WHERE d IN ('a','b\\'c') AND id = 'x''y' AND t <= 9 AND f >= 5")
        #expect(try GrafanaDashboard.applyMacros(interpolated)
            == "SELECT cast((started_at / 1000 / 60) as int) * 60 AS time WHERE d IN ('a','b\\'c') AND id = 'x''y' AND t <= 9 AND f >= 5")
        #expect(throws: QueryError.self) { try GrafanaDashboard.applyMacros("SELECT $__timeGroup(started_at, 1h)") }
        // A variable the dashboard does not define stays in the SQL, and the run refuses it.
        var dashboard = overview
        dashboard.targets = [GrafanaDashboard.Target(panel: "typo", panelType: "table", refID: "A", sql: "SELECT $deploymnt", queryType: "table", timeColumns: [])]
        #expect(throws: QueryError.self) {
            try dashboard.run(dashboard.targets[0], fromMs: 0, toMs: 1, store: seed.store)
        }
    }
}
