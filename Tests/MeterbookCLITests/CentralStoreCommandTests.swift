import Foundation
import Meterbook
import MeterbookPostgres
import MeterbookTestSupport
import Testing

/// The real binary's read commands on `--db postgres://...` print what they print on the SQLite file with the
/// same rows; writers refuse the URL; a bad server fails with one line and no password.
@Suite(.serialized)
struct CentralStoreCommandTests {
    static let server = Result { try PostgresTestServer.start() }

    static func seeded() async throws -> (seed: SeededDatabase, url: String) {
        let url = try server.get().createDatabase()
        let seed = try SeededDatabase()
        try await CentralDatabase.with(try PostgresSettings(url: url, environment: [:]), migrate: true) { database in
            try await CentralWriter.upsert(try seed.store.allAttempts(), from: ShipSource(id: UUID(), host: "h", database: seed.path), into: database)
        }
        return (seed, url)
    }

    /// The output without its generation time.
    static func stable(_ text: String) -> String {
        text.split(separator: "\n").filter { !$0.contains("generated_at") }.joined(separator: "\n")
    }

    @Test func readCommandsPrintTheSameFromBothStores() async throws {
        let (seed, url) = try await Self.seeded()
        let range = ["--from", "2026-03-01", "--to", "2026-03-03"]
        let commands: [[String]] = [
            ["report", "--format", "json", "--by", "day,deployment"] + range,
            ["report", "--format", "csv", "--by", "tag:app", "--status", "429"] + range,
            ["check", "--format", "json", "--max-error-rate", "0.1", "--max-p95-ms", "1000"] + range,
            ["trace", "--format", "json", "00000000-0000-4000-8000-000000000c15"],
            ["trace", "--format", "json", "apim-c01"],
            ["query", "--format", "json", "queries/cost-by-deployment-per-day.sql", "--param", "from=2026-03-01", "--param", "to=2026-03-04"],
        ]
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        for command in commands {
            let local = try await CLI.run(command + ["--db", seed.path], directory: root)
            let central = try await CLI.run(command + ["--db", url], directory: root)
            #expect(local.status == central.status, "\(command): \(central.stderr)")
            #expect(!local.stdout.isEmpty, "\(command): \(local.stderr)")
            #expect(Self.stable(local.stdout) == Self.stable(central.stdout), "\(command)")
        }
        // $METERBOOK_DB works too; export lines are the same (SQLite in recording order, central in time order).
        let local = try await CLI.run(["export", "--db", seed.path] + range)
        let central = try await CLI.run(["export"] + range, environment: ["METERBOOK_DB": url])
        #expect(central.status == 0, "\(central.stderr)")
        #expect(local.stdout.split(whereSeparator: \.isNewline).sorted() == central.stdout.split(whereSeparator: \.isNewline).sorted())
        #expect(local.stdout.split(whereSeparator: \.isNewline).first == central.stdout.split(whereSeparator: \.isNewline).first)
    }

    @Test func badServersAndWritersFailWithOneLine() async throws {
        let server = try Self.server.get()
        let down = try await CLI.run(["report", "--db", "postgres://meterbook:s3cret-pw@127.0.0.1:1/meterbook"])
        #expect(down.status == 1)
        #expect(down.stderr.contains("Could not connect"))
        #expect(!down.stderr.contains("s3cret-pw") && !down.stdout.contains("s3cret-pw"))

        let url = try server.createDatabase()
        let wrong = try await CLI.run(["export", "--db", url.replacingOccurrences(of: server.password, with: "wrong-pw-1")])
        #expect(wrong.status == 1)
        #expect(!wrong.stderr.contains("wrong-pw-1") && !wrong.stderr.contains(server.password))

        let empty = try await CLI.run(["trace", "x", "--db", url])
        #expect(empty.status == 1)
        #expect(empty.stderr.contains("no Meterbook data"))
        #expect(!empty.stderr.contains(server.password))

        for command in [["rotate"], ["demo"]] {
            let refused = try await CLI.run(command + ["--db", url])
            #expect(refused.status == 2, "\(command): \(refused.stderr)")
            #expect(refused.stderr.contains("local SQLite"), "\(command)")
            #expect(!refused.stderr.contains(server.password))
        }
    }
}
