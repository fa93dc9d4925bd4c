import Foundation
import GRDB
import Testing
@testable import Meterbook

@Suite struct StoreTests {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("meterbook-store-\(UUID().uuidString)")

    static func sampleRecord(callID: String = UUID().uuidString, attempt: Int = 1) -> AttemptRecord {
        var record = AttemptRecord(callID: callID, attempt: attempt, final: false, startedAt: 1_795_000_000_123,
                                   provider: .foundryAnthropic, api: .messages, endpoint: "res.services.ai.azure.com",
                                   deployment: "claude-sonnet-4-5", path: "/anthropic/v1/messages", apiVersion: "v",
                                   stream: true, status: 529, outcome: .streamError, tags: ["app": "x", "user": "ü \"q\""])
        record.model = "claude-sonnet-4-5-20250929"
        record.errorType = "overloaded_error"
        record.errorCode = "overloaded_error"
        record.errorMessage = String(repeating: "é", count: 700)
        record.latencyMs = 12.5
        record.ttfbMs = 3.25
        record.ttftMs = 4.5
        record.dnsMs = 0.1
        record.connectMs = 0.2
        record.tlsMs = 1.5
        record.requestBytes = 100
        record.responseBytes = 2000
        record.inputTokens = 10
        record.outputTokens = 20
        record.totalTokens = 30
        record.cachedInputTokens = 1
        record.cacheWriteTokens = 2
        record.reasoningTokens = 3
        record.usageJSON = #"{"input_tokens":7}"#
        record.costUSD = 0.001234
        record.responseID = "msg_01"
        record.requestID = "rid"
        record.apimRequestID = "apim"
        record.upstreamRequestID = "req_01"
        record.region = "East US"
        record.retryAfterMs = 1500
        record.ratelimitRemainingRequests = 9
        record.ratelimitRemainingTokens = 900
        return record
    }

    @Test func createsPrivateFilesAndRoundTripsEveryColumn() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("nested/meterbook.sqlite").path
        let store = try MeterbookStore(path: path)
        let record = Self.sampleRecord()
        try store.insert([record])
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let folderMode = try FileManager.default.attributesOfItem(atPath: (path as NSString).deletingLastPathComponent)[.posixPermissions] as? Int
        #expect(folderMode == 0o700)
        let walMode = try FileManager.default.attributesOfItem(atPath: path + "-wal")[.posixPermissions] as? Int
        #expect(walMode == 0o600)

        var read = try #require(try store.allAttempts().first)
        #expect(read.id != nil)
        read.id = nil
        var expected = record
        expected.errorMessage = String(repeating: "é", count: AttemptRecord.maxErrorMessageLength)
        #expect(read == expected)
        let journal = try store.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
        #expect(journal == "wal")
    }

    @Test func columnsAreTheContractColumns() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try MeterbookStore(path: folder.appendingPathComponent("m.sqlite").path)
        let columns = try store.read { db in try db.columns(in: "requests").map(\.name) }
        #expect(columns == ["id"] + AttemptRecord.columnNames)
        let indexes = try store.read { db in try db.indexes(on: "requests").flatMap(\.columns) }
        for column in ["started_at", "deployment", "call_id", "response_id", "request_id", "apim_request_id", "upstream_request_id"] {
            #expect(indexes.contains(column), "no index on \(column)")
        }
    }

    @Test func manyOpenersOfOneNewFileAllSucceed() async throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("race.sqlite").path
        for _ in 0..<10 {
            try? FileManager.default.removeItem(at: folder)
            let failures = await withTaskGroup(of: String?.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        await withCheckedContinuation { continuation in
                            Thread.detachNewThread {
                                do {
                                    _ = try MeterbookStore(path: path)
                                    continuation.resume(returning: nil)
                                } catch {
                                    continuation.resume(returning: "\(error)")
                                }
                            }
                        }
                    }
                }
                return await group.compactMap { $0 }.reduce(into: []) { $0.append($1) }
            }
            #expect(failures.isEmpty)
        }
    }

    @Test func readOnlyNeverCreates() throws {
        let path = folder.appendingPathComponent("absent.sqlite").path
        #expect(throws: StoreError.self) { try MeterbookStore(path: path, mode: .readOnly) }
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(!FileManager.default.fileExists(atPath: folder.path))
    }

    @Test func refusesFilesThatAreNotMeterbookDatabases() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let text = folder.appendingPathComponent("notes.sqlite").path
        try Data(String(repeating: "not a database ", count: 100).utf8).write(to: URL(fileURLWithPath: text))
        #expect { try MeterbookStore(path: text) } throws: { ($0 as? StoreError)?.code == .notMeterbook }

        let other = folder.appendingPathComponent("other.sqlite").path
        let queue = try DatabaseQueue(path: other)
        try queue.write { db in try db.execute(sql: "CREATE TABLE t(x)") }
        try queue.close()
        #expect { try MeterbookStore(path: other) } throws: { ($0 as? StoreError)?.code == .notMeterbook }
    }

    @Test func refusesANewerSchemaAndWritesNothing() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("m.sqlite").path
        try MeterbookStore(path: path).insert([Self.sampleRecord()])
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in try db.execute(sql: "PRAGMA user_version = 99") }
        func snapshot() throws -> [String] {
            try queue.read { db in
                try String.fetchAll(db, sql: "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name")
                    + [String(try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0), String(try Int.fetchOne(db, sql: "SELECT count(*) FROM requests") ?? 0)]
            }
        }
        let before = try snapshot()
        for mode in [MeterbookStore.Mode.readWrite, .readOnly] {
            #expect { try MeterbookStore(path: path, mode: mode) } throws: { error in
                guard let error = error as? StoreError else { return false }
                return error.code == .newerSchema && error.message.contains("upgrade meterbook")
            }
        }
        #expect(try snapshot() == before)
        #expect(before.contains("99"))
    }

    @Test func reopeningKeepsRowsAndSchema() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("m.sqlite").path
        try MeterbookStore(path: path).insert([Self.sampleRecord()])
        let reopened = try MeterbookStore(path: path, mode: .readOnly)
        #expect(try reopened.count() == 1)
    }

    /// A shipper's position is "shipped up to id N": ids must never come back, even after rotation empties the table.
    @Test func idsAreNeverReusedAndTheFileHasAStableSourceID() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("m.sqlite").path
        let store = try MeterbookStore(path: path)
        try store.insert([Self.sampleRecord(), Self.sampleRecord(), Self.sampleRecord()])
        try store.write { db in try db.execute(sql: "DELETE FROM requests") }
        try store.insert([Self.sampleRecord()])
        #expect(try store.allAttempts().map(\.id) == [4])
        let sourceID = try #require(try store.sourceID())
        #expect(UUID(uuidString: sourceID) != nil)
        #expect(try MeterbookStore(path: path).sourceID() == sourceID)
    }

    @Test func clearFinalOnlyTouchesEarlierAttempts() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try MeterbookStore(path: folder.appendingPathComponent("m.sqlite").path)
        var first = Self.sampleRecord(callID: "c1", attempt: 1)
        first.final = true
        var second = Self.sampleRecord(callID: "c1", attempt: 2)
        second.final = true
        var other = Self.sampleRecord(callID: "c2", attempt: 1)
        other.final = true
        try store.insert([first, second, other])
        try store.clearFinal(callID: "c1", before: 2)
        #expect(try store.attempts(callID: "c1").map(\.final) == [false, true])
        #expect(try store.attempts(callID: "c2").map(\.final) == [true])
    }
}
