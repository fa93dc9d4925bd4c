import Foundation
import Meterbook
import MeterbookProxy
import MeterbookSimulator
import Testing

/// The official OpenAI and Anthropic Python SDKs, unmodified but for their base URL, through the proxy to the
/// simulator: every attempt they make is one row that matches what the simulator served.
///
/// The SDKs live in a virtual environment that `scripts/test` creates (`.build/python`); its interpreter comes
/// from `$METERBOOK_PYTHON`, else that default path. Without it the test fails and says to run `scripts/test`.
@Suite struct PythonSDKTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func interpreter() throws -> String {
        let path = ProcessInfo.processInfo.environment["METERBOOK_PYTHON"]
            ?? packageRoot.appendingPathComponent(".build/python/bin/python").path
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw SDKUnavailable(message: "No Python with the SDKs at \(path): run scripts/test, which creates .build/python with openai and anthropic, or set METERBOOK_PYTHON.")
        }
        return path
    }

    struct SDKUnavailable: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    @Test(.timeLimit(.minutes(3)))
    func openAIAndAnthropicSDKsThroughTheProxy() async throws {
        let python = try Self.interpreter()
        let harness = try await ProxyHarness.start { configuration, simulatorURL in
            configuration.upstreams.append(ProxyUpstream(name: "claude", baseURL: simulatorURL))
        }
        let script = Self.packageRoot.appendingPathComponent("Tests/MeterbookProxyTests/Python/sdk_calls.py").path
        let result = try await Self.run(python, [script, harness.url, harness.simulator.baseURL])
        #expect(result.status == 0, "sdk_calls.py failed:\n\(result.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "stdout: \(result.stdout)")
        let calls = try #require(report["calls"] as? [[String: Any]])

        let rows = try await harness.rows()
        let served = harness.simulator.served()
        // One row per attempt the SDKs made, no more, no less.
        #expect(rows.count == served.count)
        #expect(rows.count == calls.reduce(0) { $0 + ($1["attempts"] as? Int ?? 0) })

        // Attempt by attempt: the served attempt carries the call id the proxy sent upstream.
        for attempt in served {
            let callID = try #require(attempt.clientRequestID)
            let row = try #require(rows.first { $0.callID == callID && $0.attempt == (attempt.retryCount ?? 0) + 1 },
                                   "no row for \(callID) attempt \((attempt.retryCount ?? 0) + 1)")
            #expect(row.status == attempt.status)
            #expect(row.stream == attempt.stream)
            #expect(row.deployment == attempt.deployment)
            #expect(row.path == attempt.path)
            #expect(row.apiVersion == attempt.query.flatMap { URLComponents(string: "?" + $0)?.queryItems?.first { $0.name == "api-version" }?.value })
            #expect(row.requestID == attempt.requestID)
            #expect(row.apimRequestID == attempt.apimRequestID)
            #expect(row.upstreamRequestID == attempt.upstreamRequestID)
            // Anthropic stream usage is merged from two events, so compare it as JSON, not as text.
            #expect(Self.json(row.usageJSON) == Self.json(attempt.usageJSON))
            #expect(row.inputTokens == attempt.inputTokens)
            // Embeddings: Meterbook stores 0 output tokens where the simulator's log has none.
            #expect((row.outputTokens ?? 0) == (attempt.outputTokens ?? 0))
            #expect(row.cachedInputTokens == attempt.cachedInputTokens)
            if attempt.status == 200 {
                #expect(row.outcome == .ok)
                #expect(row.model == attempt.model)
                #expect(row.responseID == attempt.responseID)
            } else {
                #expect(row.outcome == .httpError)
            }
        }

        // Calls: each SDK call is one call id; only its last attempt is final; the SDK got that attempt's answer.
        let byCall = Dictionary(grouping: rows, by: \.callID)
        #expect(byCall.count == calls.count)
        for attempts in byCall.values {
            let sorted = attempts.sorted { $0.attempt < $1.attempt }
            #expect(sorted.map(\.attempt) == Array(1...sorted.count))
            #expect(sorted.map(\.final) == Array(repeating: false, count: sorted.count - 1) + [true])
            #expect(sorted.last?.status == 200)
        }
        for call in calls {
            guard let responseID = call["response_id"] as? String else { continue }
            let row = try #require(rows.first { $0.responseID == responseID }, "no row for \(call["name"] ?? "?")")
            #expect(byCall[row.callID]?.count == call["attempts"] as? Int, "\(call["name"] ?? "?")")
            #expect(row.final)
        }

        // The stream without stream_options: the client saw no usage chunk, yet the row has the usage.
        let chatStream = try #require(calls.first { $0["name"] as? String == "azure chat stream" })
        #expect(chatStream["client_saw_usage"] as? Bool == false)
        let streamRow = try #require(rows.first { $0.responseID == chatStream["response_id"] as? String })
        #expect(streamRow.stream && streamRow.outputTokens != nil && streamRow.usageJSON != nil)
        #expect(rows.contains { $0.provider == .foundryAnthropic && $0.stream && $0.final && $0.outputTokens != nil })
        #expect(!harness.logs.text.contains("client-key"))
        await harness.stop()
    }

    /// The real OpenAI SDK, holding no key, through a proxy injecting Entra ID tokens: the service rejects the first
    /// token, the proxy drops it and marks the 401 retryable, and the SDK's own retry gets through with a fresh one.
    @Test(.timeLimit(.minutes(3)))
    func openAISDKRetriesARejectedEntraToken() async throws {
        let python = try Self.interpreter()
        let identity = IdentitySimulator()
        try await identity.start()
        let credential = try ProxyUpstream.credential(for: .entra(scope: nil), baseURL: "http://127.0.0.1",
                                                      environment: EntraInjectionTests.environment(identity))
        let harness = try await ProxyHarness.start { configuration, simulatorURL in
            configuration.upstreams = [ProxyUpstream(baseURL: simulatorURL, credential: credential)]
        }
        harness.simulator.enqueue([.unauthorized])
        let script = """
            import sys, openai
            client = openai.AzureOpenAI(azure_endpoint=sys.argv[1], api_key="unused-placeholder", api_version="2024-10-21", max_retries=2)
            raw = client.chat.completions.with_raw_response.create(model="gpt-4o", messages=[{"role": "user", "content": "hi"}])
            print(raw.retries_taken, raw.parse().id)
            """
        let result = try await Self.run(python, ["-c", script, harness.url])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout.hasPrefix("1 "))
        #expect(identity.requests(.tokenEndpoint).count == 2)
        let rows = try await harness.rows().sorted { $0.attempt < $1.attempt }
        #expect(rows.map(\.status) == [401, 200] && Set(rows.map(\.callID)).count == 1)
        #expect(rows.map(\.final) == [false, true])
        #expect(!harness.logs.text.contains(IdentitySimulator.tokenPrefix) && !result.stdout.contains(IdentitySimulator.tokenPrefix))
        await harness.stop()
        await identity.stop()
    }

    static func json(_ text: String?) -> NSDictionary? {
        text.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? NSDictionary }
    }

    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs a process to its end (killed after `timeout` seconds). Its output goes to files: blocking pipe
    /// reads would hold Swift's few cooperative threads, which the in-process proxy needs to answer it.
    static func run(_ executable: String, _ arguments: [String], timeout: TimeInterval = 150) async throws -> Output {
        let folder = try TemporaryFolder()
        let outPath = folder.path("stdout")
        let errPath = folder.path("stderr")
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        // Loopback only: no proxy from the environment may sit between the SDK and the proxy under test.
        for name in ["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy",
                     "OPENAI_BASE_URL", "ANTHROPIC_BASE_URL", "OPENAI_API_KEY", "ANTHROPIC_API_KEY"] {
            environment[name] = nil
        }
        environment["NO_PROXY"] = "127.0.0.1,localhost"
        process.environment = environment
        let stdout = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        let stderr = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        defer {
            try? stdout.close()
            try? stderr.close()
        }
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = Date(timeIntervalSinceNow: timeout)
        while process.isRunning {
            if Date() > deadline {
                process.terminate()
                break
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        process.waitUntilExit()
        let read = { (path: String) in (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }
        return Output(status: process.terminationStatus, stdout: read(outPath), stderr: read(errPath))
    }
}
