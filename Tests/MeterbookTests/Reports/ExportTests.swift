import Foundation
import MeterbookTestSupport
import Testing
@testable import Meterbook

@Suite struct ExportTests {
    func export(_ seed: SeededDatabase, format: ExportFormat, range: Range<Int64> = Seed.days.bounds,
                filter: AttemptFilter = AttemptFilter()) throws -> (text: String, rows: Int) {
        let sink = ByteSink()
        let rows = try AttemptExport.write(store: seed.store, range: range, filter: filter, format: format, to: sink)
        return (sink.text, rows)
    }

    @Test func csvHasAHeaderAndOneRowPerAttemptInRecordingOrder() throws {
        let seed = try SeededDatabase()
        let (text, count) = try export(seed, format: .csv)
        #expect(count == 23)
        #expect(text.hasSuffix("\r\n"))
        let rows = try Python.parseCSV(text)
        #expect(rows.first == ["id"] + AttemptRecord.columnNames)
        #expect(rows.count == 24)
        let header = rows[0]
        func column(_ name: String) -> Int { header.firstIndex(of: name)! }
        let ids = rows.dropFirst().map { Int64($0[column("id")])! }
        #expect(ids == ids.sorted())
        #expect(Set(rows.dropFirst().map { $0[column("call_id")] }) == Set(Seed.attempts.filter { Seed.days.bounds.contains($0.startedAt) }.map(\.callID)))
        let claude = try #require(rows.first { $0[column("call_id")] == Seed.callID("c04") })
        #expect(claude[column("usage_json")] == #"{"input_tokens":100,"cache_read_input_tokens":3000,"cache_creation_input_tokens":1000,"output_tokens":400}"#)
        #expect(claude[column("tags")] == #"{"app":"web","team":"assist"}"#)
        #expect(claude[column("cost_usd")] == "0.01095")
        #expect(claude[column("cache_write_tokens")] == "1000")
        #expect(claude[column("api_version")] == "")
        #expect(claude[column("stream")] == "1")
    }

    @Test func csvQuotesByRFC4180AndNeutralisesFormulas() throws {
        var attempts: [AttemptRecord] = []
        let messages = ["=HYPERLINK(\"http://evil\",\"click\")", "+1+2", "-2+3", "@SUM(A1)", "\tTAB", "plain, with comma",
                        "line one\r\nline two", "say \"hi\"", "ünïcödé ✓"]
        for (index, message) in messages.enumerated() {
            var record = AttemptRecord(callID: "x\(index)", startedAt: Seed.at(Seed.day1, "01:00:00.000") + Int64(index), provider: .azureOpenAI,
                                       api: .chatCompletions, endpoint: "e", deployment: index == 0 ? "=cmd|' /C calc'!A0" : "d",
                                       path: "/p", status: 400, outcome: .httpError)
            record.errorMessage = message
            record.ratelimitRemainingTokens = -3
            attempts.append(record)
        }
        let seed = try SeededDatabase(attempts: attempts)
        let rows = try Python.parseCSV(try export(seed, format: .csv).text)
        let header = rows[0]
        let messageColumn = header.firstIndex(of: "error_message")!
        #expect(rows.dropFirst().map { $0[messageColumn] } == [
            "'=HYPERLINK(\"http://evil\",\"click\")", "'+1+2", "'-2+3", "'@SUM(A1)", "'\tTAB", "plain, with comma",
            "line one\r\nline two", "say \"hi\"", "ünïcödé ✓",
        ])
        #expect(rows[1][header.firstIndex(of: "deployment")!] == "'=cmd|' /C calc'!A0")
        // Numbers are numbers: never prefixed.
        #expect(rows.dropFirst().allSatisfy { $0[header.firstIndex(of: "ratelimit_remaining_tokens")!] == "-3" })
    }

    @Test func ndjsonLinesAreTheTraceRows() throws {
        let seed = try SeededDatabase()
        let (text, count) = try export(seed, format: .ndjson, range: Seed.day1.startMs..<Seed.day4.endMs)
        let lines = text.split(separator: "\n")
        #expect(lines.count == count)
        #expect(count == Seed.attempts.count)
        let records = try seed.store.allAttempts().sorted { ($0.id ?? 0) < ($1.id ?? 0) }
        for (line, record) in zip(lines, records) {
            let exported = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? NSDictionary
            let traced = try JSONSerialization.jsonObject(with: Data(record.jsonRow.render(pretty: false).utf8)) as? NSDictionary
            #expect(exported == traced, "\(line)")
        }
        let first = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        #expect(Array(first.keys).sorted() == AttemptExport.columns.sorted())
        #expect((first["tags"] as? [String: String]) == ["app": "web", "team": "search"])
        #expect(first["final"] as? Int == 1)
    }

    @Test func filtersAndEmptyRanges() throws {
        let seed = try SeededDatabase()
        #expect(try export(seed, format: .csv, filter: AttemptFilter(statuses: [.code(429)])).rows == 8)
        #expect(try export(seed, format: .csv, filter: AttemptFilter(deployments: ["gpt-4o"], tags: ["team": "search"])).rows == 11)
        let day4 = try export(seed, format: .ndjson, range: Seed.day4.startMs..<Seed.day4.endMs)
        #expect(day4.rows == 1)
        let empty = try export(seed, format: .csv, range: 0..<1)
        #expect(empty.rows == 0)
        #expect(try Python.parseCSV(empty.text) == [AttemptExport.columns])
        #expect(try export(seed, format: .ndjson, range: 0..<1).text.isEmpty)
    }

    /// Rows recorded out of time order: the interval of ids is the table's own when the range holds every attempt,
    /// the range's min/max otherwise, and either way the export holds exactly the range's attempts.
    @Test func idBoundsHoldEveryAttemptOfTheRange() throws {
        let times = [Seed.at(Seed.day1, "12:00:00.000"), Seed.at(Seed.day1, "01:00:00.000"), Seed.at(Seed.day2, "05:00:00.000"),
                     Seed.at(Seed.day1, "23:59:59.999"), Seed.at(Seed.day2, "00:00:00.000")]
        let attempts = times.enumerated().map { index, startedAt in
            AttemptRecord(callID: "o\(index)", startedAt: startedAt, provider: .azureOpenAI, api: .chatCompletions, endpoint: "e",
                          deployment: "d", path: "/p", status: 200, outcome: .ok)
        }
        let seed = try SeededDatabase(attempts: attempts)
        let ids = try seed.store.read { db in try Int64.fetchAll(db, sql: "SELECT id FROM requests ORDER BY id") }
        func bounds(_ range: Range<Int64>) throws -> [Int64]? {
            try seed.store.read { db in try DatabaseSource.idBounds(db, range).map { [$0.first, $0.last] } }
        }
        #expect(try bounds(Seed.day1.startMs..<Seed.day2.endMs) == [ids[0], ids[4]])
        #expect(try bounds(0..<Int64.max) == [ids[0], ids[4]])
        #expect(try bounds(Seed.day1.startMs..<Seed.day1.endMs) == [ids[0], ids[3]])
        #expect(try bounds(Seed.day2.startMs..<Seed.day2.endMs) == [ids[2], ids[4]])
        #expect(try bounds(Seed.at(Seed.day1, "06:00:00.000")..<Seed.day2.endMs) == [ids[0], ids[4]])
        #expect(try bounds(0..<1) == nil)
        func exported(_ range: Range<Int64>) throws -> [String] {
            let rows = try Python.parseCSV(try export(seed, format: .csv, range: range).text)
            let column = rows[0].firstIndex(of: "call_id")!
            return rows.dropFirst().map { $0[column] }
        }
        #expect(try exported(Seed.day1.startMs..<Seed.day2.endMs) == ["o0", "o1", "o2", "o3", "o4"])
        #expect(try exported(Seed.day1.startMs..<Seed.day1.endMs) == ["o0", "o1", "o3"])
        #expect(try exported(Seed.day2.startMs..<Seed.day2.endMs) == ["o2", "o4"])
        #expect(try exported(Seed.at(Seed.day1, "06:00:00.000")..<Seed.day2.endMs) == ["o0", "o2", "o3", "o4"])
    }
}
