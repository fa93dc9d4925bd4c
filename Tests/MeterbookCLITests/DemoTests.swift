import Foundation
import GRDB
import Testing

/// `meterbook demo` as a user runs it, and several processes recording into one database.
@Suite struct DemoTests {
    struct Summary {
        var attempts: Int
        var run: String
    }

    /// Reads "… N attempts recorded (…) into PATH with tag demo_run=RUN" from the demo's output.
    static func summary(_ output: String) -> Summary? {
        guard let match = output.firstMatch(of: /(\d+) attempts recorded .* with tag demo_run=([0-9a-f]+)/) else { return nil }
        return Summary(attempts: Int(match.1)!, run: String(match.2))
    }

    static func rowCount(_ path: String, run: String? = nil) throws -> Int {
        let queue = try DatabaseQueue(path: path)
        defer { try? queue.close() }
        return try queue.read { db in
            if let run {
                return try Int.fetchOne(db, sql: "SELECT count(*) FROM requests WHERE json_extract(tags, '$.demo_run') = ?", arguments: [run]) ?? 0
            }
            return try Int.fetchOne(db, sql: "SELECT count(*) FROM requests") ?? 0
        }
    }

    @Test func demoRecordsAndReports() async throws {
        let folder = try TemporaryFolder()
        let db = folder.path("demo.sqlite")
        let result = try await CLI.run(["demo", "--db", db, "--calls", "120"])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout.contains("Simulated Azure OpenAI"))
        for deployment in ["gpt-4o", "gpt-5-mini", "claude-sonnet-4-5", "text-embedding-3-small", "gpt-4.1"] {
            #expect(result.stdout.contains(deployment))
        }
        #expect(result.stdout.contains("total"))
        let summary = try #require(Self.summary(result.stdout))
        #expect(summary.attempts >= 120)
        #expect(try Self.rowCount(db) == summary.attempts)
        #expect(result.stderr.isEmpty, "unexpected stderr: \(result.stderr)")
    }

    @Test func demoUsesTheDefaultDatabaseLocation() async throws {
        let folder = try TemporaryFolder()
        let result = try await CLI.run(["demo", "--calls", "16"], environment: ["XDG_DATA_HOME": folder.path("data")])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let db = folder.path("data/meterbook/meterbook.sqlite")
        #expect(FileManager.default.fileExists(atPath: db))
        #expect(try Self.rowCount(db) == Self.summary(result.stdout)?.attempts)
        let viaEnvironment = try await CLI.run(["demo", "--calls", "8"], environment: ["METERBOOK_DB": folder.path("env.sqlite")])
        #expect(viaEnvironment.status == 0)
        #expect(FileManager.default.fileExists(atPath: folder.path("env.sqlite")))
    }

    @Test func twoProcessesRecordIntoOneDatabase() async throws {
        let folder = try TemporaryFolder()
        let db = folder.path("shared.sqlite")
        async let first = CLI.run(["demo", "--db", db, "--calls", "300", "--concurrency", "16", "--seed", "1"])
        async let second = CLI.run(["demo", "--db", db, "--calls", "300", "--concurrency", "16", "--seed", "2"])
        let results = try await [first, second]
        var total = 0
        for result in results {
            #expect(result.status == 0, "stderr: \(result.stderr)")
            let summary = try #require(Self.summary(result.stdout))
            #expect(try Self.rowCount(db, run: summary.run) == summary.attempts)
            total += summary.attempts
        }
        #expect(try Self.rowCount(db) == total)
    }

    @Test func killedRightAfterFlushKeepsEveryRow() async throws {
        let folder = try TemporaryFolder()
        let db = folder.path("killed.sqlite")
        let (process, stdout, _) = try CLI.launch(["demo", "--db", db, "--calls", "200", "--hold-seconds", "120"])
        // Read until the summary line, printed once the calls returned and the recorder flushed; then SIGKILL
        // (the process holds on after printing, so the kill always lands before any clean exit).
        // Blocking reads run on their own thread: the cooperative pool has only as many threads as cores.
        let output = await withCheckedContinuation { (continuation: CheckedContinuation<String, Never>) in
            Thread.detachNewThread {
                var text = ""
                while Self.summary(text) == nil {
                    let chunk = stdout.fileHandleForReading.availableData
                    if chunk.isEmpty { break }
                    text += String(decoding: chunk, as: UTF8.self)
                }
                kill(process.processIdentifier, SIGKILL)
                continuation.resume(returning: text)
            }
        }
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)
        let summary = try #require(Self.summary(output), "output: \(output)")
        #expect(try Self.rowCount(db) == summary.attempts)
    }
}
