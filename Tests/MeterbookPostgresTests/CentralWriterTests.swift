import Foundation
import Meterbook
import MeterbookTestSupport
import Testing
@testable import MeterbookPostgres

/// Upserts into the central table, against a real PostgreSQL cluster.
@Suite(.serialized)
struct CentralWriterTests {
    static let server = Result { try PostgresTestServer.start() }

    @Test func everyColumnArrivesAndShippingTwiceKeepsOneRow() async throws {
        let server = try Self.server.get()
        let url = try server.createDatabase()
        let database = String(url.split(separator: "/").last!.split(separator: "?")[0])
        let seed = try SeededDatabase()
        var records = try seed.store.allAttempts()
        // Text that COPY must escape, and text it must not mangle.
        records[0].errorMessage = "tab\there\nnewline \\backslash\r ünïcødé 🚀"
        records[0].tags = ["app": "a\tb", "user": "x\\y"]
        // PostgreSQL's text cannot hold a NUL: it is left out rather than failing the batch and every later one.
        records[1].errorMessage = "before\u{0}after"
        let source = ShipSource(id: UUID(), host: "host-1", database: seed.path)
        let settings = try PostgresSettings(url: url, environment: [:])

        let inserted = try await CentralDatabase.with(settings, migrate: true) { database in
            try await CentralWriter.upsert(records, from: source, into: database)
        }
        #expect(inserted == records.count)
        let again = try await CentralDatabase.with(settings, migrate: true) { database in
            try await CentralWriter.upsert(records, from: source, into: database)
        }
        #expect(again == 0)
        #expect(try server.psql("SELECT count(*), count(DISTINCT (source_id, id)) FROM requests", database: database) == [["\(records.count)", "\(records.count)"]])

        // Every column as SQLite has it: compare the contract columns row by row through psql's text output.
        let columns = AttemptRecord.columnNames.filter { $0 != "error_message" && $0 != "tags" }
        #expect(try server.psql("SELECT error_message FROM requests WHERE id = \(records[1].id!)", database: database) == [["beforeafter"]])
        let central = try server.psql("SELECT id, \(columns.joined(separator: ", ")) FROM requests ORDER BY id", database: database)
        let local = try Python.sqlite(seed.path, "SELECT id, \(columns.joined(separator: ", ")) FROM requests ORDER BY id")
        #expect(central.count == local.count)
        for (centralRow, localRow) in zip(central, local) {
            for (index, column) in (["id"] + columns).enumerated() {
                let a = centralRow[index], b = localRow[index]
                if let x = Double(a), let y = Double(b) {
                    #expect(x == y, "\(column) of row \(centralRow[0])")
                } else {
                    #expect(a == b || (a.isEmpty && b == "None"), "\(column) of row \(centralRow[0]): \(a) vs \(b)")
                }
            }
        }
        let escaped = try server.psql("SELECT error_message = \(Self.literal(records[0].errorMessage!)), tags FROM requests WHERE id = \(records[0].id!)", database: database)
        #expect(escaped == [["t", #"{"app":"a\tb","user":"x\\y"}"#]])
    }

    @Test func aRetryShippedLaterClearsTheEarlierAttemptsFinal() async throws {
        let server = try Self.server.get()
        let url = try server.createDatabase()
        let database = String(url.split(separator: "/").last!.split(separator: "?")[0])
        let settings = try PostgresSettings(url: url, environment: [:])
        let source = ShipSource(id: UUID(), host: "h", database: "/d.sqlite")
        var first = AttemptRecord(callID: "call-1", attempt: 1, final: true, startedAt: 1_763_683_200_000, provider: .azureOpenAI, api: .chatCompletions,
                                  endpoint: "e", method: "POST", path: "/p", stream: false, status: 429, outcome: .httpError)
        first.id = 1
        var retry = first
        retry.id = 2
        retry.attempt = 2
        retry.status = 200
        retry.outcome = .ok
        retry.startedAt += 86_400_000 // across midnight: another partition
        try await CentralDatabase.with(settings, migrate: true) { database in
            try await CentralWriter.upsert([first], from: source, into: database)
            try await CentralWriter.upsert([retry], from: source, into: database)
        }
        #expect(try server.psql("SELECT attempt, final FROM requests ORDER BY attempt", database: database) == [["1", "0"], ["2", "1"]])
        #expect(try server.psql("SELECT count(*) FROM pg_inherits WHERE inhparent = 'requests'::regclass", database: database) == [["2"]])
    }

    /// Which retries make the writer un-final earlier attempts: a call begun in this batch and cleared before its
    /// retry (as the proxy and the client record) needs nothing; one begun earlier, or with a final left on an
    /// earlier attempt here (a recorder user that cleared late), is fixed after the COPY.
    @Test func retriesOfCallsBegunEarlierOrLeftFinalAreUnfinaled() async throws {
        let server = try Self.server.get()
        let url = try server.createDatabase()
        let database = String(url.split(separator: "/").last!.split(separator: "?")[0])
        let settings = try PostgresSettings(url: url, environment: [:])
        let source = ShipSource(id: UUID(), host: "h", database: "/d.sqlite")
        var nextID: Int64 = 0
        func attempt(_ call: String, _ number: Int, final: Bool) -> AttemptRecord {
            nextID += 1
            var record = AttemptRecord(callID: call, attempt: number, final: final, startedAt: 1_763_683_200_000 + nextID * 1000, provider: .azureOpenAI,
                                       api: .chatCompletions, endpoint: "e", method: "POST", path: "/p", stream: false, status: final ? 200 : 429,
                                       outcome: final ? .ok : .httpError)
            record.id = nextID
            return record
        }
        let earlier = [attempt("begun-earlier", 1, final: true)]
        let batch = [
            attempt("cleared", 1, final: false), attempt("cleared", 2, final: true),
            attempt("begun-earlier", 2, final: true),
            attempt("left-final", 1, final: true), attempt("left-final", 2, final: true),
            attempt("three", 1, final: false), attempt("three", 2, final: true), attempt("three", 3, final: true),
        ]
        let copy = try CopyBatch(batch, from: source)
        #expect(copy.retriedCalls == ["begun-earlier": 2, "left-final": 2, "three": 3])
        try await CentralDatabase.with(settings, migrate: true) { database in
            try await CentralWriter.upsert(earlier, from: source, into: database)
            try await CentralWriter.upsert(batch, from: source, into: database)
        }
        #expect(try server.psql("SELECT call_id, string_agg(final::text, ',' ORDER BY attempt) FROM requests GROUP BY call_id ORDER BY call_id", database: database)
            == [["begun-earlier", "0,1"], ["cleared", "0,1"], ["left-final", "0,1"], ["three", "0,0,1"]])
    }

    static func literal(_ text: String) -> String {
        "E'" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'")
            .replacingOccurrences(of: "\t", with: "\\t").replacingOccurrences(of: "\n", with: "\\n").replacingOccurrences(of: "\r", with: "\\r") + "'"
    }
}
