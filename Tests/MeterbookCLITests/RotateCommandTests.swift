import Foundation
import MeterbookTestSupport
import Testing
@testable import Meterbook

/// `meterbook rotate` and `meterbook archive` as a user runs them. The seed's days (March 2026) are all older than
/// the default 30-day window.
@Suite struct RotateCommandTests {
    let seed: SeededDatabase

    init() throws {
        seed = try SeededDatabase()
    }

    var db: [String] { ["--db", seed.path] }
    var archive: String { seed.file("archive") }

    func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    /// Every attempt id, live and archived (read from the files), with how many times it occurs.
    static func everyID(_ seed: SeededDatabase) throws -> [Int64: Int] {
        let store = try MeterbookStore(path: seed.path, mode: .readOnly)
        var ids: [Int64: Int] = [:]
        for record in try store.allAttempts() { ids[record.id!, default: 0] += 1 }
        try ArchiveSource(store: store, directory: seed.file("archive")).scan(range: Int64.min..<Int64.max) { record in
            ids[record.id!, default: 0] += 1
        }
        return ids
    }

    @Test func rotateThenReportListVerifyTraceAndRestore() async throws {
        let day1 = Seed.attempts.filter { UTCDay(containing: $0.startedAt) == Seed.day1 }
        let reportArguments = ["report", "--from", "2026-03-01", "--to", "2026-03-04", "--by", "day,deployment", "--format", "json"] + db
        let before = try await CLI.run(reportArguments)
        #expect(before.status == 0)

        let dry = try await CLI.run(["rotate", "--dry-run"] + db)
        #expect(dry.status == 0)
        #expect(dry.stdout.contains("would archive 2026-03-01: \(day1.count) rows -> \(archive)/2026/03/requests-2026-03-01.ndjson.gz"))
        #expect(!FileManager.default.fileExists(atPath: archive))

        let rotate = try await CLI.run(["rotate"] + db)
        #expect(rotate.status == 0, "\(rotate.stderr)")
        #expect(rotate.stdout.contains("Archived \(Seed.attempts.count) rows from 4 days before"))
        #expect(FileManager.default.fileExists(atPath: "\(archive)/2026/03/requests-2026-03-04.ndjson.gz"))
        let again = try await CLI.run(["rotate"] + db)
        #expect(again.stdout.hasPrefix("Nothing to rotate"))

        // The same report from rollups: calls, requests, errors, 429s, tokens and cost.
        let after = try await CLI.run(reportArguments)
        let keys = ["day", "deployment", "calls", "requests", "succeeded", "failed", "throttled", "server_errors", "input_tokens",
                    "output_tokens", "cached_input_tokens", "cache_write_tokens", "reasoning_tokens", "cost_usd"]
        func figures(_ text: String) throws -> [String] {
            let rows = try #require(try json(text)["rows"] as? [[String: Any]]) + [try #require(try json(text)["totals"] as? [String: Any])]
            return rows.map { row in keys.map { "\($0)=\(row[$0].map { "\($0)" } ?? "-")" }.joined(separator: " ") }
        }
        #expect(try figures(after.stdout) == figures(before.stdout))

        let list = try await CLI.run(["archive", "list"] + db)
        #expect(list.status == 0)
        let lines = list.stdout.split(separator: "\n")
        #expect(lines.first?.split(separator: " ", omittingEmptySubsequences: true) == ["day", "part", "rows", "bytes", "raw_bytes", "ratio", "path"])
        #expect(lines.contains { $0.split(separator: " ").prefix(3).map(String.init) == ["2026-03-02", "1", "10"] })
        #expect(lines.last?.split(separator: " ").prefix(2).map(String.init) == ["total", String(Seed.attempts.count)])

        let verify = try await CLI.run(["archive", "verify"] + db)
        #expect(verify.status == 0)
        #expect(verify.stdout.hasSuffix("All 4 archives verified.\n"))

        let trace = try await CLI.run(["trace", "chatcmpl-c02", "--format", "json"] + db)
        #expect(trace.status == 0, "\(trace.stderr)")
        #expect((try json(trace.stdout)["attempts"] as? [Any])?.count == 2)
        let narrowed = try await CLI.run(["trace", "chatcmpl-c02", "--since", "2026-03-02", "--until", "2026-03-04"] + db)
        #expect(narrowed.status == 1)

        let restored = seed.file("day1.sqlite")
        let restore = try await CLI.run(["archive", "restore", "2026-03-01", "--into", restored] + db)
        #expect(restore.status == 0)
        #expect(restore.stdout == "Restored \(day1.count) attempts of 2026-03-01 into \(restored).\n")
        let original = day1.map(\.callID)
        #expect(try MeterbookStore(path: restored, mode: .readOnly).allAttempts().map(\.callID) == original)

        let live = try await CLI.run(["archive", "restore", "2026-03-01"] + db)
        #expect(live.status == 0)
        #expect(try MeterbookStore(path: seed.path, mode: .readOnly).count() == day1.count)
        #expect(try figures(await CLI.run(reportArguments).stdout) == figures(before.stdout))
    }

    @Test func retentionDaysComeFromTheConfigUnlessGiven() async throws {
        let config = seed.file("meterbook.toml")
        // Keeps everything since 2026-03-03 for the next 100 years.
        let days = UTCDay.today().daysSinceEpoch - Seed.day3.daysSinceEpoch
        try "[retention]\ndays = \(days)\n".write(toFile: config, atomically: true, encoding: .utf8)
        let fromConfig = try await CLI.run(["rotate", "--dry-run"] + db)
        #expect(fromConfig.stdout.contains("would archive 2026-03-02"))
        #expect(!fromConfig.stdout.contains("would archive 2026-03-03"))
        let given = try await CLI.run(["rotate", "--dry-run", "--retention-days", "30"] + db)
        #expect(given.stdout.contains("would archive 2026-03-04"))
        try "[retention]\ndays = \"a month\"\n".write(toFile: config, atomically: true, encoding: .utf8)
        let bad = try await CLI.run(["rotate"] + db)
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("retention.days must be a whole number of days"))
    }

    @Test func faultsGiveOneLineErrorsAndVerifyReportsThem() async throws {
        let blocker = seed.file("blocker")
        try Data("a file".utf8).write(to: URL(fileURLWithPath: blocker))
        let unwritable = try await CLI.run(["rotate", "--archive-dir", blocker + "/archive"] + db)
        #expect(unwritable.status == 1)
        #expect(unwritable.stderr.hasPrefix("meterbook: Could not create the archive folder \(blocker)/archive"))
        #expect(unwritable.stderr.split(separator: "\n").count == 1)
        #expect(try MeterbookStore(path: seed.path, mode: .readOnly).count() == Seed.attempts.count)

        #expect(try await CLI.run(["rotate"] + db).status == 0)
        let day2 = "\(archive)/2026/03/requests-2026-03-02.ndjson.gz"
        let bytes = try Data(contentsOf: URL(fileURLWithPath: day2))
        try bytes.prefix(bytes.count - 10).write(to: URL(fileURLWithPath: day2))
        try FileManager.default.removeItem(atPath: "\(archive)/2026/03/requests-2026-03-03.ndjson.gz")
        let verify = try await CLI.run(["archive", "verify"] + db)
        #expect(verify.status == 1)
        #expect(verify.stdout.contains("FAIL 2026-03-02 part 1: The archive \(day2) is truncated"))
        #expect(verify.stdout.contains("FAIL 2026-03-03 part 1: \(archive)/2026/03/requests-2026-03-03.ndjson.gz is missing"))
        #expect(verify.stderr == "meterbook: 2 of 4 archives failed verification: see the FAIL lines above.\n")

        let restore = try await CLI.run(["archive", "restore", "2026-03-02"] + db)
        #expect(restore.status == 1)
        #expect(restore.stderr.contains("is truncated"))
        let noDay = try await CLI.run(["archive", "restore", "2026-01-01"] + db)
        #expect(noDay.stderr == "meterbook: No archive holds 2026-01-01: run meterbook archive list to see the archived days.\n")
        let badDay = try await CLI.run(["archive", "restore", "March"] + db)
        #expect(badDay.status == 2)
        let badRetention = try await CLI.run(["rotate", "--retention-days", "-1"] + db)
        #expect(badRetention.status == 2)
        // The report still has every figure from the rollups.
        let report = try await CLI.run(["report", "--from", "2026-03-01", "--to", "2026-03-03", "--by", "day", "--format", "json"] + db)
        #expect(report.status == 0)
        #expect(try json(report.stdout)["totals"].flatMap { ($0 as? [String: Any])?["calls"] as? Int } == 17)
    }

    /// SIGKILL at every step of rotation, on each of the four days: the next rotate finishes the job with every
    /// attempt in exactly one place (live or one archive) and every archive verified.
    @Test(arguments: ["before-write", "after-write", "after-verify", "after-rename", "after-commit"])
    func aKilledRotationLosesAndDuplicatesNothing(step: String) async throws {
        for hit in 1...4 {
            let seed = try SeededDatabase()
            let db = ["--db", seed.path]
            let original = Set(try seed.store.allAttempts().map { $0.id! })
            let killed = try await CLI.run(["rotate"] + db, environment: ["METERBOOK_ROTATE_KILL_AT": "\(step):\(hit)"])
            #expect(killed.status == 9, "\(step):\(hit) \(killed.stderr)")
            var ids = try Self.everyID(seed)
            #expect(Set(ids.keys) == original, "\(step):\(hit)")
            #expect(ids.values.allSatisfy { $0 == 1 }, "\(step):\(hit)")

            let finish = try await CLI.run(["rotate"] + db)
            #expect(finish.status == 0, "\(step):\(hit) \(finish.stderr)")
            ids = try Self.everyID(seed)
            #expect(Set(ids.keys) == original, "\(step):\(hit)")
            #expect(ids.values.allSatisfy { $0 == 1 }, "\(step):\(hit)")
            #expect(try MeterbookStore(path: seed.path, mode: .readOnly).count() == 0)
            let verify = try await CLI.run(["archive", "verify"] + db)
            #expect(verify.status == 0, "\(step):\(hit) \(verify.stdout)")
            let files = try FileManager.default.subpathsOfDirectory(atPath: seed.file("archive")).filter { $0.hasSuffix(".gz") || $0.hasSuffix(".tmp") }
            #expect(files.count == 4, "\(step):\(hit) \(files)")
        }
    }

    /// The proxy rotates on its own at start (old days in the database move out) unless told not to.
    @Test func theProxyRotatesDailyUnlessTurnedOff() async throws {
        let config = seed.file("meterbook.toml")
        try """
            [proxy]
            listen = "127.0.0.1:0"

            [upstreams]
            default = "http://127.0.0.1:9"

            [retention]
            days = 30
            auto_rotate = false
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let plain = seed.file("plain.toml")
        try """
            [upstreams]
            default = "http://127.0.0.1:9"
            """.write(toFile: plain, atomically: true, encoding: .utf8)
        for (arguments, rotates) in [([String](), false), (["--retention-days", "60"], false), (["--config", plain, "--listen", "127.0.0.1:0"], true)] {
            var full = ["proxy"] + db + arguments
            if !arguments.contains("--config") { full += ["--config", config] }
            let (process, stdoutPipe, _) = try CLI.launch(full)
            let stdout = ProxyCommandTests.Output(stdoutPipe)
            defer { if process.isRunning { process.terminate() } }
            #expect(try await stdout.line(containing: "listening at") != nil)
            if rotates {
                #expect(try await stdout.line(containing: "rotating daily: attempts older than 30 days") != nil)
                // Rotation runs on its own thread right after start: wait (bounded) for the four archived days.
                let deadline = Date(timeIntervalSinceNow: 60)
                while try MeterbookStore(path: seed.path, mode: .readOnly).count() > 0, Date() < deadline {
                    try await Task.sleep(for: .milliseconds(50))
                }
                #expect(try ArchiveCatalog(store: MeterbookStore(path: seed.path, mode: .readOnly), directory: archive).entries().count == 4)
            } else {
                try await Task.sleep(for: .milliseconds(300))
                #expect(!stdout.current.contains("rotating daily"))
                #expect(try MeterbookStore(path: seed.path, mode: .readOnly).count() == Seed.attempts.count)
            }
            process.terminate()
            process.waitUntilExit()
            #expect(process.terminationStatus == 0)
        }
    }

    /// A disk that fills up mid-archive: a 64 KiB tmpfs as the archive folder (mounting needs root; elsewhere
    /// the test is skipped). The day fails with one line, every row stays live, nothing is left on the disk.
    @Test(.enabled(if: getuid() == 0, "mounting a tmpfs needs root"))
    func aFullDiskKeepsEveryRowAndLeavesNothingBehind() async throws {
        let attempts = (0..<3000).map { index -> AttemptRecord in
            var record = AttemptRecord(callID: UUID().uuidString, startedAt: Seed.day1.startMs + Int64(index) * 1000, provider: .azureOpenAI,
                                       api: .responses, endpoint: "e.openai.azure.com", deployment: "gpt-4o", path: "/openai/v1/responses", status: 200)
            // Random IDs compress badly, so the archive cannot fit in 64 KiB.
            record.responseID = "resp_" + UUID().uuidString
            record.requestID = UUID().uuidString
            return record
        }
        let seed = try SeededDatabase(attempts: attempts)
        let disk = seed.file("small-disk")
        try FileManager.default.createDirectory(atPath: disk, withIntermediateDirectories: true)
        let mount = try await Self.command("/bin/mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", disk])
        try #require(mount == 0, "could not mount a tmpfs")
        defer { _ = try? Process.run(URL(fileURLWithPath: "/bin/umount"), arguments: [disk]).waitUntilExit() }

        let result = try await CLI.run(["rotate", "--db", seed.path, "--archive-dir", disk])
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("meterbook: Could not write \(disk)/2026/03/requests-2026-03-01.ndjson.gz.tmp: No space left on device"))
        #expect(result.stderr.split(separator: "\n").count == 1)
        #expect(try MeterbookStore(path: seed.path, mode: .readOnly).count() == attempts.count)
        #expect(try ArchiveCatalog(store: MeterbookStore(path: seed.path, mode: .readOnly), directory: disk).entries().isEmpty)
        let files = try FileManager.default.subpathsOfDirectory(atPath: disk).filter { $0.hasSuffix(".gz") || $0.hasSuffix(".tmp") }
        #expect(files.isEmpty)
    }

    static func command(_ path: String, _ arguments: [String]) async throws -> Int32 {
        let process = try Process.run(URL(fileURLWithPath: path), arguments: arguments)
        process.waitUntilExit()
        return process.terminationStatus
    }
}
