import Foundation
import GRDB
import Testing
@testable import Meterbook

@Suite struct RecorderTests {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("meterbook-recorder-\(UUID().uuidString)")

    @Test func writesEverythingQueuedInBatches() async throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try MeterbookStore(path: folder.appendingPathComponent("m.sqlite").path)
        let recorder = Recorder(store: store)
        for index in 0..<5_000 { recorder.record(StoreTests.sampleRecord(callID: "call-\(index)")) }
        #expect(await recorder.flush())
        #expect(try store.count() == 5_000)
        let stats = recorder.statistics
        #expect(stats.recorded == 5_000 && stats.written == 5_000 && stats.dropped == 0 && stats.queued == 0)
        recorder.close()
    }

    @Test func aFailingDatabaseNeverReachesTheCallerAndRowsAreRetried() async throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("m.sqlite").path
        let store = try MeterbookStore(path: path)
        // Another connection holds the write lock: inserts fail with SQLITE_BUSY after the busy timeout.
        let blocker = try MeterbookStore(path: path, busyTimeout: 0.05)
        let blockedStore = try MeterbookStore(path: path, busyTimeout: 0.05)
        let recorder = Recorder(store: blockedStore)
        let release = Self.holdWriteLock(blocker)
        for index in 0..<10 { recorder.record(StoreTests.sampleRecord(callID: "c\(index)")) }  // returns at once, no throw
        #expect(!(await recorder.flush(timeout: 0.5)), "nothing can be written while the lock is held")
        #expect(recorder.statistics.writeFailures > 0)
        #expect(recorder.statistics.queued + (10 - recorder.statistics.written) >= 10)
        release.signal()
        #expect(await recorder.flush(timeout: 10))
        #expect(try store.count() == 10)
        #expect(recorder.statistics.dropped == 0)
        recorder.close()
    }

    @Test func aFullQueueDropsTheOldestAndCountsThem() async throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("m.sqlite").path
        let store = try MeterbookStore(path: path, busyTimeout: 0.01)
        let blocker = try MeterbookStore(path: path)
        var options = Recorder.Options()
        options.maxQueued = 5
        options.batchSize = 1
        let recorder = Recorder(store: store, options: options)
        let release = Self.holdWriteLock(blocker)
        for index in 0..<20 { recorder.record(StoreTests.sampleRecord(callID: "c\(index)")) }
        #expect(recorder.statistics.dropped >= 14)
        release.signal()
        #expect(await recorder.flush(timeout: 10))
        let written = try store.count()
        #expect(written + recorder.statistics.dropped == 20)
        recorder.close()
    }

    /// Holds `store`'s write lock on another thread until the returned semaphore is signalled.
    static func holdWriteLock(_ store: MeterbookStore) -> DispatchSemaphore {
        let locked = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            try? store.write { _ in
                locked.signal()
                release.wait()
            }
        }
        locked.wait()
        return release
    }

    @Test func clearFinalIsAppliedAfterTheInsertsBeforeIt() async throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try MeterbookStore(path: folder.appendingPathComponent("m.sqlite").path)
        let recorder = Recorder(store: store)
        var first = StoreTests.sampleRecord(callID: "c", attempt: 1)
        first.final = true
        recorder.record(first)
        recorder.clearFinal(callID: "c", before: 2)
        var second = StoreTests.sampleRecord(callID: "c", attempt: 2)
        second.final = true
        recorder.record(second)
        await recorder.flush()
        #expect(try store.attempts(callID: "c").map(\.final) == [false, true])
        recorder.close()
    }

    @Test func recordingAfterCloseIsCountedNotThrown() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try MeterbookStore(path: folder.appendingPathComponent("m.sqlite").path)
        let recorder = Recorder(store: store)
        recorder.close()
        recorder.record(StoreTests.sampleRecord())
        #expect(recorder.statistics.dropped == 1)
        #expect(try store.count() == 0)
    }
}
