import Foundation
import GRDB
import MeterbookTestSupport
import Testing
@testable import Meterbook

/// `rotate` over the seed: days 1–3 archived, the one attempt on day 4 stays live.
@Suite struct RotationTests {
    let seed: SeededDatabase
    let archive: String
    /// Noon on day 4: with retention 0, days before day 4 are archived.
    let now = Date(timeIntervalSince1970: Double(Seed.day4.startMs + 12 * 3_600_000) / 1000)

    init() throws {
        seed = try SeededDatabase()
        archive = ArchiveRotation.defaultDirectory(forDatabase: seed.path)
    }

    @discardableResult
    func rotate(dryRun: Bool = false) throws -> ArchiveRotation.Result {
        try ArchiveRotation.rotate(store: seed.store, archiveDirectory: archive, retentionDays: 0, dryRun: dryRun, now: now)
    }

    func archivedLines(_ relative: String) throws -> [[String: Any]] {
        var lines: [[String: Any]] = []
        try GzipReader(path: archive + "/" + relative).forEachLine { bytes in
            lines.append(try #require(try JSONSerialization.jsonObject(with: Data(buffer: bytes)) as? [String: Any]))
            return true
        }
        return lines
    }

    @Test func archivesOldDaysVerifiesThemAndDeletesTheirRows() throws {
        let before = try seed.store.allAttempts()
        let result = try rotate()
        #expect(result.archived.map(\.day) == [Seed.day1, Seed.day2, Seed.day3])
        #expect(result.archived.map(\.rows).reduce(0, +) == before.count - 1)
        #expect(try seed.store.allAttempts() == before.filter { $0.startedAt >= Seed.day4.startMs })

        let entries = try ArchiveCatalog(store: seed.store).entries()
        #expect(entries.map(\.path) == ["2026/03/requests-2026-03-01.ndjson.gz", "2026/03/requests-2026-03-02.ndjson.gz",
                                        "2026/03/requests-2026-03-03.ndjson.gz"])
        for entry in entries {
            let lines = try archivedLines(entry.path)
            #expect(lines.count == entry.rows)
            // Every contract column, tags as an object, same values as the rows had.
            #expect(lines.allSatisfy { Set($0.keys) == Set(AttemptExport.columns) })
            let expected = before.filter { UTCDay(containing: $0.startedAt) == entry.day }.sorted { $0.id! < $1.id! }
            #expect(lines.map { $0["id"] as? Int } == expected.map { $0.id.map(Int.init) })
            #expect(entry.firstStartedAt == expected.map(\.startedAt).min())
            #expect(entry.lastStartedAt == expected.map(\.startedAt).max())
        }
        let first = try #require(archivedLines(entries[0].path).first)
        #expect((first["tags"] as? [String: String]) == ["app": "web", "team": "search"])
        #expect(try ArchiveCatalog(store: seed.store).verify().allSatisfy { $0.problem == nil })
    }

    @Test func reRunningIsANoOpAndADryRunChangesNothing() throws {
        let dry = try rotate(dryRun: true)
        #expect(dry.archived.count == 3)
        #expect(!FileManager.default.fileExists(atPath: archive))
        #expect(try seed.store.count() == Seed.attempts.count)

        try rotate()
        let files = try FileManager.default.subpathsOfDirectory(atPath: archive).sorted()
        let entries = try ArchiveCatalog(store: seed.store).entries()
        let again = try rotate()
        #expect(again.archived.isEmpty)
        #expect(try FileManager.default.subpathsOfDirectory(atPath: archive).sorted() == files)
        #expect(try ArchiveCatalog(store: seed.store).entries() == entries)
    }

    @Test func aDryRunListsWhatWouldMove() throws {
        let dry = try rotate(dryRun: true)
        let perDay = Dictionary(grouping: Seed.attempts.filter { $0.startedAt < Seed.day4.startMs }) { UTCDay(containing: $0.startedAt) }
        #expect(dry.archived.map(\.day) == [Seed.day1, Seed.day2, Seed.day3])
        #expect(dry.archived.map(\.rows) == [Seed.day1, Seed.day2, Seed.day3].map { perDay[$0]?.count ?? 0 })
        #expect(dry.archived[0].path == archive + "/2026/03/requests-2026-03-01.ndjson.gz")
    }

    @Test func lateRowsForAnArchivedDayGoToANewPart() throws {
        let inputBefore = try UsageReport.build(store: seed.store, days: Seed.days).totals.inputTokens
        try rotate()
        let firstSHA = try ArchiveCatalog(store: seed.store).entries()[1].sha256
        var late = AttemptRecord(callID: "late-1", startedAt: Seed.at(Seed.day2, "12:00:00.000"), provider: .azureOpenAI, api: .responses,
                                 endpoint: Seed.eastEndpoint, deployment: "gpt-4o", path: "/openai/v1/responses", status: 200)
        late.inputTokens = 7
        late.costUSD = 0.5
        try seed.store.insert([late])
        let result = try rotate()
        #expect(result.archived.map(\.path) == [archive + "/2026/03/requests-2026-03-02.part2.ndjson.gz"])
        let entries = try ArchiveCatalog(store: seed.store).entries().filter { $0.day == Seed.day2 }
        #expect(entries.map(\.part) == [1, 2])
        #expect(entries[0].sha256 == firstSHA)
        let report = try UsageReport.build(store: seed.store, days: Seed.days)
        #expect(report.totals.calls == 18)
        #expect(report.totals.inputTokens == inputBefore + 7)
    }

    /// The figures a report must keep across rotation, as text to compare whole reports at once.
    static func figures(_ rows: [UsageRow]) -> [String] {
        rows.map { row in
            let keys = row.keys.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value ?? "-")" }.joined(separator: ",")
            let cost = row.costUSD.map { String(format: "%.9f", $0) } ?? "nil"
            return "\(keys) calls=\(row.calls) reqs=\(row.requests) ok=\(row.succeeded) failed=\(row.failed) 429=\(row.throttled) "
                + "5xx=\(row.serverErrors) in=\(row.inputTokens) out=\(row.outputTokens) cached=\(row.cachedInputTokens) "
                + "cw=\(row.cacheWriteTokens) reasoning=\(row.reasoningTokens) cost=\(cost) unpriced=\(row.unpricedRequests)"
        }
    }

    static func closeEnough(_ lhs: Double?, _ rhs: Double?) -> Bool {
        guard let lhs, let rhs else { return lhs == nil && rhs == nil }
        return abs(lhs - rhs) <= 0.0101 * abs(rhs)
    }

    @Test(arguments: [
        [Grouping.deployment], [.day, .deployment], [.model], [.endpoint], [.day], [.tag("app")], [.hour], [],
    ])
    func reportsGiveTheSameFiguresBeforeAndAfterRotation(groupings: [Grouping]) throws {
        let ranges = [Seed.days, DayRange(from: Seed.day1, to: Seed.day4), DayRange(from: Seed.day3, to: Seed.day4),
                      DayRange(from: Seed.day2, to: Seed.day2)]
        let filters = [AttemptFilter(), AttemptFilter(deployments: ["gpt-4o"]), AttemptFilter(statuses: [.family(4)]),
                       AttemptFilter(statuses: [.code(429)]), AttemptFilter(tags: ["app": "web"])]
        var before: [[UsageRow]] = []
        for range in ranges {
            for filter in filters {
                before.append(try UsageReport.build(store: seed.store, days: range, groupings: groupings, filter: filter).rows)
            }
        }
        try rotate()
        #expect(try seed.store.count() == 1)
        var index = 0
        for range in ranges {
            for filter in filters {
                let after = try UsageReport.build(store: seed.store, days: range, groupings: groupings, filter: filter).rows
                #expect(Self.figures(after) == Self.figures(before[index]), "\(range) \(filter.summary)")
                for (old, new) in zip(before[index], after) {
                    #expect(Self.closeEnough(new.latencyP50Ms, old.latencyP50Ms))
                    #expect(Self.closeEnough(new.latencyP95Ms, old.latencyP95Ms))
                    #expect(Self.closeEnough(new.latencyP99Ms, old.latencyP99Ms))
                    #expect(Self.closeEnough(new.ttftP50Ms, old.ttftP50Ms))
                }
                index += 1
            }
        }
    }

    /// The same rows, byte for byte; archived days come first, so only a retry across midnight may move.
    @Test func exportReadsArchivedDaysToo() throws {
        func export(_ format: ExportFormat) throws -> String {
            let sink = ByteSink()
            try AttemptExport.write(store: seed.store, range: DayRange(from: Seed.day1, to: Seed.day4).bounds, format: format, to: sink)
            return sink.text
        }
        let csv = try export(.csv)
        let ndjson = try export(.ndjson)
        try rotate()
        func lines(_ text: String) -> [Substring] { text.split(whereSeparator: \.isNewline).sorted() }
        let csvAfter = try export(.csv)
        #expect(csvAfter.split(whereSeparator: \.isNewline).first == csv.split(whereSeparator: \.isNewline).first)
        #expect(lines(csvAfter) == lines(csv))
        #expect(lines(try export(.ndjson)) == lines(ndjson))
    }

    @Test func traceFindsArchivedCallsAndJoinsLiveAttempts() throws {
        try rotate()
        let match = try CallTrace.find("chatcmpl-c02", in: seed.store)
        #expect(match.callID == Seed.callID("c02"))
        #expect(match.attempts.map(\.attempt) == [1, 2])
        // c15: attempt 1 archived on day 3, attempt 2 live on day 4.
        let crossing = try CallTrace.find(Seed.callID("c15"), in: seed.store)
        #expect(crossing.attempts.map(\.attempt) == [1, 2])
        let original = Seed.attempts.filter { $0.callID == Seed.callID("c15") }
        #expect(crossing.attempts.map(\.startedAt) == original.map(\.startedAt))
        // --since/--until narrow the archives searched.
        #expect(throws: CallTrace.NotFound.self) {
            try CallTrace.find("chatcmpl-c02", in: seed.store, days: Seed.day2...Seed.day3)
        }
    }

    @Test func traceSkipsArchivesWhoseFilterRulesTheIDOut() throws {
        try rotate()
        let catalog = ArchiveCatalog(store: seed.store)
        // Damage every archive but day 2's: a trace of a day-2 ID must not open them.
        for entry in try catalog.entries() where entry.day != Seed.day2 {
            try Data("not gzip".utf8).write(to: URL(fileURLWithPath: catalog.path(of: entry)))
        }
        #expect(try CallTrace.find("resp_c10", in: seed.store).callID == Seed.callID("c10"))
        let filters = try catalog.entries().compactMap(\.idFilter)
        #expect(filters.count == 3)
        #expect(throws: CallTrace.NotFound.self) { try CallTrace.find("absent-\(UUID().uuidString)", in: seed.store) }
    }

    /// Archive lines are read by a scanner made for the export's encoding; it gives what JSONSerialization gives
    /// for every line, and the records come back as they were, whatever their text holds.
    @Test func archiveLinesReadBackExactlyWhateverTheirTextHolds() throws {
        var tricky = try #require(try seed.store.allAttempts().first { $0.startedAt < Seed.day2.startMs })
        tricky.id = nil
        tricky.callID = "tricky-call"
        tricky.errorMessage = "quote \" backslash \\ slash / tab \t newline \n cr \r bell \u{7} ünïcødé 🚀 {braces} [brackets]"
        tricky.tags = ["app": "a \"quoted\" {brace}", "user": "back\\slash", "emoji": "🚀"]
        tricky.usageJSON = #"{"input_tokens":-3,"nested":{"x":[1,2.5e-7,null]}}"#
        tricky.latencyMs = 173.0
        tricky.costUSD = 1.5e-9
        tricky.inputTokens = 9_000_000_000_000
        try seed.store.insert([tricky])
        let before = try seed.store.allAttempts().filter { $0.startedAt < Seed.day4.startMs }
        let result = try rotate()

        var lines = 0
        for entry in result.archived {
            try GzipReader(path: entry.path).forEachLine { bytes in
                let scanned = try #require(ArchiveLine.scannedValues(bytes), "\(String(decoding: bytes, as: UTF8.self))")
                #expect(scanned == (try ArchiveLine.foundationValues(bytes, path: entry.path)), "\(String(decoding: bytes, as: UTF8.self))")
                lines += 1
                return true
            }
        }
        #expect(lines == before.count)
        let restored = seed.file("restored.sqlite")
        for day in [Seed.day1, Seed.day2, Seed.day3] {
            _ = try ArchiveCatalog(store: seed.store).restore(day: day, into: .file(restored))
        }
        let back = try MeterbookStore(path: restored, mode: .readOnly).allAttempts()
        #expect(back.sorted { $0.id! < $1.id! } == before.sorted { $0.id! < $1.id! })
        #expect(back.first { $0.callID == "tricky-call" }?.tags == tricky.tags)
    }

    @Test func restoreIntoAnotherFileCopiesTheDayExactly() throws {
        let original = try seed.store.allAttempts().filter { UTCDay(containing: $0.startedAt) == Seed.day1 }
        try rotate()
        let target = seed.file("day1.sqlite")
        let rows = try ArchiveCatalog(store: seed.store).restore(day: Seed.day1, into: .file(target))
        #expect(rows == original.count)
        #expect(try MeterbookStore(path: target, mode: .readOnly).allAttempts() == original)
        // Again: already there, nothing duplicated.
        #expect(try ArchiveCatalog(store: seed.store).restore(day: Seed.day1, into: .file(target)) == 0)
        #expect(try ArchiveCatalog(store: seed.store).entries().count == 3)
    }

    @Test func restoreIntoTheLiveDatabaseUndoesTheDayAndTheNextRotateRedoesIt() throws {
        let before = try seed.store.allAttempts()
        let report = try UsageReport.build(store: seed.store, days: Seed.days)
        try rotate()
        try ArchiveCatalog(store: seed.store).restore(day: Seed.day2, into: .live)
        #expect(try ArchiveCatalog(store: seed.store).entries().map(\.day) == [Seed.day1, Seed.day3])
        #expect(!FileManager.default.fileExists(atPath: archive + "/2026/03/requests-2026-03-02.ndjson.gz"))
        #expect(try seed.store.allAttempts() == before.filter { [Seed.day2, Seed.day4].contains(UTCDay(containing: $0.startedAt)) })
        #expect(Self.figures(try UsageReport.build(store: seed.store, days: Seed.days).rows) == Self.figures(report.rows))
        try rotate()
        #expect(try ArchiveCatalog(store: seed.store).entries().map(\.day) == [Seed.day1, Seed.day2, Seed.day3])
        #expect(Self.figures(try UsageReport.build(store: seed.store, days: Seed.days).rows) == Self.figures(report.rows))
    }

    @Test func verifyReportsMissingTruncatedAndAlteredArchives() throws {
        try rotate()
        let catalog = ArchiveCatalog(store: seed.store)
        let entries = try catalog.entries()
        try FileManager.default.removeItem(atPath: catalog.path(of: entries[0]))
        let truncated = try Data(contentsOf: URL(fileURLWithPath: catalog.path(of: entries[1])))
        try truncated.prefix(truncated.count / 2).write(to: URL(fileURLWithPath: catalog.path(of: entries[1])))
        var altered = try Data(contentsOf: URL(fileURLWithPath: catalog.path(of: entries[2])))
        altered[altered.count / 2] ^= 0xFF
        try altered.write(to: URL(fileURLWithPath: catalog.path(of: entries[2])))

        let problems = try catalog.verify().map { $0.problem?.code }
        #expect(problems == [.missing, .corrupt, .corrupt])
        #expect(throws: ArchiveError.self) { try catalog.restore(day: Seed.day2, into: .file(seed.file("x.sqlite"))) }
        // Reports keep working from the rollups.
        #expect(try UsageReport.build(store: seed.store, days: Seed.days).totals.calls == 17)
    }

    @Test func anUnwritableArchiveFolderKeepsEveryRow() throws {
        let blocker = seed.file("blocker")
        try Data("a file, not a folder".utf8).write(to: URL(fileURLWithPath: blocker))
        #expect(throws: ArchiveError.self) {
            try ArchiveRotation.rotate(store: seed.store, archiveDirectory: blocker + "/archive", retentionDays: 0, now: now)
        }
        #expect(try seed.store.count() == Seed.attempts.count)
        #expect(try ArchiveCatalog(store: seed.store).entries().isEmpty)
    }

    /// A backlog that is most of the table drops and rebuilds the indexes in the deleting transaction; a rotation
    /// that leaves most rows live deletes row by row. Either way the same rows go, and the indexes stay as the schema
    /// made them.
    @Test(arguments: [false, true])
    func bothDeletePathsKeepTheIndexesAndDeleteExactlyTheArchivedRows(mostRowsStay: Bool) throws {
        var attempts = Seed.attempts
        if mostRowsStay {
            attempts += (0..<200).map { index in
                AttemptRecord(callID: "live-\(index)", startedAt: Seed.at(Seed.day4, "10:00:00.000") + Int64(index), provider: .azureOpenAI,
                              api: .responses, endpoint: Seed.eastEndpoint, deployment: "gpt-4o", path: "/openai/v1/responses", status: 200)
            }
        }
        let seed = try SeededDatabase(attempts: attempts)
        func indexes() throws -> [String] {
            try seed.store.read { db in
                try String.fetchAll(db, sql: "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'requests' AND sql IS NOT NULL ORDER BY name")
            }
        }
        let before = try indexes()
        let live = try seed.store.allAttempts().filter { $0.startedAt >= Seed.day4.startMs }
        let result = try ArchiveRotation.rotate(store: seed.store, archiveDirectory: ArchiveRotation.defaultDirectory(forDatabase: seed.path),
                                                retentionDays: 0, now: now)
        #expect(result.archived.map(\.day) == [Seed.day1, Seed.day2, Seed.day3])
        #expect(try seed.store.allAttempts() == live)
        #expect(try indexes() == before)
        #expect(!before.isEmpty)
        #expect(try seed.store.read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") } == "ok")
        // The indexes answer: a trace of a live call goes through requests_call_id.
        #expect(try CallTrace.find(live[0].callID, in: seed.store).attempts.contains { $0.id == live[0].id })
    }

    @Test func leftoversOfAnInterruptedRotationAreRemovedAndRedone() throws {
        let folder = archive + "/2026/03"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try Data("partial".utf8).write(to: URL(fileURLWithPath: folder + "/requests-2026-03-01.ndjson.gz.tmp"))
        try Data("unrecorded".utf8).write(to: URL(fileURLWithPath: folder + "/requests-2026-03-02.ndjson.gz"))
        let result = try rotate()
        #expect(result.removedLeftovers.count == 2)
        #expect(try ArchiveCatalog(store: seed.store).verify().allSatisfy { $0.problem == nil })
        #expect(!FileManager.default.fileExists(atPath: folder + "/requests-2026-03-01.ndjson.gz.tmp"))
    }
}

@Suite struct ArchiveFormatTests {
    @Test func histogramPercentilesStayWithinOnePercent() {
        var values: [Double] = (1...5000).map { Double($0) * 0.37 + Double(($0 * 7919) % 1000) }
        var histogram = LatencyHistogram()
        for value in values { histogram.add(value) }
        let decoded = LatencyHistogram(encoded: histogram.encoded)
        #expect(decoded == histogram)
        let exact = NearestRank.percentiles(&values, [1, 50, 95, 99, 100])
        for (approx, exact) in zip(decoded.percentiles([1, 50, 95, 99, 100]), exact) {
            #expect(abs(approx! - exact!) <= 0.01 * exact!)
        }
    }

    /// The stored forms read back byte by byte: the zero bucket, negative indexes (latencies under 1 ms), and pairs
    /// that are not `index:count` skipped; open call ids one a line.
    @Test func storedHistogramsAndCallIDsParse() {
        let histogram = LatencyHistogram(encoded: "z:3,-2:1,5:2,bad,7:x,:4,9:1")
        #expect(histogram.counts == [Int.min: 3, -2: 1, 5: 2, 9: 1])
        #expect(histogram.total == 7)
        #expect(LatencyHistogram(encoded: histogram.encoded) == histogram)
        #expect(LatencyHistogram(encoded: "") == LatencyHistogram())
        #expect(DayRollup.decodeIDs("a-1\nb-2\n\nc-3") == ["a-1", "b-2", "c-3"])
        #expect(DayRollup.decodeIDs("").isEmpty)
    }

    @Test func idFilterHasNoFalseNegativesAndFewFalsePositives() {
        var filter = IDFilter(capacity: 2000)
        let ids = (0..<2000).map { "id-\($0)-\(UUID().uuidString)" }
        for id in ids { filter.insert(id) }
        let stored = IDFilter(stored: filter.stored)!
        #expect(ids.allSatisfy(stored.mayContain))
        let falsePositives = (0..<10_000).filter { stored.mayContain("other-\($0)") }.count
        #expect(falsePositives < 500)
    }

    @Test func sha256MatchesKnownDigests() {
        #expect(SHA256.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        var hasher = SHA256()
        let text = Array(String(repeating: "a", count: 1_000_000).utf8)
        // Fed in uneven chunks, as the gzip writer does.
        var offset = 0
        var step = 1
        while offset < text.count {
            let end = min(text.count, offset + step)
            text[offset..<end].withUnsafeBytes { hasher.update($0) }
            offset = end
            step = step * 3 % 997 + 1
        }
        #expect(hasher.finalizeHex() == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// Archives are written with Z_FILTERED; those written before with the default strategy read the same way.
    @Test(arguments: [GzipWriter.Strategy.standard, .filtered])
    func gzipRoundTripsLinesAcrossChunks(strategy: GzipWriter.Strategy) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("meterbook-gzip-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("x.gz").path
        let writer = try GzipWriter(path: path, strategy: strategy)
        var expected: [String] = []
        for index in 0..<20_000 {
            let line = "{\"n\":\(index),\"pad\":\"\(String(repeating: "x", count: index % 300))\"}\n"
            expected.append(String(line.dropLast()))
            try Array(line.utf8).withUnsafeBytes { try writer.write($0) }
        }
        let sha = try writer.finish()
        #expect(throws: ArchiveError.self) { _ = try GzipWriter(path: path) }
        var lines: [String] = []
        let read = try GzipReader(path: path).forEachLine { bytes in
            lines.append(String(decoding: bytes, as: UTF8.self))
            return true
        }
        #expect(lines == expected)
        #expect(read.sha256 == sha)
        #expect(read.lines == expected.count)
    }
}
