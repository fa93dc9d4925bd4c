import Foundation
import MeterbookTestSupport
import Testing
@testable import Meterbook

@Suite struct CheckAndRepriceTests {
    let seed: SeededDatabase

    init() throws {
        seed = try SeededDatabase()
    }

    func check(_ thresholds: UsageThresholds, scope: ThresholdCheck.Scope = .deployment) throws -> ThresholdCheck.Result {
        try ThresholdCheck(days: Seed.days, thresholds: thresholds, scope: scope).run(on: seed.store)
    }

    @Test func errorRateCrossingsPerDeploymentAndDay() throws {
        let result = try check(UsageThresholds(maxErrorRate: 0.5))
        #expect(!result.passed)
        #expect(result.rowsChecked == 12)
        #expect(result.crossings.map { "\($0.day) \($0.deployment ?? "-") \($0.metric) \($0.value)" } == [
            "2026-03-01 gpt-4.1-mini error_rate 1.0",
            "2026-03-02 gpt-4o error_rate 0.75",
            "2026-03-02 claude-sonnet-4-5 error_rate 1.0",
            "2026-03-03 - error_rate 1.0",
        ])
        #expect(result.text().contains("2026-03-02  gpt-4o             error_rate   75.0%  50.0%      4     7"))
    }

    @Test func dailyCostThrottleAndP95() throws {
        let cost = try check(UsageThresholds(maxDailyCost: 1))
        #expect(cost.crossings.map { "\($0.day) \($0.deployment ?? "-") \($0.value)" } == ["2026-03-03 claude-sonnet-4-5 1.5225"])
        let overall = try check(UsageThresholds(maxDailyCost: 1), scope: .overall)
        #expect(overall.crossings.count == 1)
        #expect(overall.crossings[0].deployment == nil)
        #expect(abs(overall.crossings[0].value - 1.5277) < 1e-12)
        #expect(overall.rowsChecked == 3)

        let throttle = try check(UsageThresholds(maxThrottleRate: 0.5))
        #expect(throttle.crossings.map(\.day) == ["2026-03-02", "2026-03-03"])
        #expect(throttle.crossings.map(\.value) == [6.0 / 7, 1.0])

        let p95 = try check(UsageThresholds(maxP95Ms: 5000))
        #expect(p95.crossings.map { "\($0.day) \($0.deployment ?? "-") \($0.value)" } == [
            "2026-03-02 claude-sonnet-4-5 30000.0", "2026-03-03 claude-sonnet-4-5 8000.0",
        ])
        let enoughCalls = try check(UsageThresholds(maxP95Ms: 5000, minCalls: 2))
        #expect(enoughCalls.crossings.map(\.day) == ["2026-03-02"])

        let fine = try check(UsageThresholds(maxDailyCost: 2, maxErrorRate: 1))
        #expect(fine.passed)
        #expect(fine.text() == "OK: 12 deployment-days from 2026-03-01 to 2026-03-03 (UTC) within thresholds.")
    }

    @Test func checkJSON() throws {
        let json = try check(UsageThresholds(maxDailyCost: 1)).json().render(pretty: false)
        #expect(json.contains(#""crossed":[{"day":"2026-03-03","deployment":"claude-sonnet-4-5","metric":"cost_usd","value":1.5225,"limit":1.0,"calls":1,"requests":1}]"#))
        #expect(json.contains(#""passed":false"#))
    }

    @Test func thresholdParsing() throws {
        #expect(try UsageThresholds.parseRate("5%", option: "--max-error-rate") == 0.05)
        #expect(try UsageThresholds.parseRate("0.1", option: "--max-error-rate") == 0.1)
        let bare = try #require(throws: ReportInputError.self) { try UsageThresholds.parseRate("5", option: "--max-error-rate") }
        #expect(bare.message == "--max-error-rate '5' is not a rate: give a percentage such as 5% or a fraction such as 0.05.")
        #expect(throws: ReportInputError.self) { try UsageThresholds.parseRate("150%", option: "--max-error-rate") }
        #expect(try UsageThresholds.parseDollars("$200", option: "--max-daily-cost") == 200)
        #expect(throws: ReportInputError.self) { try UsageThresholds.parseDollars("lots", option: "--max-daily-cost") }
        #expect(try UsageThresholds.parseMilliseconds("1.5s", option: "--max-p95-ms") == 1500)
        #expect(try UsageThresholds.parseMilliseconds("1500ms", option: "--max-p95-ms") == 1500)
        #expect(try UsageThresholds.parseMilliseconds("800", option: "--max-p95-ms") == 800)
    }

    @Test func repriceWithUnchangedPricesChangesNothing() throws {
        let summary = try Repricer.reprice(store: seed.store, days: DayRange(from: Seed.day1, to: Seed.day4), policy: .builtin)
        #expect(summary.attempts == Seed.attempts.count)
        #expect(summary.changed == 0)
        #expect(abs(summary.costBefore - 1.5849) < 1e-12)
        #expect(abs(summary.costAfter - summary.costBefore) < 1e-12)
    }

    @Test func repriceAfterAPriceChangeAndANewModel() throws {
        let config = try MeterbookConfig.parse("""
            [prices."gpt-4o"]
            input = 2.0
            cached_input = 1.0
            output = 8.0

            [prices."mystery-1"]
            input = 1.0
            output = 2.0

            [deployments.text-embedding-3-small]
            model = "text-embedding-3-small"

            [prices."text-embedding-3-small"]
            input = 0.02
            """)
        let before = try UsageReport.build(store: seed.store, days: Seed.days).totals
        let dry = try Repricer.reprice(store: seed.store, days: Seed.days, policy: config.costPolicy, dryRun: true)
        #expect(dry.changed == 5)
        #expect(try UsageReport.build(store: seed.store, days: Seed.days).totals.costUSD == before.costUSD)

        let summary = try Repricer.reprice(store: seed.store, days: Seed.days, policy: config.costPolicy)
        // gpt-4o: c01, c02's success, c06 (the 429s cost 0 before and after); mystery-model c05; embeddings c16.
        #expect(summary.changed == 5)
        #expect(summary.nowPriced == 2)
        #expect(summary.nowUnpriced == 0)
        let gpt4o = try UsageReport.build(store: seed.store, days: Seed.days, filter: AttemptFilter(deployments: ["gpt-4o"])).totals
        // c01: 800·2 + 200·1 + 500·8; c02: 2000·2 + 1000·8; c06: 2000·2 + 2000·1 + 1000·8 (per million).
        let expected: Double = (5800 + 12000 + 14000) / 1_000_000
        #expect(abs(try #require(gpt4o.costUSD) - expected) < 1e-12)
        let mystery = try UsageReport.build(store: seed.store, days: Seed.days, filter: AttemptFilter(deployments: ["mystery-model"])).totals
        #expect(abs(try #require(mystery.costUSD) - 700.0 / 1_000_000) < 1e-15)
        #expect(mystery.unpricedRequests == 0)
        // The day outside the range keeps its old price.
        let day4 = try seed.store.allAttempts().first { $0.startedAt >= Seed.day4.startMs }
        #expect(day4?.costUSD == 0.00035)
        // Running it again finds nothing more to change.
        #expect(try Repricer.reprice(store: seed.store, days: Seed.days, policy: config.costPolicy).changed == 0)
    }

    @Test func modelNamesAreNormalisedWithoutRegularExpressions() {
        let cases = [
            ("gpt-4o-2024-11-20", "gpt-4o"), ("claude-sonnet-4-5-20250929", "claude-sonnet-4-5"), ("claude-sonnet-4@20250514", "claude-sonnet-4"),
            ("azure/GPT-4.1-mini", "gpt-4.1-mini"), ("claude-sonnet-4.5", "claude-sonnet-4-5"), ("o3", "o3"), ("gpt-4o-2024-11", "gpt-4o-2024-11"),
            ("model-1234567", "model-1234567"), ("-2024-11-20", "-2024-11-20"), (" gpt-5 ", "gpt-5"), ("text-embedding-3-small", "text-embedding-3-small"),
        ]
        for (model, normalised) in cases {
            #expect(PriceTable.normalize(model) == normalised, "\(model)")
        }
    }

    @Test func priceListingShowsSourceAndMappings() throws {
        var config = try MeterbookConfig.parse("""
            [deployments.prod-chat]
            model = "gpt-4o"
            data_zone = true

            [prices."gpt-4o"]
            input = 2.25
            cached_input = 1.1
            output = 9.0

            [prices."my-fine-tune"]
            input = 3
            output = 12
            """)
        config.path = "/etc/meterbook.toml"
        let listing = PriceListing(config: config)
        let json = listing.json().render(pretty: false)
        #expect(json.contains(#"{"model":"gpt-4o","input":2.25,"cached_input":1.1,"output":9.0,"source":"config"}"#))
        #expect(json.contains(#"{"model":"my-fine-tune","input":3.0,"output":12.0,"source":"config"}"#))
        #expect(json.contains(#"{"model":"claude-sonnet-4-5","input":3.0,"cache_write_5m":3.75,"cache_write_1h":6.0,"cache_read":0.3,"output":15.0,"long_context_threshold":200000,"long_context_multiplier_input":2.0,"long_context_multiplier_output":1.5,"source":"built-in"}"#))
        #expect(json.contains(#""deployments":[{"name":"prod-chat","model":"gpt-4o","data_zone":true}]"#))
        let text = listing.text()
        #expect(text.hasPrefix("USD per million tokens (— not priced). Overrides: /etc/meterbook.toml"))
        let lines = text.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        #expect(lines.contains(["gpt-4o", "2.25", "1.10", "—", "—", "—", "9.00", "—", "config"]))
        #expect(lines.contains(["gpt-4o-mini", "0.15", "0.075", "—", "—", "—", "0.60", "—", "built-in"]))
        #expect(lines.contains(["claude-haiku-4-5", "1.00", "—", "1.25", "2.00", "0.10", "5.00", "—", "built-in"]))
        #expect(lines.contains(["prod-chat", "gpt-4o", "yes", "(×1.10)"]))
    }
}
