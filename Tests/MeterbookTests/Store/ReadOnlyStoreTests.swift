import Foundation
import MeterbookTestSupport
import Testing
@testable import Meterbook

/// Read commands never create or write a database, and refuse what is not theirs to read.
@Suite struct ReadOnlyStoreTests {
    /// The bytes of the database and its WAL (the -shm index is shared memory, not content).
    func fingerprint(_ path: String) -> [Data?] {
        [path, path + "-wal"].map { FileManager.default.contents(atPath: $0) }
    }

    @Test func aMissingFileIsNeverCreated() throws {
        let seed = try SeededDatabase()
        let path = seed.file("missing.sqlite")
        let error = try #require(throws: StoreError.self) { try MeterbookStore(path: path, mode: .readOnly) }
        #expect(error.code == .missing)
        #expect(error.message.hasPrefix("No Meterbook database at \(path):"))
        #expect(throws: StoreError.self) { try MeterbookStore(path: path, mode: .existing) }
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func readingChangesNoByte() throws {
        let seed = try SeededDatabase()
        let before = fingerprint(seed.path)
        let store = try MeterbookStore(path: seed.path, mode: .readOnly)
        _ = try UsageReport.build(store: store, days: Seed.days, groupings: [.day, .deployment], charts: true)
        _ = try AttemptExport.write(store: store, range: Seed.days.bounds, format: .csv, to: ByteSink())
        _ = try CallTrace.find("chatcmpl-c02", in: store)
        #expect(fingerprint(seed.path) == before)
        #expect(throws: (any Error).self) { try store.write { db in try db.execute(sql: "DELETE FROM requests") } }
        #expect(try store.count() == Seed.attempts.count)
    }

    @Test func filesThatAreNotMeterbookDatabasesAreRefusedUntouched() throws {
        let seed = try SeededDatabase()
        let text = seed.file("notes.txt")
        try Data("just some notes, not SQLite at all\n".utf8).write(to: URL(fileURLWithPath: text))
        let empty = seed.file("empty.sqlite")
        try Data().write(to: URL(fileURLWithPath: empty))
        let foreign = seed.file("other.sqlite")
        try Python.sqlite(foreign, "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO customers VALUES (1, 'Ada')")
        for path in [text, empty, foreign] {
            let before = fingerprint(path)
            let error = try #require(throws: StoreError.self) { try MeterbookStore(path: path, mode: .readOnly) }
            #expect(error.code == .notMeterbook)
            #expect(error.message.hasPrefix(path))
            #expect(error.message.hasSuffix("pass --db with the path of a Meterbook database."))
            #expect(fingerprint(path) == before)
        }
        #expect(try Python.sqlite(foreign, "PRAGMA journal_mode") == [["delete"]])
    }

    @Test func aNewerSchemaIsRefusedAndNothingIsWritten() throws {
        let seed = try SeededDatabase()
        try Python.sqlite(seed.path, "PRAGMA user_version = 99")
        let before = fingerprint(seed.path)
        for mode in [MeterbookStore.Mode.readOnly, .existing, .readWrite] {
            let error = try #require(throws: StoreError.self) { try MeterbookStore(path: seed.path, mode: mode) }
            #expect(error.code == .newerSchema)
            #expect(error.message == "\(seed.path) has schema version 99, newer than this meterbook understands (5): upgrade meterbook; nothing was written.")
        }
        #expect(fingerprint(seed.path) == before)
    }

    @Test func anOlderSchemaIsReadAsItIsAndMigratedOnlyByWriters() throws {
        let seed = try SeededDatabase()
        try Python.sqlite(seed.path, """
            DROP TABLE archives; DROP TABLE rollups; DROP TABLE summary_days; DROP TABLE summary_groups;
            DROP INDEX requests_report; CREATE INDEX requests_started_at ON requests(started_at); PRAGMA user_version = 1
            """)
        let reader = try MeterbookStore(path: seed.path, mode: .readOnly)
        #expect(try UsageReport.build(store: reader, days: Seed.days).totals.calls == 17)
        #expect(try Python.sqlite(seed.path, "PRAGMA user_version") == [["1"]])

        _ = try MeterbookStore(path: seed.path, mode: .existing)
        #expect(try Python.sqlite(seed.path, "PRAGMA user_version") == [["5"]])
        let indexes = try Python.sqlite(seed.path, "SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'requests_%' ORDER BY name")
        #expect(indexes.map { $0[0] }.contains("requests_report"))
        #expect(!indexes.map { $0[0] }.contains("requests_started_at"))
    }

    @Test(arguments: [[Grouping.deployment], [.day, .model, .endpoint]])
    func reportsScanTheCoveringIndex(groupings: [Grouping]) throws {
        let seed = try SeededDatabase()
        let plan = try UsagePlan(groupingSets: [groupings])
        // A --status filter is answered from the index too; --deployment may use (deployment, started_at) instead.
        let sql = DatabaseSource.scanSQL(where: "started_at >= 0 AND started_at < 1 AND (status = 429)", plan: plan)
        let details = try Python.sqlite(seed.path, "EXPLAIN QUERY PLAN " + sql).map { $0[3] }
        #expect(details == ["SEARCH requests USING COVERING INDEX requests_report (started_at>? AND started_at<?)"])
    }
}
