import Foundation
import Testing
@testable import Meterbook
import MeterbookSimulator

/// A call made with another HTTP stack, handed to the recorder API, records the row the client would have.
@Suite struct RecordedExchangeTests {
    /// Sends a request with the bare transport (standing in for "another HTTP stack") and records it as an exchange.
    static func exchange(_ fixture: Fixture, url: String, body: String, headers: HTTPHeaders) async throws -> AttemptRecord {
        var requestHeaders = headers
        requestHeaders.add(name: "Content-Type", value: "application/json")
        let startedAt = Date()
        let start = DispatchTime.now().uptimeNanoseconds
        var status: Int?
        var responseHeaders: HTTPHeaders = [:]
        var responseBody = Data()
        var metrics = TransportMetrics()
        var firstBodyMs: Double?
        for try await event in CurlTransport.shared.execute(TransportRequest(method: "POST", url: url, headers: requestHeaders, body: Data(body.utf8))) {
            switch event {
            case .head(let head):
                status = head.status
                responseHeaders = head.headers
            case .body(let chunk):
                // This stack's own stand-in for time to first token: the first body byte.
                if firstBodyMs == nil { firstBodyMs = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6 }
                responseBody.append(chunk)
            case .end(let end): metrics = end
            }
        }
        let exchange = RecordedExchange(
            method: "POST", url: url, requestHeaders: requestHeaders, requestBody: Data(body.utf8), status: status,
            responseHeaders: responseHeaders, responseBody: responseBody, startedAt: startedAt,
            latencyMs: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6, ttfbMs: metrics.ttfbMs,
            ttftMs: status == 200 && responseHeaders["content-type"] == "text/event-stream" ? firstBodyMs : nil,
            dnsMs: metrics.dnsMs, connectMs: metrics.connectMs, tags: ["stack": "other"]
        )
        return fixture.recorder.record(exchange)
    }

    @Test func exchangeRowsMatchClientRows() async throws {
        try await withFixture { fixture in
            let base = fixture.simulator.baseURL
            // The same three calls: once through the client, once through another stack and the recorder API.
            fixture.simulator.enqueue([.ok, .ok, .throttle(retryAfterMs: 250, retryAfterSeconds: nil)])
            _ = try await fixture.azure().stream(.chat(deployment: "gpt-4o", message: "hello there", stream: true)).reduce(0) { n, _ in n + 1 }
            _ = try await fixture.claude().send(.messages(model: "claude-haiku-4-5", message: "hello there"))
            _ = try? await fixture.client(try .azureOpenAI(baseURL: base), maxRetries: 0).send(.responses(deployment: "gpt-5-mini", input: "hello there"))
            let clientRows = try await fixture.rows()
            fixture.simulator.resetServed()

            fixture.simulator.enqueue([.ok, .ok, .throttle(retryAfterMs: 250, retryAfterSeconds: nil)])
            let chatBody = String(decoding: ChatStreamOptions.ensuringIncludeUsage(CallRequest.chat(deployment: "gpt-4o", message: "hello there", stream: true).body), as: UTF8.self)
            let exchangeRows = [
                try await Self.exchange(fixture, url: base + "/openai/v1/chat/completions", body: chatBody,
                                        headers: ["api-key": Fixture.apiKey, "x-ms-client-request-id": "ex-1"]),
                try await Self.exchange(fixture, url: base + "/anthropic/v1/messages",
                                        body: String(decoding: CallRequest.messages(model: "claude-haiku-4-5", message: "hello there").body, as: UTF8.self),
                                        headers: ["x-api-key": Fixture.apiKey, "anthropic-version": "2023-06-01"]),
                try await Self.exchange(fixture, url: base + "/openai/v1/responses",
                                        body: String(decoding: CallRequest.responses(deployment: "gpt-5-mini", input: "hello there").body, as: UTF8.self),
                                        headers: ["api-key": Fixture.apiKey]),
            ]
            let exchangeServed = fixture.simulator.served()
            #expect(exchangeRows[0].callID == "ex-1", "x-ms-client-request-id becomes the call id")

            for index in 0..<3 {
                let served = exchangeServed[index]
                #expect(exchangeRows[index].inputTokens == served.inputTokens)
                #expect(exchangeRows[index].outputTokens == served.outputTokens)
                #expect(exchangeRows[index].usageJSON == served.usageJSON || served.api == "messages")
                #expect(exchangeRows[index].responseID == served.responseID)
                #expect(exchangeRows[index].apimRequestID == served.apimRequestID)
                #expect(exchangeRows[index].upstreamRequestID == served.upstreamRequestID)
                #expect(exchangeRows[index].costUSD != nil)
                #expect(Self.withoutPerRequestValues(exchangeRows[index]) == Self.withoutPerRequestValues(clientRows[index]), "row \(index) differs")
            }
        }
    }

    /// The row with what differs from one request to the next (ids, timings, token noise, tags) blanked out.
    static func withoutPerRequestValues(_ record: AttemptRecord) -> AttemptRecord {
        var copy = record
        copy.id = nil
        copy.callID = ""
        copy.startedAt = 0
        copy.tags = [:]
        copy.latencyMs = nil
        copy.ttfbMs = nil
        copy.ttftMs = copy.ttftMs == nil ? nil : 0
        copy.dnsMs = nil
        copy.connectMs = nil
        copy.tlsMs = nil
        copy.requestBytes = nil
        copy.responseBytes = nil
        copy.inputTokens = nil
        copy.outputTokens = nil
        copy.totalTokens = nil
        copy.cachedInputTokens = nil
        copy.cacheWriteTokens = nil
        copy.reasoningTokens = nil
        copy.usageJSON = nil
        copy.costUSD = nil
        copy.responseID = nil
        copy.requestID = nil
        copy.apimRequestID = nil
        copy.upstreamRequestID = nil
        copy.region = nil
        copy.ratelimitRemainingRequests = nil
        copy.ratelimitRemainingTokens = nil
        return copy
    }
}
