import Foundation
import GRDB
import MeterbookTestSupport
import Testing
@testable import Meterbook

/// Day summaries: reports that use them give exactly the figures a scan of the attempts gives, and every write
/// that changes a summarized day's rows (late rows, a retry clearing `final`, reprice, rotation, restore) makes
/// reports read that day's attempts again.
@Suite struct DaySummaryTests {
    let seed: SeededDatabase

    /// An hour after day 4 ended: every seed day is closed.
    static let later = Date(timeIntervalSince1970: Double(Seed.day4.endMs + 3_600_000) / 1000)

    init() throws {
        seed = try SeededDatabase()
    }

    static let groupings: [[Grouping]] = [
        [.deployment], [.day], [.day, .deployment], [.model], [.endpoint], [.deployment, .model, .endpoint], [],
        // Not answered by summaries (hours, tags): scanned whatever is summarized.
        [.hour], [.tag("team")],
    ]

    static let filters: [AttemptFilter] = [
        AttemptFilter(),
        AttemptFilter(deployments: ["gpt-4o", "claude-sonnet-4-5"]),
        AttemptFilter(models: ["gpt-4.1-mini-2025-04-14"]),
        AttemptFilter(endpoints: [Seed.westEndpoint, Seed.foundryEndpoint]),
        AttemptFilter(statuses: [.code(429)]),
    ]

    static let ranges: [Range<Int64>] = [
        Seed.days.bounds,
        DayRange(from: Seed.day1, to: Seed.day4).bounds,
        DayRange(from: Seed.day3, to: Seed.day4).bounds,
        DayRange(from: Seed.day2, to: Seed.day2).bounds,
        // Parts of days at both ends.
        (Seed.day1.startMs + 10 * 3_600_000 + 1)..<(Seed.day3.startMs + 9 * 3_600_000 + 1),
    ]

    /// Every report of the battery above, costs rounded as reports show them (compensated sums merged in another
    /// order may differ in the last bit).
    static func reports(_ store: MeterbookStore) throws -> [[UsageRow]] {
        var results: [[UsageRow]] = []
        for range in ranges {
            for filter in filters {
                for groupings in self.groupings {
                    let result = try UsageQuery(range: range, groupings: groupings, filter: filter).run(on: store)
                    results.append((result.rows + [result.totals]).map { row in
                        var row = row
                        row.costUSD = row.costUSD.map(UsageMetric.roundedCost)
                        return row
                    })
                }
            }
        }
        return results
    }

    func summarizedDays(_ store: MeterbookStore? = nil) throws -> [UTCDay] {
        try (store ?? seed.store).read { db in
            try Int64.fetchAll(db, sql: "SELECT day FROM summary_days WHERE complete = 1 ORDER BY day").map(UTCDay.init(daysSinceEpoch:))
        }
    }

    @Test func reportsOverSummarizedDaysMatchTheScannedAttempts() throws {
        let scanned = try Self.reports(seed.store)
        #expect(try DaySummaries.build(store: seed.store, now: Self.later) == [Seed.day1, Seed.day2, Seed.day3, Seed.day4])
        #expect(try summarizedDays() == [Seed.day1, Seed.day2, Seed.day3, Seed.day4])
        let summarized = try Self.reports(seed.store)
        #expect(summarized.count == scanned.count)
        for (index, (lhs, rhs)) in zip(summarized, scanned).enumerated() {
            #expect(lhs == rhs, "report \(index)")
        }
        // And the seed's hand-worked figures, through the summaries.
        let totals = try UsageReport.build(store: seed.store, days: Seed.days).totals
        #expect([totals.calls, totals.requests, totals.succeeded, totals.failed, totals.throttled, totals.serverErrors] == [17, 23, 9, 7, 8, 3] as [Int])
        #expect([totals.latencyP50Ms, totals.latencyP95Ms, totals.latencyP99Ms, totals.ttftP50Ms] == [250, 8000, 30000, 150] as [Double?])
        // A second build finds nothing to do.
        #expect(try DaySummaries.build(store: seed.store, now: Self.later).isEmpty)
    }

    @Test func reportsReadTheSummariesNotTheAttempts() throws {
        try DaySummaries.build(store: seed.store, now: Self.later)
        let before = try UsageReport.build(store: seed.store, days: Seed.days, groupings: [.day, .deployment])
        // Behind Meterbook's back (no summary is forgotten): a report answered from summaries does not see it, one that
        // needs the attempts (by hour) does.
        try seed.store.write { db in try db.execute(sql: "DELETE FROM requests WHERE started_at < ?", arguments: [Seed.day2.startMs]) }
        let after = try UsageReport.build(store: seed.store, days: Seed.days, groupings: [.day, .deployment])
        #expect(after.rows == before.rows)
        let fromDay2 = Seed.attempts.filter { $0.startedAt >= Seed.day2.startMs && $0.startedAt < Seed.days.bounds.upperBound }
        #expect(try UsageReport.build(store: seed.store, days: Seed.days, groupings: [.hour]).totals.requests == fromDay2.count)
    }

    @Test func onlyClosedDaysAreSummarizedAndACallAcrossMidnightCountsOnce() throws {
        // 00:10 on day 4: day 3 ended ten minutes ago, too recently.
        let early = Date(timeIntervalSince1970: Double(Seed.day4.startMs + 10 * 60_000) / 1000)
        #expect(try DaySummaries.build(store: seed.store, now: early) == [Seed.day1, Seed.day2])
        // An hour into day 4: day 3 is summarized, day 4 (c15's second attempt) is still read from the attempts.
        let hourIn = Date(timeIntervalSince1970: Double(Seed.day4.startMs + 3_600_000) / 1000)
        #expect(try DaySummaries.build(store: seed.store, now: hourIn) == [Seed.day3])
        let gpt4o = AttemptFilter(deployments: ["gpt-4o"])
        let both = try UsageReport.build(store: seed.store, days: DayRange(from: Seed.day3, to: Seed.day4), groupings: [.deployment], filter: gpt4o)
        #expect([both.totals.calls, both.totals.requests, both.totals.succeeded, both.totals.throttled] == [1, 2, 1, 1] as [Int])
        let byDay = try UsageReport.build(store: seed.store, days: DayRange(from: Seed.day3, to: Seed.day4), groupings: [.day], filter: gpt4o)
        #expect(byDay.rows.map(\.calls) == [1, 1] as [Int])
        // Also when both days are summarized: the call's key is in both, counted once.
        try DaySummaries.build(store: seed.store, now: Self.later)
        #expect(try summarizedDays() == [Seed.day1, Seed.day2, Seed.day3, Seed.day4])
        let summarized = try UsageReport.build(store: seed.store, days: DayRange(from: Seed.day3, to: Seed.day4), groupings: [.deployment], filter: gpt4o)
        #expect(summarized.totals == both.totals)
    }

    /// What every write below must leave: the figures of a database that holds the same rows and no summaries.
    func expectSameReportsAsAFreshDatabase(_ attempts: [AttemptRecord]) throws {
        let fresh = try SeededDatabase(attempts: attempts)
        #expect(try Self.reports(seed.store) == Self.reports(fresh.store))
    }

    @Test func aLateRowForgetsItsDay() throws {
        try DaySummaries.build(store: seed.store, now: Self.later)
        var late = Seed.attempts[0]
        late.callID = "late-call"
        late.startedAt = Seed.at(Seed.day2, "23:59:00.000")
        late.latencyMs = 12_345
        try seed.store.insert([late])
        #expect(try summarizedDays() == [Seed.day1, Seed.day3, Seed.day4])
        // Recording today forgets nothing.
        var today = late
        today.callID = "today"
        today.startedAt = Seed.day4.endMs + 60_000
        try seed.store.insert([today])
        #expect(try summarizedDays() == [Seed.day1, Seed.day3, Seed.day4])
        try expectSameReportsAsAFreshDatabase(Seed.attempts + [late, today])
    }

    @Test func clearingFinalForgetsTheDay() throws {
        try DaySummaries.build(store: seed.store, now: Self.later)
        // A proxied SDK retried c13 (day 3): its attempt is no longer final.
        try seed.store.clearFinal(callID: Seed.callID("c13"), before: 2)
        #expect(try summarizedDays() == [Seed.day1, Seed.day2, Seed.day4])
        let changed = Seed.attempts.map { record -> AttemptRecord in
            var record = record
            if record.callID == Seed.callID("c13") { record.final = false }
            return record
        }
        try expectSameReportsAsAFreshDatabase(changed)
        // A retry of a call with nothing left to clear changes no day.
        try seed.store.clearFinal(callID: Seed.callID("c13"), before: 2)
        #expect(try summarizedDays() == [Seed.day1, Seed.day2, Seed.day4])
    }

    @Test func repriceForgetsTheDaysWhoseCostsChanged() throws {
        try DaySummaries.build(store: seed.store, now: Self.later)
        // Unchanged prices change no row and forget nothing.
        _ = try Repricer.reprice(store: seed.store, days: DayRange(from: Seed.day1, to: Seed.day4), policy: .builtin)
        #expect(try summarizedDays() == [Seed.day1, Seed.day2, Seed.day3, Seed.day4])
        // A price for mystery-1 (c05, day 1 only).
        let config = try MeterbookConfig.parse("[prices.\"mystery-1\"]\ninput = 1.0\noutput = 2.0\n")
        #expect(try Repricer.reprice(store: seed.store, days: DayRange(from: Seed.day1, to: Seed.day4), policy: config.costPolicy).changed == 1)
        #expect(try summarizedDays() == [Seed.day2, Seed.day3, Seed.day4])
        try expectSameReportsAsAFreshDatabase(try seed.store.allAttempts())
        #expect(try UsageReport.build(store: seed.store, days: Seed.days, filter: AttemptFilter(deployments: ["mystery-model"])).totals.costUSD != nil)
    }

    @Test func rotationForgetsArchivedDaysAndRestoreForgetsRestoredOnes() throws {
        try DaySummaries.build(store: seed.store, now: Self.later)
        let before = try UsageReport.build(store: seed.store, days: Seed.days, groupings: [.day, .deployment])
        // Retention 3 at day 5: day 1 is archived, and its summary goes with its rows.
        let archive = seed.file("archive")
        _ = try ArchiveRotation.rotate(store: seed.store, archiveDirectory: archive, retentionDays: 3, now: Self.later)
        #expect(try summarizedDays() == [Seed.day2, Seed.day3, Seed.day4])
        #expect(try DaySummaries.build(store: seed.store, now: Self.later).isEmpty)
        let after = try UsageReport.build(store: seed.store, archiveDirectory: archive, days: Seed.days, groupings: [.day, .deployment])
        // Day 1 now comes from its rollups: the same counts and costs (latencies from histograms, within 1%).
        func counts(_ rows: [UsageRow]) -> [[Int]] { rows.map { [$0.calls, $0.requests, $0.failed, $0.throttled, $0.inputTokens] } }
        #expect(counts(after.rows) == counts(before.rows))

        // Restoring day 1 into a database that has its own summary of day 1 (made while c01 was missing) forgets
        // that summary.
        let other = try SeededDatabase()
        try other.store.write { db in try db.execute(sql: "DELETE FROM requests WHERE call_id = ?", arguments: [Seed.callID("c01")]) }
        try DaySummaries.build(store: other.store, now: Self.later)
        #expect(try UsageReport.build(store: other.store, days: DayRange(from: Seed.day1, to: Seed.day1)).totals.requests == 7)
        #expect(try summarizedDays(other.store).contains(Seed.day1))
        try ArchiveCatalog(store: seed.store, directory: archive).restore(day: Seed.day1, into: .file(other.path))
        #expect(try !summarizedDays(other.store).contains(Seed.day1))
        #expect(try UsageReport.build(store: other.store, days: DayRange(from: Seed.day1, to: Seed.day1)).totals.requests == 8)
    }

    @Test func aWriteWhileADayIsReadKeepsItsSummaryOut() throws {
        var late = Seed.attempts[0]
        late.callID = "while-reading"
        late.startedAt = Seed.at(Seed.day2, "12:00:00.000")
        let built = try DaySummaries.build(store: seed.store, from: nil, now: Self.later) { day in
            if day == Seed.day2 { try seed.store.insert([late]) }
        }
        #expect(built == [Seed.day1, Seed.day3, Seed.day4])
        #expect(try summarizedDays() == [Seed.day1, Seed.day3, Seed.day4])
        try expectSameReportsAsAFreshDatabase(Seed.attempts + [late])
        #expect(try DaySummaries.build(store: seed.store, now: Self.later) == [Seed.day2])
        try expectSameReportsAsAFreshDatabase(Seed.attempts + [late])
    }

    @Test func aDatabaseWithoutSummaryTablesIsScanned() throws {
        try Python.sqlite(seed.path, "DROP TABLE summary_days; DROP TABLE summary_groups; PRAGMA user_version = 3")
        let reader = try MeterbookStore(path: seed.path, mode: .readOnly)
        #expect(try UsageReport.build(store: reader, days: Seed.days).totals.calls == 17)
    }

    /// Every place that writes `requests` must forget the summaries of the days it touches, in its transaction.
    @Test func everyWriterOfTheRequestsTableForgetsSummaries() throws {
        let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../Sources/Meterbook").standardized
        let files = try #require(FileManager.default.enumerator(atPath: sources.path)).compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") }
        var writers: [String] = []
        for file in files {
            let text = try String(contentsOf: sources.appendingPathComponent(file), encoding: .utf8)
            // AttemptRecord+Row.swift only defines the recorder's INSERT; MeterbookStore runs it. Schema.swift's
            // schema-4 rebuild copies rows unchanged, in a migration that runs before summary tables exist (schema 5).
            guard file != "Store/AttemptRecord+Row.swift", file != "Store/Schema.swift",
                  ["INSERT INTO requests", "UPDATE requests", "DELETE FROM requests", "insertSQL"].contains(where: text.contains) else { continue }
            writers.append(file)
            #expect(text.contains("DaySummaries.forget("), "\(file) writes requests without forgetting day summaries")
        }
        #expect(writers.sorted() == ["Pricing/Repricer.swift", "Rotation/ArchiveCatalog.swift", "Rotation/ArchiveRotation.swift", "Store/MeterbookStore.swift"])
    }

    @Test func percentilesOverSortedRunsEqualQuickselectOverAllValues() {
        var generator = SystemRandomNumberGenerator()
        for round in 0..<200 {
            let count = Int.random(in: 1...400, using: &generator)
            // Few distinct values in some rounds (ties), negative and zero values in others.
            let values: [Double] = (0..<count).map { _ in
                round % 3 == 0 ? Double(Int.random(in: 0...5, using: &generator)) : Double.random(in: -50...5000, using: &generator).rounded() / 8
            }
            var shuffled = values.shuffled()
            var runs: [[Double]] = []
            var rest: [Double] = []
            var start = 0
            while start < shuffled.count {
                let end = min(shuffled.count, start + Int.random(in: 1...60, using: &generator))
                if Bool.random(using: &generator) { runs.append(Array(shuffled[start..<end]).sorted()) } else { rest += shuffled[start..<end] }
                start = end
            }
            let ps: [Double] = [50, 95, 99, 1, 100, 33.3]
            let expected = NearestRank.percentiles(&shuffled, ps)
            #expect(NearestRank.percentiles(runs: runs, unsorted: &rest, ps) == expected, "round \(round)")
        }
        var none: [Double] = []
        #expect(NearestRank.percentiles(runs: [], unsorted: &none, [50]) == [nil] as [Double?])
        var minusZero: [Double] = [-0.0, 1]
        #expect(NearestRank.percentiles(runs: [[0, 0]], unsorted: &minusZero, [50, 100]) == [0, 1] as [Double?])
    }

    @Test func callKeysInRunsAreCountedOnceAcrossRunsAndTheSet() {
        let tally = GroupTally()
        tally.singleAttemptCalls = 2
        tally.retriedCallIDs = [CallKey("a"), CallKey("b")]
        let other = GroupTally()
        other.retriedCallRuns = [[CallKey("b"), CallKey("c")], [CallKey("c"), CallKey("d")]]
        tally.merge(other)
        #expect(tally.calls == 2 + 4)
        #expect(GroupTally.merged([tally, other]).calls == 2 + 4)
    }
}
