import Foundation
import Testing
@testable import Meterbook
import MeterbookSimulator

/// README.md's "Calling from Swift" and recorder-API examples, as written there, against the simulator
/// (only the endpoint differs: the README's resource is replaced by the simulator's URL).
@Suite struct ReadmeExampleTests {
    @Test func callingFromSwift() async throws {
        let simulator = AzureSimulator()
        try await simulator.start()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("meterbook-readme-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let environment = ["METERBOOK_DB": folder.appendingPathComponent("m.sqlite").path]
        var printed: [String] = []
        func print(_ items: Any..., terminator: String = "\n") { printed.append(items.map { "\($0)" }.joined(separator: " ") + terminator) }

        // --- README ---
        let store = try MeterbookStore(path: StoreLocation.resolve(explicit: nil, environment: environment))
        let recorder = Recorder(store: store)

        let client = MeterbookClient(
            endpoint: try .azureOpenAI(baseURL: simulator.baseURL),
            credential: .apiKey(ProcessInfo.processInfo.environment["AZURE_OPENAI_API_KEY"] ?? "k"),
            recorder: recorder
        )

        let body = Data(#"{"model":"gpt-4o","input":"Write a one-sentence bedtime story about a unicorn."}"#.utf8)
        let response = try await client.send(CallRequest(api: .responses, body: body, tags: ["feature": "stories"]))
        print(response.outputText ?? "", response.callID, response.record.costUSD ?? 0)

        let stream = try await client.stream(.chat(deployment: "gpt-4o", message: "Hello", stream: true))
        for try await text in stream.textDeltas() { print(text, terminator: "") }

        let myRequestID = "req-from-my-stack"
        recorder.record(RecordedExchange(
            url: simulator.baseURL + "/openai/v1/chat/completions",
            requestHeaders: ["x-ms-client-request-id": myRequestID],
            requestBody: Data(#"{"model":"gpt-4o","messages":[]}"#.utf8),
            status: 200, responseHeaders: ["content-type": "application/json"],
            responseBody: Data(#"{"id":"chatcmpl-1","model":"gpt-4o-2024-11-20","choices":[],"usage":{"prompt_tokens":5,"completion_tokens":7,"total_tokens":12}}"#.utf8),
            startedAt: Date(), latencyMs: 812, ttfbMs: 240, ttftMs: 260,
            tags: ["service": "checkout"]
        ))
        recorder.close()
        // --- end ---

        await simulator.stop()
        #expect(printed.first?.lowercased().contains("unicorn") == true)
        #expect(printed.count > 2)
        let rows = try store.allAttempts()
        #expect(rows.count == 3)
        #expect(rows[0].tags == ["feature": "stories"] && rows[0].outcome == .ok && rows[0].costUSD != nil)
        let exchange = try #require(rows.first { $0.callID == myRequestID })
        #expect(exchange.totalTokens == 12 && exchange.costUSD == (5 * 2.5 + 7 * 10) / 1_000_000)
    }
}
