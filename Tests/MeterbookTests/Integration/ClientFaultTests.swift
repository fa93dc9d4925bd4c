import Foundation
import Testing
@testable import Meterbook
import MeterbookSimulator

/// Retries, error bodies, broken streams and cancellation over real loopback HTTP.
@Suite struct ClientFaultTests {
    @Test func throttledThenSucceeded() async throws {
        try await withFixture { fixture in
            fixture.simulator.enqueue([.throttle(retryAfterMs: 300, retryAfterSeconds: nil)])
            let response = try await fixture.azure().send(.chat(deployment: "gpt-4o", message: "hi"))
            #expect(response.attempts == 2)
            let rows = try await fixture.rows()
            try #require(rows.count == 2)
            #expect(Set(rows.map(\.callID)) == [response.callID])
            #expect(rows.map(\.attempt) == [1, 2])
            #expect(rows.map(\.final) == [false, true])
            #expect(rows.map(\.status) == [429, 200])
            #expect(rows[0].outcome == .httpError && rows[1].outcome == .ok)
            #expect(rows[0].retryAfterMs == 300)
            #expect(rows[0].errorCode == "429")
            #expect(rows[1].startedAt - rows[0].startedAt >= 300, "retry-after-ms honoured")
            let served = fixture.simulator.served()
            #expect(served.map(\.clientRequestID) == [response.callID, response.callID], "same x-ms-client-request-id on every attempt")
        }
    }

    @Test func retriesExhausted() async throws {
        try await withFixture { fixture in
            fixture.simulator.enqueue(Array(repeating: .throttle(retryAfterMs: 20, retryAfterSeconds: 1), count: 3))
            await #expect {
                try await fixture.claude().send(.messages(model: "claude-haiku-4-5", message: "hi"))
            } throws: { error in
                guard let error = error as? MeterbookError else { return false }
                return error.code == .httpError && error.status == 429 && error.attempts == 3
                    && error.serviceError?.type == "rate_limit_error" && error.description.contains("call id")
            }
            let rows = try await fixture.rows()
            #expect(rows.map(\.attempt) == [1, 2, 3])
            #expect(rows.map(\.final) == [false, false, true])
            #expect(Set(rows.map(\.callID)).count == 1)
            #expect(rows.allSatisfy { $0.status == 429 && $0.errorType == "rate_limit_error" && $0.upstreamRequestID != nil })
        }
    }

    @Test func badRequestIsNotRetried() async throws {
        try await withFixture { fixture in
            fixture.simulator.enqueue([.badRequest])
            await #expect(throws: MeterbookError.self) { try await fixture.azure().send(.responses(deployment: "gpt-5-mini", input: "hi")) }
            let rows = try await fixture.rows()
            try #require(rows.count == 1)
            #expect(rows[0].status == 400 && rows[0].final && rows[0].outcome == .httpError)
            #expect(rows[0].errorMessage?.isEmpty == false)
            #expect(fixture.simulator.served().count == 1)
        }
    }

    @Test func contentFilterCarriesItsCodes() async throws {
        try await withFixture { fixture in
            fixture.simulator.enqueue([.contentFilter])
            await #expect(throws: MeterbookError.self) { try await fixture.azure().send(.chat(deployment: "gpt-4o", message: "hi")) }
            let row = try #require(try await fixture.rows().first)
            #expect(row.errorCode == "content_filter")
            #expect(row.errorType == "ResponsibleAIPolicyViolation")
        }
    }

    @Test func htmlBadGatewayIsRecordedAndSurfaced() async throws {
        try await withFixture { fixture in
            fixture.simulator.enqueue([.htmlBadGateway])
            let client = fixture.client(try .azureOpenAI(baseURL: fixture.simulator.baseURL), maxRetries: 0)
            do {
                _ = try await client.send(.chat(deployment: "gpt-4o", message: "hi"))
                Issue.record("a 502 succeeded")
            } catch let error as MeterbookError {
                #expect(error.code == .httpError)
                #expect(error.status == 502)
                #expect(error.message.contains("non-JSON"))
            }
            let row = try #require(try await fixture.rows().first)
            #expect(row.status == 502 && row.outcome == .httpError)
            #expect(row.errorType == "invalid_response" && row.errorCode == "502")
            #expect(row.errorMessage?.contains("text/html") == true)
        }
    }

    @Test func xShouldRetryFalseStopsRetries() async throws {
        try await withFixture { fixture in
            fixture.simulator.enqueue([.noRetryServerError])
            await #expect(throws: MeterbookError.self) { try await fixture.azure().send(.chat(deployment: "gpt-4o", message: "hi")) }
            let rows = try await fixture.rows()
            #expect(rows.count == 1)
        }
    }

    @Test func serverErrorsAreRetriedWithBackoff() async throws {
        try await withFixture { fixture in
            fixture.simulator.enqueue([.serverError(status: 503)])
            let response = try await fixture.azure().send(.embeddings(deployment: "text-embedding-3-small", input: "hi"))
            #expect(response.attempts == 2)
            let rows = try await fixture.rows()
            #expect(rows.map(\.status) == [503, 200])
            #expect(rows[1].startedAt - rows[0].startedAt >= 300, "SDK backoff waits at least 0.375 s")
        }
    }

    @Test(arguments: [APIKind.chatCompletions, .responses, .messages])
    func midStreamErrorEvent(api: APIKind) async throws {
        try await withFixture { fixture in
            fixture.simulator.enqueue([.midStreamError])
            let (client, request) = try Self.streamingCall(api, fixture)
            let stream = try await client.stream(request)
            var received = 0
            do {
                for try await _ in stream { received += 1 }
                Issue.record("the stream error was not raised")
            } catch let error as MeterbookError {
                #expect(error.code == .streamError)
            }
            #expect(received > 0, "events before the error reach the caller")
            let row = try #require(try await fixture.rows().first)
            #expect(row.status == 200 && row.outcome == .streamError && row.final)
            #expect(row.errorMessage?.isEmpty == false)
            if api == .messages {
                #expect(row.errorType == "overloaded_error")
                #expect(row.inputTokens != nil, "usage seen before the error is kept")
            }
            #expect(fixture.simulator.served().count == 1, "a mid-stream error is not retried")
        }
    }

    @Test func responseFailedEvent() async throws {
        try await withFixture { fixture in
            fixture.simulator.enqueue([.responseFailed])
            let stream = try await fixture.project().stream(.responses(deployment: "gpt-4.1", input: "hi", stream: true))
            await #expect(throws: MeterbookError.self) { for try await _ in stream {} }
            let row = try #require(try await fixture.rows().first)
            #expect(row.outcome == .streamError && row.errorCode == "server_error")
            #expect(row.responseID != nil)
        }
    }

    @Test(arguments: [APIKind.chatCompletions, .responses, .messages])
    func streamCutShort(api: APIKind) async throws {
        try await withFixture { fixture in
            fixture.simulator.enqueue([.streamCut])
            let (client, request) = try Self.streamingCall(api, fixture)
            let stream = try await client.stream(request)
            await #expect(throws: MeterbookError.self) { for try await _ in stream {} }
            let row = try #require(try await fixture.rows().first)
            #expect(row.status == 200 && row.outcome == .streamError)
            #expect(row.responseID != nil || api == .chatCompletions)
            if api == .messages { #expect(row.inputTokens != nil, "message_start usage is kept when the stream is cut") }
        }
    }

    @Test func truncatedJSONAndWrongShape() async throws {
        try await withFixture { fixture in
            fixture.simulator.enqueue([.truncatedJSON, .wrongShape])
            let client = try fixture.azure()
            for expected in ["malformed_json", "unexpected_shape"] {
                do {
                    _ = try await client.send(.chat(deployment: "gpt-4o", message: "hi"))
                    Issue.record("\(expected) accepted")
                } catch let error as MeterbookError {
                    #expect(error.code == .invalidResponse)
                    #expect(error.status == 200)
                }
                _ = expected
            }
            let rows = try await fixture.rows()
            #expect(rows.map(\.errorCode) == ["malformed_json", "unexpected_shape"])
            #expect(rows.allSatisfy { $0.status == 200 && $0.outcome == .httpError && $0.final && $0.attempt == 1 })
        }
    }

    @Test func cancellationAbortsTheTransferAndIsRecorded() async throws {
        try await withFixture { fixture in
            fixture.simulator.enqueue([.delay(ms: 10_000)])
            let client = try fixture.azure()
            let started = Date()
            let task = Task { try await client.send(.chat(deployment: "gpt-4o", message: "hi")) }
            try await Task.sleep(nanoseconds: 300_000_000)
            task.cancel()
            await #expect(throws: CancellationError.self) { try await task.value }
            #expect(Date().timeIntervalSince(started) < 8, "cancellation did not wait for the response")
            let row = try #require(try await fixture.rows().first)
            #expect(row.outcome == .cancelled && row.status == 0 && row.final)
        }
    }

    @Test func abandoningAStreamRecordsItAsCancelledWithUsageSoFar() async throws {
        var configuration = SimulatorConfiguration()
        configuration.streamChunkIntervalMs = 100
        try await withFixture(configuration) { fixture in
            do {
                let stream = try await fixture.claude().stream(.messages(model: "claude-sonnet-4-5", message: "hi", stream: true))
                var seen = 0
                for try await _ in stream {
                    seen += 1
                    if seen == 2 { break }
                }
            }
            let row = try #require(try await fixture.rows().first)
            #expect(row.outcome == .cancelled && row.status == 200)
            #expect(row.inputTokens != nil, "message_start usage was seen before the caller stopped")
        }
    }

    @Test func unreachableUpstreamIsATransportErrorAndIsRetried() async throws {
        try await withFixture { fixture in
            let client = fixture.client(try .azureOpenAI(baseURL: "http://127.0.0.1:9"), maxRetries: 1)
            do {
                _ = try await client.send(.chat(deployment: "gpt-4o", message: "hi"))
                Issue.record("a call to a closed port succeeded")
            } catch let error as MeterbookError {
                #expect(error.code == .transportError)
                #expect(error.attempts == 2)
            }
            let rows = try await fixture.rows()
            #expect(rows.map(\.status) == [0, 0])
            #expect(rows.map(\.final) == [false, true])
            #expect(rows.allSatisfy { $0.outcome == .transportError && $0.errorCode == "connect" })
        }
    }

    @Test func secretsNeverReachTheDatabaseOrWAL() async throws {
        try await withFixture { fixture in
            let token = "eyJ-METERBOOK-BEARER-SECRET-91c2"
            fixture.simulator.enqueue([.throttle(retryAfterMs: 10, retryAfterSeconds: nil), .unauthorized, .badRequest])
            _ = try? await fixture.azure().send(.chat(deployment: "gpt-4o", message: "hi"))
            _ = try? await fixture.claude().send(.messages(model: "claude-haiku-4-5", message: "hi"))
            _ = try? await fixture.client(try .azureOpenAI(baseURL: fixture.simulator.baseURL), credential: .bearer(token))
                .send(.responses(deployment: "gpt-5-mini", input: "hi"))
            let provider = Credential.tokenProvider { token }
            let stream = try await fixture.client(try .foundryProject(endpoint: fixture.simulator.baseURL + "/api/projects/p"), credential: provider)
                .stream(.responses(deployment: "gpt-4.1", input: "hi", stream: true))
            for try await _ in stream {}
            let rows = try await fixture.rows()
            #expect(rows.count >= 5)
            let folder = (fixture.databasePath as NSString).deletingLastPathComponent
            var checked = 0
            for name in try FileManager.default.contentsOfDirectory(atPath: folder) {
                let bytes = try Data(contentsOf: URL(fileURLWithPath: folder).appendingPathComponent(name))
                checked += bytes.count
                #expect(bytes.range(of: Data(Fixture.apiKey.utf8)) == nil, "API key found in \(name)")
                #expect(bytes.range(of: Data(token.utf8)) == nil, "bearer token found in \(name)")
            }
            #expect(FileManager.default.fileExists(atPath: fixture.databasePath + "-wal"))
            #expect(checked > 0)
        }
    }

    static func streamingCall(_ api: APIKind, _ fixture: Fixture) throws -> (MeterbookClient, CallRequest) {
        switch api {
        case .chatCompletions: return (try fixture.azure(), .chat(deployment: "gpt-4o", message: "hi", stream: true))
        case .responses: return (try fixture.azure(), .responses(deployment: "gpt-5-mini", input: "hi", stream: true))
        default: return (try fixture.claude(), .messages(model: "claude-sonnet-4-5", message: "hi", stream: true))
        }
    }
}
