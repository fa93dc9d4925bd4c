import Foundation
import Meterbook
import MeterbookSimulator
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `meterbook proxy` as a user runs it: start, forward and record, stop on SIGTERM with exit 0.
@Suite struct ProxyCommandTests {
    /// Collects a running process's output without blocking Swift's cooperative threads (the in-process
    /// simulator needs them), so a test can wait for a line while the process keeps running.
    final class Output: @unchecked Sendable { // `text` is only touched under `lock`
        private let lock = NSLock()
        private var text = ""

        init(_ pipe: Pipe) {
            pipe.fileHandleForReading.readabilityHandler = { [weak self] handle in
                let data = handle.availableData
                guard let self, !data.isEmpty else { return }
                lock.withLock { text += String(decoding: data, as: UTF8.self) }
            }
        }

        var current: String { lock.withLock { text } }

        /// Waits (bounded) for a line containing `marker`.
        func line(containing marker: String, timeout: Duration = .seconds(20)) async throws -> String? {
            let deadline = ContinuousClock.now.advanced(by: timeout)
            while ContinuousClock.now < deadline {
                if let line = current.split(separator: "\n").first(where: { $0.contains(marker) }) { return String(line) }
                try await Task.sleep(for: .milliseconds(20))
            }
            return nil
        }
    }

    @Test func forwardsRecordsAndStopsOnSIGTERM() async throws {
        let simulator = AzureSimulator()
        try await simulator.start()
        let folder = try TemporaryFolder()
        let database = folder.path("meterbook.sqlite")
        let config = folder.path("meterbook.toml")
        try """
            [proxy]
            listen = "127.0.0.1:0"

            [upstreams]
            default = "\(simulator.baseURL)"
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let (process, stdoutPipe, stderrPipe) = try CLI.launch(
            ["proxy", "--db", database, "--config", config, "--upstream", "claude=\(simulator.baseURL)", "--metrics-listen", "127.0.0.1:0"])
        let stdout = Output(stdoutPipe)
        let stderr = Output(stderrPipe)
        defer { if process.isRunning { process.terminate() } }

        let banner = try #require(try await stdout.line(containing: "listening at"), "stderr: \(stderr.current)")
        let base = try #require(banner.split(separator: " ").first { $0.hasPrefix("http://") }.map { String($0).trimmingCharacters(in: .punctuationCharacters) })
        #expect(try await stdout.line(containing: "/claude/...") != nil)
        let metricsLine = try #require(try await stdout.line(containing: "/metrics"))

        var request = URLRequest(url: URL(string: base + "/claude/anthropic/v1/messages")!)
        request.httpMethod = "POST"
        request.setValue("client-key", forHTTPHeaderField: "x-api-key")
        request.setValue("2023-06-01", forHTTPHeaderField: "anthropic-version")
        request.setValue("nightly", forHTTPHeaderField: "x-meterbook-tag-job")
        request.httpBody = Data(#"{"model":"claude-haiku-4-5","max_tokens":50,"messages":[{"role":"user","content":"hi"}]}"#.utf8)
        let (_, response) = try await URLSession.shared.data(for: request)
        #expect((response as? HTTPURLResponse)?.statusCode == 200)
        let metricsURL = try #require(metricsLine.split(separator: " ").first { $0.hasPrefix("http://") }.map(String.init))
        let (metrics, _) = try await URLSession.shared.data(from: URL(string: metricsURL)!)
        #expect(String(decoding: metrics, as: UTF8.self).contains(#"meterbook_proxy_requests_total{deployment="claude-haiku-4-5",status="200",outcome="ok"} 1"#))

        process.terminate()  // SIGTERM
        let deadline = ContinuousClock.now.advanced(by: .seconds(20))
        while process.isRunning, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(!process.isRunning)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(try await stderr.line(containing: "Stopped; 1 attempts recorded") != nil, "stderr: \(stderr.current)")

        let rows = try MeterbookStore(path: database, mode: .readOnly).allAttempts()
        #expect(rows.count == 1)
        #expect(rows.first?.provider == .foundryAnthropic && rows.first?.outcome == .ok && rows.first?.tags == ["job": "nightly"])
        #expect(rows.first?.callID == simulator.served().first?.clientRequestID)
        await simulator.stop()
    }

    @Test func setupMistakesExitTwoWithOneLine() async throws {
        let folder = try TemporaryFolder()
        let db = folder.path("meterbook.sqlite")
        let exposed = try await CLI.run(["proxy", "--db", db, "--listen", "0.0.0.0:0", "--upstream", "https://res.openai.azure.com"])
        #expect(exposed.status == 2)
        #expect(exposed.stderr.contains("--insecure"))
        #expect(exposed.stderr.split(separator: "\n").count == 1)
        let badURL = try await CLI.run(["proxy", "--db", db, "--upstream", "ftp://res"])
        #expect(badURL.status == 2)
        #expect(badURL.stderr.contains("--upstream"))
        let none = try await CLI.run(["proxy", "--db", db])
        #expect(none.status == 2)
        #expect(none.stderr.contains("No upstream"))
        let missingKey = folder.path("key.toml")
        try "[upstreams]\ndefault = { url = \"https://res.openai.azure.com\", api_key_env = \"METERBOOK_TEST_UNSET_KEY\" }\n"
            .write(toFile: missingKey, atomically: true, encoding: .utf8)
        let unset = try await CLI.run(["proxy", "--db", db, "--config", missingKey])
        #expect(unset.status == 2)
        #expect(unset.stderr.contains("METERBOOK_TEST_UNSET_KEY"))
    }
}
