import Foundation
import Meterbook
import MeterbookTestSupport
import Testing

/// `meterbook report` as a user runs it, against the seed.
@Suite struct ReportCommandTests {
    let seed: SeededDatabase

    init() throws {
        seed = try SeededDatabase()
    }

    var range: [String] { ["--db", seed.path, "--from", "2026-03-01", "--to", "2026-03-03"] }

    func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test func tableByDeploymentWithTotals() async throws {
        let result = try await CLI.run(["report"] + range)
        #expect(result.status == 0)
        #expect(result.stderr.isEmpty)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines[0] == "Usage 2026-03-01 to 2026-03-03 (UTC)")
        #expect(lines[1].split(separator: " ").prefix(5) == ["deployment", "calls", "reqs", "failed", "err%"])
        #expect(lines[2].split(separator: " ").prefix(5) == ["claude-sonnet-4-5", "4", "4", "2", "50.0%"])
        #expect(lines.contains { $0.hasPrefix("total") && $0.contains(" 17 ") && $0.contains("$1.58*") })
        #expect(!result.stdout.contains("\u{1B}["))
    }

    @Test func defaultRangeIsYesterdayAndTodayInUTC() async throws {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let today = UTCDay(containing: now)
        var attempts: [AttemptRecord] = []
        for (index, startedAt) in [today.startMs + 1, today.adding(days: -1).startMs + 1, today.adding(days: -2).endMs - 1].enumerated() {
            var record = AttemptRecord(callID: "call-\(index)", startedAt: startedAt, provider: .azureOpenAI, api: .responses,
                                       endpoint: "e", deployment: "gpt-4o", path: "/openai/v1/responses", status: 200)
            record.latencyMs = 10
            attempts.append(record)
        }
        let recent = try SeededDatabase(attempts: attempts)
        let result = try await CLI.run(["report", "--db", recent.path, "--format", "json"])
        #expect(result.status == 0)
        let object = try json(result.stdout)
        #expect(object["from"] as? String == today.adding(days: -1).description)
        #expect(object["to"] as? String == today.description)
        #expect((object["totals"] as? [String: Any])?["calls"] as? Int == 2)

        for from in [["--from", "-7d"], ["--from=-7d"]] {
            let week = try await CLI.run(["report", "--db", recent.path, "--format", "json"] + from)
            #expect(week.status == 0, "\(week.stderr)")
            #expect(try json(week.stdout)["from"] as? String == today.adding(days: -7).description)
            #expect((try json(week.stdout)["totals"] as? [String: Any])?["calls"] as? Int == 3)
        }
        let yesterday = try await CLI.run(["report", "--db", recent.path, "--format", "json", "--from", "yesterday", "--to", "yesterday"])
        #expect((try json(yesterday.stdout)["totals"] as? [String: Any])?["calls"] as? Int == 1)
    }

    @Test func jsonByDayAndDeployment() async throws {
        let result = try await CLI.run(["report", "--by", "day,deployment", "--format", "json"] + range)
        #expect(result.status == 0)
        let object = try json(result.stdout)
        let rows = try #require(object["rows"] as? [[String: Any]])
        #expect(rows.count == 12)
        #expect(rows.allSatisfy { $0["day"] is String && $0.keys.contains("deployment") })
        let byDay = try await CLI.run(["report", "--by", "day", "--format", "json"] + range)
        let dayRows = try #require(try json(byDay.stdout)["rows"] as? [[String: Any]])
        #expect(dayRows.map { $0["calls"] as? Int } == [5, 7, 5])
        #expect(dayRows.allSatisfy { !$0.keys.contains("deployment") })
        let repeated = try await CLI.run(["report", "--by", "day", "--by", "tag:app", "--format", "json"] + range)
        #expect(try #require(try json(repeated.stdout)["rows"] as? [[String: Any]]).count == 8)
    }

    @Test func csvMarkdownAndHTMLOut() async throws {
        let csv = try await CLI.run(["report", "--format", "csv", "--by", "model"] + range)
        #expect(csv.status == 0)
        let rows = try Python.parseCSV(csv.stdout)
        #expect(rows[0][0] == "model")
        #expect(rows.count == 1 + 7)

        let markdown = try await CLI.run(["report", "--format", "markdown"] + range)
        #expect(markdown.stdout.contains("| **total** | **17** | **23** |"))

        let out = seed.file("report.html")
        let html = try await CLI.run(["report", "--format", "html", "--out", out, "--by", "day"] + range)
        #expect(html.status == 0)
        #expect(html.stdout.isEmpty)
        #expect(html.stderr == "Wrote the html report to \(out).\n")
        let page = try String(contentsOfFile: out, encoding: .utf8)
        try Python.checkWellFormedXML(page)
        #expect(page.contains("<td class=\"n\">$1.58*</td>"))
        // Nothing but the report is left in the folder (no temporary file).
        let files = try FileManager.default.contentsOfDirectory(atPath: seed.folder.path).filter { !$0.hasPrefix("meterbook.sqlite") }
        #expect(files == ["report.html"])
    }

    @Test func colourOnlyOnATerminalAndNeverWithNoColor() async throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/script") else { return }
        func underTTY(noColor: String?) throws -> String {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
            let command = ([CLI.binary.path, "report"] + range).map { "'\($0)'" }.joined(separator: " ")
            process.arguments = ["-q", "-e", "-c", command, "/dev/null"]
            var environment = ProcessInfo.processInfo.environment
            environment["NO_COLOR"] = noColor
            environment["TERM"] = "xterm"
            process.environment = environment
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardInput = FileHandle.nullDevice
            try process.run()
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return String(decoding: data, as: UTF8.self)
        }
        #expect(try underTTY(noColor: nil).contains("\u{1B}[1m"))
        #expect(!(try underTTY(noColor: "1")).contains("\u{1B}["))
        // Piped (the test harness): no colour even without NO_COLOR.
        let piped = try await CLI.run(["report"] + range, environment: ["NO_COLOR": ""])
        #expect(!piped.stdout.contains("\u{1B}["))
    }

    @Test func anUnknownDeploymentOrTagGivesAnEmptyReportThatSaysSo() async throws {
        let table = try await CLI.run(["report", "--deployment", "nope"] + range)
        #expect(table.status == 0)
        #expect(table.stdout.contains("No attempts match deployment nope from 2026-03-01 to 2026-03-03 (UTC)."))
        #expect(table.stdout.contains("Deployments with attempts then: claude-sonnet-4-5, gpt-4.1-mini, gpt-4o, mystery-model, text-embedding-3-small."))
        let json = try await CLI.run(["report", "--tag", "team=nobody", "--format", "json"] + range)
        #expect(json.status == 0)
        #expect((try self.json(json.stdout)["rows"] as? [Any])?.isEmpty == true)
        #expect(json.stderr.contains("Values of tag team then: assist, search."))
    }
}
