import Foundation
import MeterbookTestSupport
import Testing

/// Each bad input: the exit code of CONTRACT.md and one line on stderr that says what to do.
@Suite struct BadInputTests {
    let seed: SeededDatabase

    init() throws {
        seed = try SeededDatabase()
    }

    func expectUsageError(_ arguments: [String], mentions: [String]) async throws {
        let result = try await CLI.run(arguments)
        #expect(result.status == 2, "\(arguments): \(result.stderr)")
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        #expect(result.stderr.hasPrefix("meterbook: "))
        for text in mentions {
            #expect(result.stderr.contains(text), "\(arguments): \(result.stderr)")
        }
    }

    @Test func usageErrorsExitTwoNamingWhatIsAccepted() async throws {
        let db = ["--db", seed.path]
        try await expectUsageError(["report", "--from", "2026-03-05", "--to", "2026-03-01"] + db,
                                   mentions: ["--from 2026-03-05 is after --to 2026-03-01"])
        try await expectUsageError(["report", "--from", "2026-13-01"] + db,
                                   mentions: ["--from '2026-13-01' is not a day", "YYYY-MM-DD, today, yesterday or -Nd"])
        try await expectUsageError(["export", "--to", "last week"] + db, mentions: ["--to 'last week' is not a day"])
        try await expectUsageError(["report", "--by", "region"] + db,
                                   mentions: ["--by 'region' is not a grouping", "deployment, day, hour, model, endpoint, tag:KEY"])
        try await expectUsageError(["report", "--format", "pdf"] + db, mentions: ["pdf", "table", "json", "csv", "markdown", "html", "meterbook report --help"])
        try await expectUsageError(["export", "--format", "xlsx"] + db, mentions: ["xlsx", "csv", "ndjson"])
        try await expectUsageError(["trace", "x", "--format", "yaml"] + db, mentions: ["yaml", "text", "json"])
        try await expectUsageError(["report", "--status", "abc"] + db, mentions: ["--status 'abc'", "5xx"])
        try await expectUsageError(["export", "--outcome", "meh"] + db, mentions: ["ok, http_error, transport_error, stream_error, cancelled"])
        try await expectUsageError(["report", "--tag", "team"] + db, mentions: ["--tag takes key=value"])
        try await expectUsageError(["check"] + db, mentions: ["--max-daily-cost, --max-error-rate, --max-throttle-rate or --max-p95-ms"])
        try await expectUsageError(["check", "--max-error-rate", "5"] + db, mentions: ["5% or a fraction such as 0.05"])
        try await expectUsageError(["check", "--max-throttle-rate", "1%", "--per", "team"] + db, mentions: ["deployment", "overall"])
        try await expectUsageError(["reprice"] + db, mentions: ["--from"])
        try await expectUsageError(["query", QueryPaths.file("call-attempts")] + db, mentions: ["needs --param id=VALUE"])
        try await expectUsageError(["query", QueryPaths.file("slowest-calls"), "--param", "limt=3"] + db,
                                   mentions: ["has no parameter limt", "from, limit, to"])
        try await expectUsageError(["query", QueryPaths.file("slowest-calls"), "--param", "limit"] + db, mentions: ["--param takes name=value"])
    }

    @Test func aMissingDatabaseIsNamedAndNeverCreated() async throws {
        let path = seed.file("nowhere/meterbook.sqlite")
        for command in [["report"], ["export"], ["trace", "abc"], ["check", "--max-error-rate", "5%"], ["query", QueryPaths.file("errors-by-code")],
                        ["reprice", "--from", "-1d"]] {
            let result = try await CLI.run(command + ["--db", path])
            #expect(result.status == 1, "\(command)")
            #expect(result.stderr == "meterbook: No Meterbook database at \(path): record calls first (meterbook demo, meterbook call, meterbook proxy) or point --db / METERBOOK_DB at one.\n")
            #expect(!FileManager.default.fileExists(atPath: path))
            #expect(!FileManager.default.fileExists(atPath: seed.file("nowhere")))
        }
    }

    @Test func aFileThatIsNotAMeterbookDatabase() async throws {
        let notes = seed.file("notes.txt")
        try Data("hello\n".utf8).write(to: URL(fileURLWithPath: notes))
        let foreign = seed.file("other.sqlite")
        try Python.sqlite(foreign, "CREATE TABLE t (x)")
        for path in [notes, foreign] {
            let before = FileManager.default.contents(atPath: path)
            let result = try await CLI.run(["report", "--db", path])
            #expect(result.status == 1)
            #expect(result.stderr.hasPrefix("meterbook: \(path) is "))
            #expect(result.stderr.hasSuffix("pass --db with the path of a Meterbook database.\n"))
            #expect(FileManager.default.contents(atPath: path) == before)
        }
    }

    @Test func aNewerSchemaIsRefusedWithNothingWritten() async throws {
        try Python.sqlite(seed.path, "PRAGMA user_version = 7")
        let before = FileManager.default.contents(atPath: seed.path)
        for command in [["report"], ["export"], ["reprice", "--from", "2026-03-01"]] {
            let result = try await CLI.run(command + ["--db", seed.path])
            #expect(result.status == 1)
            #expect(result.stderr == "meterbook: \(seed.path) has schema version 7, newer than this meterbook understands (5): upgrade meterbook; nothing was written.\n")
        }
        #expect(FileManager.default.contents(atPath: seed.path) == before)
    }

    @Test func anOutFileInAMissingFolder() async throws {
        let result = try await CLI.run(["report", "--db", seed.path, "--out", seed.file("no/such/folder/r.txt")])
        #expect(result.status == 1)
        #expect(result.stderr.contains("does not exist. Create it or choose another --out path."))
    }
}

/// The repository's queries/ folder.
enum QueryPaths {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("queries")

    static func file(_ name: String) -> String { folder.appendingPathComponent(name + ".sql").path }
}
