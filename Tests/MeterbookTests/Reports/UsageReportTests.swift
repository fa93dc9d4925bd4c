import Foundation
import MeterbookTestSupport
import Testing
@testable import Meterbook

/// The report engine against the seed; expected figures are worked out by hand in Seed.swift's table.
@Suite struct UsageReportTests {
    let seed: SeededDatabase

    init() throws {
        seed = try SeededDatabase()
    }

    func report(_ groupings: [Grouping] = [.deployment], filter: AttemptFilter = AttemptFilter(),
                days: DayRange = Seed.days) throws -> UsageReport {
        try UsageReport.build(store: seed.store, days: days, groupings: groupings, filter: filter)
    }

    func row(_ report: UsageReport, _ keys: [String: String?]) throws -> UsageRow {
        try #require(report.rows.first { $0.keys == keys }, "no row \(keys) in \(report.rows.map(\.keys))")
    }

    @Test func byDeploymentCountsCallsRequestsFailuresAndThrottles() throws {
        let report = try report()
        #expect(report.rows.map { $0.keys["deployment"] ?? nil } == ["claude-sonnet-4-5", "gpt-4o", "gpt-4.1-mini", "mystery-model", "text-embedding-3-small", nil] as [String?])

        let gpt4o = try row(report, ["deployment": "gpt-4o"])
        #expect(gpt4o.calls == 7)
        #expect(gpt4o.requests == 11)
        #expect(gpt4o.succeeded == 3)
        #expect(gpt4o.failed == 3)
        #expect(gpt4o.errorRate == 3.0 / 7)
        #expect(gpt4o.throttled == 8)
        #expect(gpt4o.throttleRate == 8.0 / 11)
        #expect(gpt4o.serverErrors == 0)
        #expect(gpt4o.inputTokens == 7000)
        #expect(gpt4o.outputTokens == 2500)
        #expect(gpt4o.cachedInputTokens == 2200)
        #expect(abs(try #require(gpt4o.costUSD) - 0.03975) < 1e-12)
        #expect(gpt4o.latencyP50Ms == 46)
        #expect(gpt4o.latencyP95Ms == 900)
        #expect(gpt4o.latencyP99Ms == 900)
        #expect(gpt4o.ttftP50Ms == 120)

        let mini = try row(report, ["deployment": "gpt-4.1-mini"])
        #expect([mini.calls, mini.requests, mini.succeeded, mini.failed, mini.serverErrors, mini.throttled] == [3, 5, 2, 1, 3, 0] as [Int])
        #expect([mini.inputTokens, mini.outputTokens, mini.cachedInputTokens, mini.reasoningTokens] == [11000, 5000, 8000, 2500] as [Int])
        #expect(abs(try #require(mini.costUSD) - 0.01) < 1e-12)
        #expect([mini.latencyP50Ms, mini.latencyP95Ms, mini.latencyP99Ms, mini.ttftP50Ms] == [300, 5000, 5000, 80] as [Double?])

        let claude = try row(report, ["deployment": "claude-sonnet-4-5"])
        #expect([claude.calls, claude.requests, claude.succeeded, claude.failed, claude.serverErrors] == [4, 4, 2, 2, 0] as [Int])
        #expect([claude.inputTokens, claude.outputTokens, claude.cachedInputTokens, claude.cacheWriteTokens] == [254_300, 1450, 3000, 1000] as [Int])
        #expect(abs(try #require(claude.costUSD) - 1.5348) < 1e-12)
        #expect([claude.latencyP50Ms, claude.latencyP95Ms, claude.latencyP99Ms, claude.ttftP50Ms] == [2000, 30000, 30000, 300] as [Double?])

        let mystery = try row(report, ["deployment": "mystery-model"])
        #expect(mystery.costUSD == nil)
        #expect(mystery.unpricedRequests == 1)

        let none = try row(report, ["deployment": nil])
        #expect([none.calls, none.failed, none.unpricedRequests] == [1, 1, 0] as [Int])
        #expect(none.costUSD == nil)
    }

    @Test func totalsAreExactOverAllAttemptsNotSummedFromRows() throws {
        let totals = try report().totals
        #expect([totals.calls, totals.requests, totals.succeeded, totals.failed, totals.throttled, totals.serverErrors] == [17, 23, 9, 7, 8, 3] as [Int])
        #expect([totals.inputTokens, totals.outputTokens, totals.cachedInputTokens, totals.cacheWriteTokens, totals.reasoningTokens]
                == [272_850, 9050, 13200, 1000, 2500] as [Int])
        #expect(abs(try #require(totals.costUSD) - 1.58455) < 1e-12)
        #expect(totals.unpricedRequests == 2)
        #expect([totals.latencyP50Ms, totals.latencyP95Ms, totals.latencyP99Ms, totals.ttftP50Ms] == [250, 8000, 30000, 150] as [Double?])
        #expect(totals.keys.isEmpty)
    }

    @Test func byDayCarriesOnlyTheDayKeyInDayOrder() throws {
        let report = try report([.day])
        #expect(report.rows.map(\.keys) == [["day": "2026-03-01"], ["day": "2026-03-02"], ["day": "2026-03-03"]])
        #expect(report.rows.map(\.calls) == [5, 7, 5] as [Int])
        #expect(report.rows.map(\.requests) == [8, 10, 5] as [Int])
        #expect(report.rows.map(\.failed) == [1, 5, 1] as [Int])
        #expect(report.rows.map(\.throttled) == [1, 6, 1] as [Int])
        let costs = report.rows.map { $0.costUSD ?? -1 }
        for (cost, expected) in zip(costs, [0.0332, 0.02365, 1.5277]) { #expect(abs(cost - expected) < 1e-12) }
    }

    @Test func combinedGroupingsCarryBothKeys() throws {
        let report = try report([.day, .deployment])
        #expect(report.rows.count == 12)
        #expect(report.rows.allSatisfy { Set($0.keys.keys) == ["day", "deployment"] })
        let day2 = try row(report, ["day": "2026-03-02", "deployment": "gpt-4o"])
        #expect([day2.calls, day2.requests, day2.failed, day2.throttled] == [4, 7, 3, 6] as [Int])
        // Day first, then most expensive first within the day.
        #expect(report.rows.prefix(4).map { $0.keys["deployment"] ?? nil } == ["gpt-4o", "claude-sonnet-4-5", "gpt-4.1-mini", "mystery-model"] as [String?])
    }

    @Test func byTagModelAndEndpoint() throws {
        let byApp = try report([.tag("app")])
        #expect(try row(byApp, ["tag:app": "web"]).calls == 11)
        #expect(abs(try #require(try row(byApp, ["tag:app": "web"]).costUSD) - 1.57455) < 1e-12)
        #expect(try row(byApp, ["tag:app": "batch"]).calls == 4)
        #expect(try row(byApp, ["tag:app": nil]).calls == 1)

        let byModel = try report([.model])
        // Errors carry no model, so gpt-4o's 429s land under (none) with the other model-less attempts.
        #expect(try row(byModel, ["model": "gpt-4o-2024-11-20"]).requests == 3)
        #expect(try row(byModel, ["model": "claude-sonnet-4-5-20250929"]).requests == 3)

        let byEndpoint = try report([.endpoint])
        #expect(try row(byEndpoint, ["endpoint": Seed.foundryEndpoint]).calls == 4)
        #expect(try row(byEndpoint, ["endpoint": Seed.westEndpoint]).calls == 1)
        #expect(try row(byEndpoint, ["endpoint": Seed.eastEndpoint]).calls == 12)
    }

    @Test func filtersCombine() throws {
        let web429 = try report([.deployment], filter: AttemptFilter(tags: ["app": "web"], statuses: [.code(429)]))
        #expect(web429.rows.count == 1)
        #expect(web429.totals.requests == 8)
        #expect(web429.totals.calls == 5)

        let serverErrors = try report([], filter: AttemptFilter(statuses: [.family(5)]))
        #expect(serverErrors.totals.requests == 3)

        let failedStreams = try report([.deployment], filter: AttemptFilter(outcomes: [.streamError, .transportError]))
        #expect(failedStreams.totals.requests == 2)
        #expect(failedStreams.rows.map { $0.keys["deployment"] ?? nil } == ["claude-sonnet-4-5"] as [String?])

        let two = try report([.deployment], filter: AttemptFilter(deployments: ["gpt-4o", "gpt-4.1-mini"], endpoints: [Seed.eastEndpoint]))
        #expect(two.totals.calls == 10)

        let byModel = try report([], filter: AttemptFilter(models: ["gpt-4.1-mini-2025-04-14"]))
        #expect(byModel.totals.requests == 2)
    }

    @Test func aCallAcrossMidnightCountsOnceOnEachDayItTouched() throws {
        let day3 = try report([.deployment], filter: AttemptFilter(deployments: ["gpt-4o"]), days: DayRange(from: Seed.day3, to: Seed.day3))
        #expect([day3.totals.calls, day3.totals.requests, day3.totals.succeeded, day3.totals.failed] == [1, 1, 0, 0] as [Int])
        let both = try report([.deployment], filter: AttemptFilter(deployments: ["gpt-4o"]), days: DayRange(from: Seed.day3, to: Seed.day4))
        #expect([both.totals.calls, both.totals.requests, both.totals.succeeded, both.totals.throttled] == [1, 2, 1, 1] as [Int])
        let byDay = try report([.day], filter: AttemptFilter(deployments: ["gpt-4o"]), days: DayRange(from: Seed.day3, to: Seed.day4))
        #expect(byDay.rows.map(\.calls) == [1, 1] as [Int])
    }

    @Test func emptyReportsSayWhatExists() throws {
        let unknown = try report(filter: AttemptFilter(deployments: ["nope"]))
        #expect(unknown.rows.isEmpty)
        #expect(unknown.totals.requests == 0)
        #expect(unknown.totals.costUSD == nil)
        #expect(unknown.notes.first == "No attempts match deployment nope from 2026-03-01 to 2026-03-03 (UTC).")
        #expect(unknown.notes.last == "Deployments with attempts then: claude-sonnet-4-5, gpt-4.1-mini, gpt-4o, mystery-model, text-embedding-3-small.")

        let tag = try report(filter: AttemptFilter(tags: ["team": "nobody"]))
        #expect(tag.notes.last == "Values of tag team then: assist, search.")

        let outside = try report(days: DayRange(from: UTCDay(iso: "2025-01-01")!, to: UTCDay(iso: "2025-01-02")!))
        #expect(outside.notes == ["No attempts from 2025-01-01 to 2025-01-02 (UTC); attempts exist from 2026-03-01 to 2026-03-04: pass --from/--to."])
    }

    @Test func theParallelScanMatchesAFoldOverTheRecords() throws {
        // A 3-day range is scanned in slices on several connections; the same figures must come out of a
        // straight fold over the seed's records through the archive path (GroupTally.add).
        let plan = try UsagePlan(groupingSets: [[.day, .deployment, .tag("team")]])
        let scanned = try DatabaseSource(store: seed.store).tally(range: Seed.days.bounds, filter: AttemptFilter(), plan: plan)
        let folded = UsageTallies(plan: plan)
        for record in Seed.attempts where Seed.days.bounds.contains(record.startedAt) { folded.add(record) }
        // Costs compared to 1e-10 USD: compensated sums in a different order may differ in the last bit.
        func rounded(_ rows: [UsageRow]) -> [UsageRow] {
            rows.map { row in
                var row = row
                row.costUSD = row.costUSD.map(UsageMetric.roundedCost)
                return row
            }
        }
        for groupings in [[Grouping.day, .deployment, .tag("team")], [.deployment], [.tag("team")], []] {
            #expect(rounded(scanned.rows(for: groupings)) == rounded(folded.rows(for: groupings)))
        }
        #expect(DatabaseSource.slices(of: Seed.days.bounds).count == min(ProcessInfo.processInfo.activeProcessorCount, 8))
    }

    @Test(arguments: [
        AttemptFilter(deployments: ["gpt-4o", "claude-sonnet-4-5"]),
        AttemptFilter(models: ["gpt-4.1-mini-2025-04-14"], endpoints: [Seed.eastEndpoint]),
        AttemptFilter(tags: ["app": "web", "team": "assist"]),
        AttemptFilter(statuses: [.code(0), .family(5)], outcomes: [.httpError, .transportError]),
        AttemptFilter(statuses: [.code(429)]),
    ])
    func aRecordFilterAgreesWithTheSQLFilter(filter: AttemptFilter) throws {
        // Archives will filter parsed records with `matches`; it must select what the SQL selects.
        let plan = try UsagePlan(groupingSets: [[.deployment]])
        let scanned = try DatabaseSource(store: seed.store).tally(range: Seed.days.bounds, filter: filter, plan: plan)
        let folded = UsageTallies(plan: plan)
        for record in Seed.attempts where Seed.days.bounds.contains(record.startedAt) && filter.matches(record) { folded.add(record) }
        #expect(scanned.rows(for: []).map(\.requests) == folded.rows(for: []).map(\.requests))
        #expect(scanned.rows(for: [.deployment]).map(\.keys) == folded.rows(for: [.deployment]).map(\.keys))
        #expect(scanned.rows(for: []).first?.requests ?? 0 > 0)
    }

    @Test func hourGroupingUsesUTCHours() throws {
        let report = try report([.hour], days: DayRange(from: Seed.day2, to: Seed.day2))
        #expect(report.rows.map { $0.keys["hour"] ?? nil } == ["2026-03-02T09:00Z", "2026-03-02T10:00Z", "2026-03-02T11:00Z"] as [String?])
        #expect(report.rows.map(\.requests) == [7, 1, 2] as [Int])
    }

    @Test func callKeysTellIDsApart() {
        let ids = (0..<200_000).map { _ in UUID().uuidString.lowercased() } + (0..<1000).map { "call-\($0)" } + ["", "a", "ab"]
        #expect(Set(ids.map(CallKey.init)).count == Set(ids).count)
        #expect(CallKey("00000000-0000-4000-8000-000000000c01") == CallKey("00000000-0000-4000-8000-000000000c01"))
        #expect(CallKey("call-1") != CallKey("call-10"))
    }

    @Test func nearestRankPercentiles() {
        var values: [Double] = [15, 20, 35, 40, 50]
        #expect(NearestRank.percentiles(&values, [5, 30, 40, 50, 100]) == [15, 20, 20, 35, 50] as [Double?])
        var single: [Double] = [7]
        #expect(NearestRank.percentiles(&single, [50, 95, 99]) == [7, 7, 7] as [Double?])
        var none: [Double] = []
        #expect(NearestRank.percentiles(&none, [50]) == [nil] as [Double?])
        var shuffled = (1...1000).map(Double.init).shuffled()
        #expect(NearestRank.percentiles(&shuffled, [99, 50, 95]) == [990, 500, 950] as [Double?])
        var repeated = Array(repeating: 3.0, count: 50) + Array(repeating: 1.0, count: 50)
        #expect(NearestRank.percentiles(&repeated, [50, 51]) == [1, 3] as [Double?])
    }
}
