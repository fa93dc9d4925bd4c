import Foundation
import Meterbook
import MeterbookTestSupport
import Testing
@testable import MeterbookPostgres

/// The shipper against a real PostgreSQL cluster: incremental passes, archives, concurrency, restarts.
@Suite(.serialized)
struct ShipperTests {
    static let server = Result { try PostgresTestServer.start() }

    /// `count` attempts on `day`, one second apart from `offset` seconds into the day.
    static func attempts(_ count: Int, day: UTCDay, offset: Int = 0) -> [AttemptRecord] {
        (0..<count).map { index in
            var record = AttemptRecord(callID: UUID().uuidString.lowercased(), startedAt: day.startMs + Int64((offset + index) % 86_000) * 1000,
                                       provider: .azureOpenAI, api: .responses, endpoint: "contoso.openai.azure.com", deployment: "gpt-4o",
                                       path: "/openai/v1/responses", status: 200, outcome: .ok, tags: ["n": "\(index)"])
            record.inputTokens = index
            return record
        }
    }

    static func newStore(_ records: [AttemptRecord]) throws -> (MeterbookStore, URL) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("meterbook-ship-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let store = try MeterbookStore(path: folder.appendingPathComponent("m.sqlite").path)
        if !records.isEmpty { try store.insert(records) }
        return (store, folder)
    }

    static func database(of url: String) -> String {
        String(url.split(separator: "/").last!.split(separator: "?")[0])
    }

    /// (rows, distinct (source_id, id)) of one source in the central store.
    static func counts(_ server: PostgresTestServer, _ database: String, _ store: MeterbookStore) throws -> [String] {
        let source = try store.sourceID()!.lowercased()
        return try server.psql("SELECT count(*), count(DISTINCT id) FROM requests WHERE source_id = '\(source)'", database: database)[0]
    }

    /// Live rows go to COPY straight from SQLite's buffers: text needing COPY's escapes arrives as stored (SQLite
    /// keeps text up to a NUL), and batches read ahead of the current one neither skip nor repeat rows.
    @Test func liveRowsArriveAsStoredAcrossReadAheadBatches() async throws {
        let server = try Self.server.get()
        let url = try server.createDatabase()
        let settings = try PostgresSettings(url: url, environment: [:])
        var records = Self.attempts(1_037, day: UTCDay.today())
        records[5].errorMessage = "tab\there\nnewline \\backslash\r ünïcødé 🚀"
        records[6].errorMessage = "before\u{0}after"
        records[7].tags = ["app": "a\tb", "user": "x\\y"]
        records[8].usageJSON = nil
        records[8].latencyMs = 12.5
        let (store, _) = try Self.newStore(records)
        let shipper = try Shipper(store: store, batchSize: 100)
        let pass = try await CentralDatabase.with(settings, migrate: true) { try await shipper.shipOnce(to: $0) }
        #expect(pass.rowsShipped == 1_037 && pass.rowsInserted == 1_037)
        #expect(pass.shippedID == (try store.allAttempts().compactMap(\.id).max()))

        let db = Self.database(of: url)
        #expect(try Self.counts(server, db, store) == ["1037", "1037"])
        let stored = try store.allAttempts()
        let central = try server.psql("SELECT id, call_id, input_tokens, tags FROM requests ORDER BY id", database: db)
        #expect(central == stored.map { ["\($0.id!)", $0.callID, "\($0.inputTokens!)", $0.tagsJSON] })
        let messages = try server.psql("""
            SELECT error_message = E'tab\\there\\nnewline \\\\backslash\\r ünïcødé 🚀' FROM requests WHERE id = \(stored[5].id!)
            UNION ALL SELECT error_message = '\(stored[6].errorMessage!)' FROM requests WHERE id = \(stored[6].id!)
            UNION ALL SELECT usage_json IS NULL AND latency_ms = 12.5 FROM requests WHERE id = \(stored[8].id!)
            """, database: db)
        #expect(messages == [["t"], ["t"], ["t"]])
    }

    @Test func threeFilesShippedConcurrentlyArriveOnceEach() async throws {
        let server = try Self.server.get()
        let url = try server.createDatabase()
        let settings = try PostgresSettings(url: url, environment: [:])
        let today = UTCDay.today()
        let stores = try [700, 1_300, 2_100].map { try Self.newStore(Self.attempts($0, day: today)).0 }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for store in stores {
                group.addTask {
                    let shipper = try Shipper(store: store, batchSize: 250)
                    try await CentralDatabase.with(settings, migrate: true) { central in
                        let pass = try await shipper.shipOnce(to: central)
                        #expect(pass.rowsShipped == (try store.count()))
                    }
                }
            }
            try await group.waitForAll()
        }
        let db = Self.database(of: url)
        for store in stores {
            let n = try store.count()
            #expect(try Self.counts(server, db, store) == ["\(n)", "\(n)"])
        }
        #expect(try server.psql("SELECT count(*) FROM sources", database: db) == [["3"]])
        // A second pass ships nothing.
        let again = try await CentralDatabase.with(settings, migrate: true) { try await Shipper(store: stores[0]).shipOnce(to: $0) }
        #expect(again.rowsShipped == 0)
    }

    @Test func twoShippersOfOneFileAtOnceLeaveNoDuplicates() async throws {
        let server = try Self.server.get()
        let url = try server.createDatabase()
        let settings = try PostgresSettings(url: url, environment: [:])
        let (store, _) = try Self.newStore(Self.attempts(3_000, day: .today()))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<2 {
                group.addTask {
                    _ = try await CentralDatabase.with(settings, migrate: true) { try await Shipper(store: store, batchSize: 300).shipOnce(to: $0) }
                }
            }
            try await group.waitForAll()
        }
        #expect(try Self.counts(server, Self.database(of: url), store) == ["3000", "3000"])
    }

    @Test func rowsRotatedBeforeAndBetweenPassesAreShippedFromTheArchives() async throws {
        let server = try Self.server.get()
        let url = try server.createDatabase()
        let db = Self.database(of: url)
        let settings = try PostgresSettings(url: url, environment: [:])
        let today = UTCDay.today()
        let (store, folder) = try Self.newStore(Self.attempts(400, day: today.adding(days: -40)) + Self.attempts(300, day: today))
        let archives = folder.appendingPathComponent("archive").path
        // Rotated before the first ship: 400 rows only in an archive.
        let rotated = try ArchiveRotation.rotate(store: store, archiveDirectory: archives, retentionDays: 30)
        #expect(rotated.archived.count == 1)
        #expect(try store.count() == 300)
        let first = try await CentralDatabase.with(settings, migrate: true) { try await Shipper(store: store, archiveDirectory: archives).shipOnce(to: $0) }
        #expect(first.archivesShipped == 1)
        #expect(first.rowsShipped == 700)
        #expect(try Self.counts(server, db, store) == ["700", "700"])

        // Rows recorded late for an old day, with ids above the shipped position, rotated before the next pass.
        try store.insert(Self.attempts(50, day: today.adding(days: -35)))
        _ = try ArchiveRotation.rotate(store: store, archiveDirectory: archives, retentionDays: 30)
        #expect(try store.count() == 300)
        try store.insert(Self.attempts(20, day: today))
        let second = try await CentralDatabase.with(settings, migrate: true) { try await Shipper(store: store, archiveDirectory: archives).shipOnce(to: $0) }
        #expect(second.archivesShipped == 1)
        #expect(second.rowsShipped == 70)
        #expect(try Self.counts(server, db, store) == ["770", "770"])
        // An archive of rows already shipped live is shipped again without duplicates.
        let third = try await CentralDatabase.with(settings, migrate: true) { try await Shipper(store: store, archiveDirectory: archives).shipOnce(to: $0) }
        #expect(third.rowsShipped == 0)
    }

    /// Rows shipped live and archived later are not copied again: the archive pass asks which it has, copies only
    /// the others, and refreshes what changed since (a reprice's cost, a `final` cleared by a late retry).
    @Test func archivesOfShippedRowsRefreshOnlyWhatChanged() async throws {
        let server = try Self.server.get()
        let url = try server.createDatabase()
        let db = Self.database(of: url)
        let settings = try PostgresSettings(url: url, environment: [:])
        let today = UTCDay.today()
        let (store, folder) = try Self.newStore(Self.attempts(500, day: today.adding(days: -40)))
        let archives = folder.appendingPathComponent("archive").path
        let live = try await CentralDatabase.with(settings, migrate: true) { try await Shipper(store: store, archiveDirectory: archives).shipOnce(to: $0) }
        #expect(live.rowsInserted == 500)
        let ids = try store.allAttempts().compactMap(\.id).sorted()
        try store.write { db in
            try db.execute(sql: "UPDATE requests SET cost_usd = 0.125 WHERE id IN (?, ?)", arguments: [ids[3], ids[400]])
            try db.execute(sql: "UPDATE requests SET final = 0 WHERE id = ?", arguments: [ids[7]])
        }
        // Rotated with 20 rows the central store never got.
        try store.insert(Self.attempts(20, day: today.adding(days: -40), offset: 1_000))
        _ = try ArchiveRotation.rotate(store: store, archiveDirectory: archives, retentionDays: 30)
        #expect(try store.count() == 0)
        let archived = try await CentralDatabase.with(settings, migrate: true) { try await Shipper(store: store, archiveDirectory: archives).shipOnce(to: $0) }
        #expect(archived.archivesShipped == 1)
        #expect(archived.rowsShipped == 520)
        #expect(archived.rowsInserted == 20)
        #expect(try Self.counts(server, db, store) == ["520", "520"])
        #expect(try server.psql("SELECT id, cost_usd, final FROM requests WHERE cost_usd IS NOT NULL OR final = 0 ORDER BY id", database: db)
            == [["\(ids[3])", "0.125", "1"], ["\(ids[7])", "", "0"], ["\(ids[400])", "0.125", "1"]])
    }

    @Test func aNewerCentralSchemaIsRefused() async throws {
        let server = try Self.server.get()
        let url = try server.createDatabase()
        let settings = try PostgresSettings(url: url, environment: [:])
        let (store, _) = try Self.newStore(Self.attempts(10, day: .today()))
        try await CentralDatabase.with(settings, migrate: true) { _ in }
        try server.psql("INSERT INTO meterbook_schema (version, name) VALUES (99, 'from the future')", database: Self.database(of: url))
        await #expect(throws: CentralStoreError.self) {
            try await CentralDatabase.with(settings, migrate: true) { try await Shipper(store: store).shipOnce(to: $0) }
        }
        do {
            _ = try await CentralDatabase.connect(settings, migrate: true)
        } catch let error as CentralStoreError {
            #expect(error.kind == .newerSchema)
            #expect(error.message.contains("newer"))
            #expect(!error.message.contains(server.password))
        }
    }

    @Test func centralRetentionDropsWholeDayPartitions() async throws {
        let server = try Self.server.get()
        let url = try server.createDatabase()
        let db = Self.database(of: url)
        let settings = try PostgresSettings(url: url, environment: [:])
        let today = UTCDay.today()
        let (store, _) = try Self.newStore(Self.attempts(10, day: today.adding(days: -3)) + Self.attempts(20, day: today.adding(days: -2))
                                           + Self.attempts(30, day: today))
        let dropped = try await CentralDatabase.with(settings, migrate: true) { central in
            try await Shipper(store: store).shipOnce(to: central)
            return try await CentralRetention.dropDays(before: today.adding(days: -2), in: central)
        }
        #expect(dropped == ["requests_" + today.adding(days: -3).description.replacingOccurrences(of: "-", with: "")])
        #expect(try server.psql("SELECT count(*) FROM requests", database: db) == [["50"]])
        // The dropped day is not shipped again.
        let again = try await CentralDatabase.with(settings, migrate: true) { try await Shipper(store: store).shipOnce(to: $0) }
        #expect(again.rowsShipped == 0)
    }

    @Test func aContinuousShipperRidesOutAServerRestart() async throws {
        let server = try Self.server.get()
        let url = try server.createDatabase()
        let db = Self.database(of: url)
        let settings = try PostgresSettings(url: url, environment: [:])
        let (store, _) = try Self.newStore(Self.attempts(2_000, day: .today()))
        let outages = Counter()
        let loop = ContinuousShipper(shipper: try Shipper(store: store, batchSize: 200), settings: settings, interval: 0.1, passTimeout: 5) { event in
            if case .outage = event {
                outages.add()
            }
        }
        loop.start()
        defer { Task { await loop.stop() } }
        try await Self.waitUntil { loop.shipped >= 200 }
        try server.stop()
        // Recording goes on while the server is down.
        try store.insert(Self.attempts(1_000, day: .today(), offset: 3_000))
        try await Task.sleep(nanoseconds: 1_500_000_000)
        try server.restart()
        try store.insert(Self.attempts(500, day: .today(), offset: 5_000))
        try await Self.waitUntil(timeout: 60) { (try? Self.counts(server, db, store)) == ["3500", "3500"] }
        await loop.stop()
        #expect(try Self.counts(server, db, store) == ["3500", "3500"])
        #expect(outages.value == 1)
        #expect(loop.failures >= 1)
    }

    /// The pass timeout is for a pass that stalls, not for a long backlog that keeps committing batches.
    @Test func aBacklogLongerThanThePassTimeoutShipsInOnePass() async throws {
        let server = try Self.server.get()
        let url = try server.createDatabase()
        let db = Self.database(of: url)
        let (store, _) = try Self.newStore(Self.attempts(30_000, day: .today()))
        let outages = Counter()
        // Batches of 20: some 1,500 transactions, several seconds in all, each far under the timeout.
        let loop = ContinuousShipper(shipper: try Shipper(store: store, batchSize: 20), settings: try PostgresSettings(url: url, environment: [:]),
                                     interval: 3_600, passTimeout: 1.5, finalPassTimeout: 0) { event in
            if case .outage = event { outages.add() }
        }
        let start = DispatchTime.now().uptimeNanoseconds
        loop.start()
        try await Self.waitUntil(timeout: 120) { loop.passes >= 1 || loop.failures >= 1 }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        await loop.stop()
        #expect(seconds > 1.5, "the backlog shipped in \(seconds) s: too fast to show anything")
        #expect(loop.failures == 0 && outages.value == 0)
        #expect(try Self.counts(server, db, store) == ["30000", "30000"])
    }

    @Test func stoppingMakesAFinalPassForWhatWasRecordedSinceTheLast() async throws {
        let server = try Self.server.get()
        let url = try server.createDatabase()
        let db = Self.database(of: url)
        let (store, _) = try Self.newStore(Self.attempts(100, day: .today()))
        // A pass an hour: after the first, only the final pass can ship the rows inserted below.
        let loop = ContinuousShipper(shipper: try Shipper(store: store, batchSize: 200), settings: try PostgresSettings(url: url, environment: [:]),
                                     interval: 3_600)
        loop.start()
        try await Self.waitUntil { loop.passes >= 1 }
        try store.insert(Self.attempts(300, day: .today(), offset: 1_000))
        await loop.stop()
        #expect(try Self.counts(server, db, store) == ["400", "400"])
        #expect(loop.passes == 2 && loop.shipped == 400)
    }

    static func waitUntil(timeout: TimeInterval = 30, _ condition: () throws -> Bool) async throws {
        let deadline = Date(timeIntervalSinceNow: timeout)
        while try !condition() {
            if Date() > deadline { Issue.record("timed out"); return }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
    }
}

final class Counter: Sendable {
    private let count = Locked(0)
    func add() { count.withLock { $0 += 1 } }
    var value: Int { count.current }
}
