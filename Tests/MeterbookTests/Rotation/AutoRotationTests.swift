import Foundation
import GRDB
import MeterbookTestSupport
import Testing
@testable import Meterbook

@Suite struct AutoRotationTests {
    /// Old attempts with bulky usage objects, so freed pages are worth measuring.
    static func bulkyAttempts(days: Int, perDay: Int, endingBefore day: UTCDay) -> [AttemptRecord] {
        var attempts: [AttemptRecord] = []
        for dayOffset in 1...days {
            let start = day.adding(days: -Int64(dayOffset)).startMs
            for index in 0..<perDay {
                var record = AttemptRecord(callID: "call-\(dayOffset)-\(index)", startedAt: start + Int64(index) * 1000, provider: .azureOpenAI,
                                           api: .responses, endpoint: "e.openai.azure.com", deployment: "gpt-4o", path: "/openai/v1/responses", status: 200)
                record.usageJSON = "{\"pad\":\"\(String(repeating: "u", count: 600))\"}"
                record.inputTokens = index
                record.latencyMs = Double(index % 500)
                attempts.append(record)
            }
        }
        return attempts
    }

    func fileSize(_ path: String) throws -> Int {
        let main = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0
        let wal = (try? FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int) ?? 0
        return main + wal
    }

    /// Twice: the first rotation converts the file to incremental auto-vacuum, the second frees pages incrementally.
    @Test func rotationShrinksTheDatabaseFile() throws {
        let today = UTCDay.today()
        let seed = try SeededDatabase(attempts: [])
        for round in 0..<2 {
            try seed.store.insert(Self.bulkyAttempts(days: 3, perDay: 2000, endingBefore: today.adding(days: -5 - 10 * Int64(round))))
            try seed.store.pool.writeWithoutTransaction { db in _ = try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
            let before = try fileSize(seed.path)
            let result = try ArchiveRotation.rotate(store: seed.store, archiveDirectory: seed.file("archive"), retentionDays: 2)
            #expect(result.archived.count == 3)
            #expect(try seed.store.count() == 0)
            let after = try fileSize(seed.path)
            #expect(after * 4 < before, "round \(round): \(before) -> \(after)")
            #expect(try seed.store.read { db in try Int.fetchOne(db, sql: "PRAGMA auto_vacuum") } == 2)
        }
    }

    @Test func rotatesAtStartAndAgainWhenTheDayChanges() throws {
        let seed = try SeededDatabase()
        let clock = RotationClock(Date(timeIntervalSince1970: Double(Seed.day3.startMs + 3_600_000) / 1000))
        // Retention 0: at day 3, days 1 and 2 go; once the clock reaches day 5, days 3 and 4 go too.
        let rotation = AutoRotation(store: seed.store, retentionDays: 0, checkInterval: 0.05, clock: { clock.now })
        rotation.start()
        try Self.wait { rotation.runs >= 1 }
        #expect(try ArchiveCatalog(store: seed.store).entries().map(\.day) == [Seed.day1, Seed.day2])
        let runs = rotation.runs
        Thread.sleep(forTimeInterval: 0.3)
        #expect(rotation.runs == runs)   // same day: no new run
        clock.now = Date(timeIntervalSince1970: Double(Seed.day4.endMs + 3_600_000) / 1000)
        try Self.wait { rotation.runs > runs }
        rotation.stop()
        #expect(try ArchiveCatalog(store: seed.store).entries().map(\.day) == [Seed.day1, Seed.day2, Seed.day3, Seed.day4])
        #expect(try seed.store.count() == 0)
    }

    @Test func stopBeforeTheFirstCheckStopsCleanly() {
        let seed = try? SeededDatabase()
        guard let seed else { return }
        let rotation = AutoRotation(store: seed.store, retentionDays: 30, checkInterval: 3600)
        rotation.start()
        rotation.stop()
        rotation.stop()
    }

    @Test func retentionSectionOfTheConfig() throws {
        let config = try MeterbookConfig.parse("[retention]\ndays = 7\nauto_rotate = false\n")
        #expect(config.retention == MeterbookConfig.Retention(days: 7, autoRotate: false))
        #expect(try MeterbookConfig.parse("").retention == MeterbookConfig.Retention())
        #expect(throws: ConfigError.self) { try MeterbookConfig.parse("[retention]\ndays = -1\n") }
        #expect(throws: ConfigError.self) { try MeterbookConfig.parse("[retention]\nauto_rotate = \"yes\"\n") }
        #expect(throws: ConfigError.self) { try MeterbookConfig.parse("retention = 3\n") }
    }

    /// Polls a condition (no timing assertion: only a generous deadline against hangs).
    static func wait(_ condition: () -> Bool) throws {
        let deadline = Date(timeIntervalSinceNow: 60)
        while !condition() {
            guard Date() < deadline else { throw CancellationError() }
            Thread.sleep(forTimeInterval: 0.02)
        }
    }
}

/// A settable clock for `AutoRotation`.
final class RotationClock: @unchecked Sendable {
    // @unchecked: `value` is only touched under `lock`.
    private let lock = NSLock()
    private var value: Date

    init(_ date: Date) { value = date }

    var now: Date {
        get { lock.withLock { value } }
        set { lock.withLock { value = newValue } }
    }
}
