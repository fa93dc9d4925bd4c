import Foundation
import Meterbook
import MeterbookTestSupport
import Testing
@testable import MeterbookPostgres

/// The read commands' engine over the central store gives what it gives over SQLite, for the same rows: one
/// seed, both stores, compared output for output.
@Suite(.serialized)
struct CentralReadTests {
    static let server = Result { try PostgresTestServer.start() }
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    /// The seed in SQLite, and the same rows shipped into a fresh PostgreSQL database.
    static func seeded() async throws -> (seed: SeededDatabase, settings: PostgresSettings) {
        let server = try server.get()
        let url = try server.createDatabase()
        let seed = try SeededDatabase()
        let settings = try PostgresSettings(url: url, environment: [:])
        try await CentralDatabase.with(settings, migrate: true) { database in
            try await CentralWriter.upsert(try seed.store.allAttempts(), from: ShipSource(id: UUID(), host: "h", database: seed.path), into: database)
        }
        return (seed, settings)
    }

    static let filters: [AttemptFilter] = [
        AttemptFilter(),
        AttemptFilter(deployments: ["gpt-4o", "claude-sonnet-4-5"]),
        AttemptFilter(statuses: [.code(429)]),
        AttemptFilter(statuses: [.family(5), .code(0)]),
        AttemptFilter(tags: ["app": "web"]),
        AttemptFilter(outcomes: [.ok]),
        AttemptFilter(endpoints: [Seed.westEndpoint]),
        AttemptFilter(deployments: ["nope"]),
    ]

    static let groupings: [[Grouping]] = [
        [.deployment], [.day, .deployment], [.hour], [.model], [.endpoint], [.tag("app")], [.tag("team"), .deployment], [.day],
    ]

    @Test func sameReportsFromBothStores() async throws {
        let (seed, settings) = try await Self.seeded()
        let ranges = [Seed.days, DayRange(from: Seed.day1, to: Seed.day4), DayRange(from: Seed.day2, to: Seed.day2),
                      DayRange(from: UTCDay(iso: "2025-01-01")!, to: UTCDay(iso: "2025-01-02")!)]
        var cases: [(DayRange, [Grouping], AttemptFilter, Bool)] = []
        for grouping in Self.groupings { cases.append((Seed.days, grouping, AttemptFilter(), false)) }
        for filter in Self.filters { cases.append((Seed.days, [.deployment], filter, false)) }
        for range in ranges { cases.append((range, [.day, .deployment], AttemptFilter(), true)) }
        let allCases = cases
        let central = try await CentralReader.read(settings) { source in
            try allCases.map { range, groupings, filter, charts in
                let report = try UsageReport.build(sources: [source], days: range, groupings: groupings, filter: filter, charts: charts, now: Self.now)
                return (JSONReportRenderer().render(report), report.notes, report.charts.map { Self.chartNumbers($0) })
            }
        }
        for (index, (range, groupings, filter, charts)) in cases.enumerated() {
            let local = try UsageReport.build(store: seed.store, days: range, groupings: groupings, filter: filter, charts: charts, now: Self.now)
            #expect(JSONReportRenderer().render(local) == central[index].0, "\(range) by \(groupings.map(\.name)) where \(filter.summary)")
            if local.notes != central[index].1 {
                // The notes name what exists; only "the database" in the empty-store sentence may differ.
                #expect(local.notes == central[index].1, "notes for \(range) where \(filter.summary)")
            }
            #expect(local.charts.map { Self.chartNumbers($0) } == central[index].2)
        }
        // The seed's numbers, not just agreement: 15 calls over the three days, one of them on both sides of midnight.
        let totals = try await CentralReader.read(settings) { source in
            try UsageReport.build(sources: [source], days: Seed.days, groupings: [.deployment], filter: AttemptFilter(), charts: false, now: Self.now).totals
        }
        #expect(totals.calls > 0)
    }

    @Test func sameCheckVerdictFromBothStores() async throws {
        let (seed, settings) = try await Self.seeded()
        let checks = [
            ThresholdCheck(days: Seed.days, thresholds: UsageThresholds(maxDailyCost: 0.01, maxErrorRate: 0.2, maxThrottleRate: 0.1, maxP95Ms: 1000)),
            ThresholdCheck(days: Seed.days, thresholds: UsageThresholds(maxDailyCost: 100), scope: .overall),
            ThresholdCheck(days: Seed.days, filter: AttemptFilter(deployments: ["gpt-4o"]), thresholds: UsageThresholds(maxP95Ms: 500)),
        ]
        let central = try await CentralReader.read(settings) { source in
            try checks.map { try $0.run(on: [source]) }
        }
        for (check, centralResult) in zip(checks, central) {
            let local = try check.run(on: seed.store)
            #expect(local.passed == centralResult.passed)
            #expect(local.crossings == centralResult.crossings)
            #expect(local.json().render(pretty: true) == centralResult.json().render(pretty: true))
        }
        #expect(central[0].passed == false)
    }

    @Test(arguments: [ExportFormat.csv, .ndjson])
    func sameExportRowsFromBothStores(format: ExportFormat) async throws {
        let (seed, settings) = try await Self.seeded()
        for filter in Self.filters.prefix(5) {
            let range = DayRange(from: Seed.day1, to: Seed.day4).bounds
            let central = try await CentralReader.read(settings) { source in
                let sink = ByteSink()
                let rows = try AttemptExport.write(sources: [source], range: range, filter: filter, format: format, to: sink)
                return (rows, sink.text)
            }
            let sink = ByteSink()
            let rows = try AttemptExport.write(store: seed.store, range: range, filter: filter, format: format, to: sink)
            #expect(rows == central.0)
            // SQLite writes in recording order, the central store in time order (rows from many files): same lines.
            let localLines = sink.text.split(whereSeparator: \.isNewline), centralLines = central.1.split(whereSeparator: \.isNewline)
            #expect(localLines.count == centralLines.count)
            if format == .csv { #expect(localLines.first == centralLines.first) }
            #expect(localLines.sorted() == centralLines.sorted(), "\(format) where \(filter.summary)")
        }
    }

    @Test func sameTraceOfEveryIDKindFromBothStores() async throws {
        let (seed, settings) = try await Self.seeded()
        let records = try seed.store.allAttempts()
        let ids: [(String, String)] = [
            ("call_id", "00000000-0000-4000-8000-000000000c15"), ("call_id", "00000000-0000-4000-8000-000000000c03"),
            ("response_id", try #require(records.compactMap(\.responseID).first)),
            ("request_id", try #require(records.compactMap(\.requestID).first)),
            ("apim_request_id", try #require(records.compactMap(\.apimRequestID).first)),
            ("upstream_request_id", try #require(records.compactMap(\.upstreamRequestID).first)),
        ]
        let central = try await CentralReader.read(settings) { source in
            try ids.map { try CallTrace.find($0.1, in: [source]) }
        }
        for ((column, id), centralMatch) in zip(ids, central) {
            let local = try CallTrace.find(id, in: seed.store)
            #expect(centralMatch.matchedColumn == column)
            #expect(TraceFormat.json.render(local) == TraceFormat.json.render(centralMatch), "\(column) \(id)")
            #expect(TraceFormat.text.render(local) == TraceFormat.text.render(centralMatch), "\(column) \(id)")
        }
        #expect(central[0].attempts.count == 2)
        await #expect(throws: CallTrace.NotFound.self) {
            try await CentralReader.read(settings) { source in try CallTrace.find("no-such-id", in: [source]) }
        }
    }

    /// Every query in queries/ and its twin in queries/postgres/ return the same columns and numbers on the seed.
    @Test func eachQueryGivesItsSQLiteTwinsNumbers() async throws {
        let (seed, settings) = try await Self.seeded()
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("queries")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".sql") }.sorted()
        #expect(files.count >= 9)
        let values = ["from": "2026-03-01", "to": "2026-03-04", "id": "00000000-0000-4000-8000-000000000c02", "min_429": "1", "limit": "50", "tag": "app"]
        for name in files {
            let path = folder.appendingPathComponent(name).path
            let twin = CentralQuery.postgresVersion(of: path)
            #expect(twin.hasSuffix("/postgres/" + name), "\(name) has no PostgreSQL version")
            let local = try QueryFile.load(path), central = try QueryFile.load(twin)
            let parameters = values.filter { key, _ in local.parameters.contains { $0.name == key } }
            let localResult = try QueryRunner.run(local, parameters: parameters, store: seed.store)
            let centralResult = try await CentralReader.read(settings) { source in try CentralQuery.run(central, parameters: parameters, on: source) }
            #expect(!localResult.rows.isEmpty, "\(name) returns rows on the seed")
            #expect(localResult.columns == centralResult.columns, "\(name)")
            #expect(localResult.rows.count == centralResult.rows.count, "\(name)")
            for (row, (a, b)) in zip(localResult.rows, centralResult.rows).enumerated() {
                #expect(a.map(Self.comparable) == b.map(Self.comparable), "\(name) row \(row)")
            }
        }
    }

    static func chartNumbers(_ charts: UsageReport.Charts) -> [String] {
        (charts.byTimeAndDeployment + charts.byTime + charts.byDeployment).map {
            "\($0.keys.sorted { $0.key < $1.key }) \($0.calls) \($0.requests) \($0.failed) \($0.costUSD ?? -1) \($0.latencyP95Ms ?? -1)"
        }
    }

    /// Integers and reals as one kind of number (SQLite's sum of integers is an integer, PostgreSQL's a numeric).
    static func comparable(_ node: JSONNode) -> String {
        switch node {
        case .integer(let value): return String(Double(value))
        case .number(let value): return String((value * 1e9).rounded() / 1e9)
        default: return node.render(pretty: false)
        }
    }

    @Test func namedParametersBecomeNumberedOnes() {
        let (sql, names) = CentralQuery.numbered("SELECT ':no', x::text, \"a:b\" FROM t WHERE a = :from AND b < :to -- :comment\n AND c = :from")
        #expect(sql == "SELECT ':no', x::text, \"a:b\" FROM t WHERE a = $1 AND b < $2 -- :comment\n AND c = $1")
        #expect(names == ["from", "to"])
    }

    @Test func refusesWhatItCannotRead() async throws {
        let server = try Self.server.get()
        // Nothing listens on this port.
        let down = try PostgresSettings(url: "postgres://meterbook:s3cret-pw@127.0.0.1:1/meterbook", environment: [:])
        let unreachable = await #expect(throws: CentralStoreError.self) {
            try await CentralReader.read(down) { try $0.coveredDays() }
        }
        #expect(unreachable?.kind == .unreachable)
        #expect(unreachable?.message.contains("s3cret-pw") == false)

        let url = try server.createDatabase()
        let wrong = try PostgresSettings(url: url.replacingOccurrences(of: server.password, with: "wrong-pw-123"), environment: [:])
        let refused = await #expect(throws: CentralStoreError.self) {
            try await CentralReader.read(wrong) { try $0.coveredDays() }
        }
        #expect(refused?.kind == .unreachable)
        #expect(refused?.message.contains("wrong-pw-123") == false)
        #expect(refused?.message.contains(server.password) == false)

        // A database without Meterbook's schema: readers never create tables.
        let empty = try PostgresSettings(url: url, environment: [:])
        let notMeterbook = await #expect(throws: CentralStoreError.self) {
            try await CentralReader.read(empty) { try $0.coveredDays() }
        }
        #expect(notMeterbook?.kind == .notMeterbook)
    }
}
