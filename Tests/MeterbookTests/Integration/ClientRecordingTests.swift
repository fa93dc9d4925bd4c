import Foundation
import Testing
@testable import Meterbook
import MeterbookSimulator

/// Each API × streaming and not, over real loopback HTTP: the row matches what the simulator served.
@Suite struct ClientRecordingTests {
    enum Case: String, CaseIterable, CustomTestStringConvertible {
        case responsesV1, responsesV1Stream, responsesDeploymentStyle, chatV1, chatV1Stream, chatDeploymentStyle,
             chatDeploymentStyleStream, embeddingsV1, embeddingsDeploymentStyle, projectResponses, projectResponsesStream,
             claudeMessages, claudeMessagesStream
        var testDescription: String { rawValue }
    }

    @Test(arguments: Case.allCases)
    func recordsWhatWasServed(_ testCase: Case) async throws {
        try await withFixture { fixture in
            let prompt = "Write a one-sentence bedtime story about a unicorn."
            let (client, request, provider): (MeterbookClient, CallRequest, Provider) = try {
                switch testCase {
                case .responsesV1: return (try fixture.azure(), .responses(deployment: "gpt-5-mini", input: prompt), .azureOpenAI)
                case .responsesV1Stream: return (try fixture.azure(), .responses(deployment: "gpt-5-mini", input: prompt, stream: true), .azureOpenAI)
                case .responsesDeploymentStyle: return (try fixture.azure(apiVersion: "2025-04-01-preview"), .responses(deployment: "gpt-4.1", input: prompt), .azureOpenAI)
                case .chatV1: return (try fixture.azure(), .chat(deployment: "gpt-4o", message: prompt), .azureOpenAI)
                case .chatV1Stream: return (try fixture.azure(), .chat(deployment: "gpt-4o", message: prompt, stream: true), .azureOpenAI)
                case .chatDeploymentStyle: return (try fixture.azure(apiVersion: "2024-10-21"), .chat(deployment: "gpt-4o-mini", message: prompt), .azureOpenAI)
                case .chatDeploymentStyleStream: return (try fixture.azure(apiVersion: "2024-10-21"), .chat(deployment: "gpt-4o-mini", message: prompt, stream: true), .azureOpenAI)
                case .embeddingsV1: return (try fixture.azure(), .embeddings(deployment: "text-embedding-3-small", input: prompt), .azureOpenAI)
                case .embeddingsDeploymentStyle: return (try fixture.azure(apiVersion: "2024-10-21"), .embeddings(deployment: "text-embedding-3-large", input: prompt), .azureOpenAI)
                case .projectResponses: return (try fixture.project(), .responses(deployment: "gpt-4.1", input: prompt), .foundryOpenAI)
                case .projectResponsesStream: return (try fixture.project(), .responses(deployment: "gpt-4.1", input: prompt, stream: true), .foundryOpenAI)
                case .claudeMessages: return (try fixture.claude(), .messages(model: "claude-sonnet-4-5", message: prompt), .foundryAnthropic)
                case .claudeMessagesStream: return (try fixture.claude(), .messages(model: "claude-sonnet-4-5", message: prompt, stream: true), .foundryAnthropic)
                }
            }()

            let callID: String
            var text = ""
            if request.api != .embeddings, RequestDescription(method: "POST", url: "http://h/", body: request.body).stream {
                let stream = try await client.stream(request)
                for try await delta in stream.textDeltas() { text += delta }
                callID = stream.callID
                #expect(stream.record?.outcome == .ok)
            } else {
                let response = try await client.send(request)
                text = response.outputText ?? ""
                callID = response.callID
                #expect(response.attempts == 1)
            }
            if request.api != .embeddings { #expect(!text.isEmpty) }

            let rows = try await fixture.rows()
            let served = fixture.simulator.served()
            try #require(rows.count == 1)
            try #require(served.count == 1)
            let row = rows[0], attempt = served[0]
            #expect(row.callID == callID)
            #expect(attempt.clientRequestID == callID, "x-ms-client-request-id carries the call id")
            #expect(row.attempt == 1 && row.final)
            #expect(row.provider == provider)
            #expect(row.api.rawValue == attempt.api)
            #expect(row.deployment == attempt.deployment)
            #expect(row.model == attempt.model)
            #expect(row.path == attempt.path)
            #expect(row.stream == attempt.stream)
            #expect(row.status == 200 && row.outcome == .ok)
            #expect(row.responseID == attempt.responseID)
            #expect(row.requestID == attempt.requestID)
            #expect(row.apimRequestID == attempt.apimRequestID)
            #expect(row.upstreamRequestID == attempt.upstreamRequestID)
            #expect(row.inputTokens == attempt.inputTokens)
            #expect(row.outputTokens == (attempt.outputTokens ?? 0), "embeddings normalise to 0 output tokens")
            #expect(row.cachedInputTokens == (attempt.cachedInputTokens ?? 0) || row.cachedInputTokens == attempt.cachedInputTokens)
            #expect(row.region != nil)
            #expect(row.endpoint == "127.0.0.1:\(fixture.simulator.port)")
            #expect(row.requestBytes == request.body.count || (request.api == .chatCompletions && row.stream))
            #expect((row.responseBytes ?? 0) > 0)
            #expect((row.latencyMs ?? 0) > 0)
            #expect((row.ttfbMs ?? 0) > 0 && (row.ttfbMs ?? 0) <= (row.latencyMs ?? 0) + 1)
            #expect(row.stream == (row.ttftMs != nil), "ttft is measured on streams only")
            #expect(row.tags.isEmpty)
            if request.api == .embeddings {
                #expect(row.costUSD == nil, "embedding models are not in the price table")
            } else {
                #expect((row.costUSD ?? 0) > 0)
            }
            // usage_json is the object the service sent (for Anthropic streams: merged), so it parses back to the same counts.
            let usage = try #require(row.usageJSON.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] })
            if provider == .foundryAnthropic {
                #expect(usage["output_tokens"] as? Int == row.outputTokens)
            } else {
                #expect((usage["total_tokens"] as? Int) == row.totalTokens)
            }
            if let servedUsage = attempt.usageJSON, !row.stream || provider != .foundryAnthropic {
                #expect(row.usageJSON == servedUsage)
            }
        }
    }

    @Test func streamedChatWithoutIncludeUsageStillRecordsUsage() async throws {
        try await withFixture { fixture in
            let body = Data(#"{"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"hi"}]}"#.utf8)
            let stream = try await fixture.azure().stream(CallRequest(api: .chatCompletions, body: body))
            var events = 0
            for try await _ in stream { events += 1 }
            let row = try #require(try await fixture.rows().first)
            #expect(events > 2)
            #expect(row.outcome == .ok)
            #expect(row.inputTokens != nil && row.outputTokens != nil)
            #expect(row.usageJSON != nil)
        }
    }

    @Test func tagsAndCallIDFromTheCaller() async throws {
        try await withFixture { fixture in
            var request = CallRequest.chat(deployment: "gpt-4o", message: "hi", tags: ["app": "billing", "user": "u-17"])
            request.callID = "0b7e5e0a-1111-4222-8333-944455556666"
            let response = try await fixture.azure().send(request)
            #expect(response.callID == request.callID)
            let row = try #require(try await fixture.rows().first)
            #expect(row.callID == request.callID)
            #expect(row.tags == ["app": "billing", "user": "u-17"])
            #expect(fixture.simulator.served().first?.clientRequestID == request.callID)
        }
    }

    @Test func hundredConcurrentCalls() async throws {
        try await withFixture { fixture in
            let client = try fixture.azure()
            let ids = try await withThrowingTaskGroup(of: String.self) { group in
                for index in 0..<100 {
                    group.addTask {
                        try await client.send(.chat(deployment: index % 2 == 0 ? "gpt-4o" : "gpt-4o-mini", message: "call \(index)")).callID
                    }
                }
                return try await group.reduce(into: Set<String>()) { $0.insert($1) }
            }
            #expect(ids.count == 100)
            let rows = try await fixture.rows()
            #expect(rows.count == 100)
            #expect(Set(rows.map(\.callID)) == ids)
            #expect(rows.allSatisfy { $0.outcome == .ok && $0.final })
            #expect(fixture.simulator.served().count == 100)
        }
    }
}
