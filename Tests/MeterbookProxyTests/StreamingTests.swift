import Foundation
import Meterbook
import MeterbookProxy
import MeterbookSimulator
import Testing

/// SSE through the proxy: relayed as it arrives, the include_usage exception, and clients that hang up.
@Suite struct StreamingTests {
    static let chatPath = "/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21"

    @Test func eventsReachTheClientBeforeUpstreamSendsTheLast() async throws {
        // 200 ms between events: the whole stream takes seconds, the first event is relayed at once.
        let harness = try await ProxyHarness.start(simulator: SimulatorConfiguration(streamChunkIntervalMs: 200))
        var events = TestClient.open(harness.url + "/openai/v1/responses", body: #"{"model":"gpt-4o","input":"hi","stream":true}"#).makeAsyncIterator()
        let first = try await events.read(until: "response.created")
        #expect(String(decoding: first, as: UTF8.self).contains("event: response.created"))
        // The attempt is recorded only when upstream's stream has ended: nothing yet means upstream is still sending.
        #expect(harness.recorder.statistics.recorded == 0)
        let rest = try await events.read(until: "response.completed")
        #expect(String(decoding: rest, as: UTF8.self).contains("response.completed"))
        while try await events.next() != nil {}
        let rows = try await harness.waitForRows(1)
        let row = try #require(rows.first)
        #expect(row.outcome == .ok && row.stream)
        let served = try #require(harness.simulator.served().first)
        #expect(row.usageJSON == served.usageJSON && row.inputTokens == served.inputTokens && row.outputTokens == served.outputTokens)
        #expect(row.ttftMs != nil)
        await harness.stop()
    }

    @Test func includeUsageIsAddedUpstreamAndItsChunkHiddenFromTheClient() async throws {
        let harness = try await ProxyHarness.start()
        let body = #"{"messages":[{"role":"user","content":"hi"}],"stream":true}"#
        let reply = try await TestClient.send(harness.url + Self.chatPath, body: body)
        #expect(reply.status == 200)
        #expect(reply.headers["content-length"] == nil)
        let events = reply.text.components(separatedBy: "\n\n").filter { !$0.isEmpty }
        #expect(events.last == "data: [DONE]")
        #expect(!events.contains { $0.contains("\"usage\":{") })
        // Every other event arrived unchanged: the client's bytes are upstream's minus exactly one event.
        let served = try #require(harness.simulator.served().first)
        let usage = try #require(served.usageJSON)
        let rows = try await harness.waitForRows(1)
        let row = try #require(rows.first)
        #expect(row.usageJSON == usage)
        #expect(row.inputTokens == served.inputTokens && row.outputTokens == served.outputTokens)
        #expect(row.responseBytes! > reply.body.count)
        #expect(row.requestBytes == body.utf8.count + #""stream_options":{"include_usage":true},"#.utf8.count)
        await harness.stop()
    }

    @Test func aClientThatAsksForUsageGetsTheChunkAndOffSwitchForwardsUntouched() async throws {
        let harness = try await ProxyHarness.start()
        let asked = #"{"messages":[],"stream":true,"stream_options":{"include_usage":true}}"#
        let reply = try await TestClient.send(harness.url + Self.chatPath, body: asked)
        #expect(reply.text.contains("\"usage\":{"))
        let rows = try await harness.waitForRows(1)
        #expect(rows.first?.requestBytes == asked.utf8.count)
        #expect(rows.first?.usageJSON != nil)
        await harness.stop()

        let off = try await ProxyHarness.start { configuration, _ in configuration.includeUsage = false }
        let plain = #"{"messages":[],"stream":true}"#
        let untouched = try await TestClient.send(off.url + Self.chatPath, body: plain)
        #expect(untouched.status == 200)
        let offRows = try await off.waitForRows(1)
        #expect(offRows.first?.requestBytes == plain.utf8.count)
        #expect(offRows.first?.usageJSON == nil)
        #expect(off.simulator.served().first?.usageJSON == nil)
        await off.stop()
    }

    @Test func clientHangingUpCancelsUpstreamAndRecordsUsageSoFar() async throws {
        // A Claude stream paced at 2 s per event would take well over 15 s to finish (the bound below leaves a
        // loaded machine room without letting a cancel at the stream's end pass).
        let harness = try await ProxyHarness.start(simulator: SimulatorConfiguration(streamChunkIntervalMs: 2_000))
        let started = ContinuousClock.now
        do {
            var events = TestClient.open(harness.url + "/anthropic/v1/messages",
                                         headers: ["x-api-key": "k", "anthropic-version": "2023-06-01"],
                                         body: #"{"model":"claude-haiku-4-5","max_tokens":400,"messages":[],"stream":true}"#).makeAsyncIterator()
            _ = try await events.read(until: "content_block_start")
            // Leaving this scope drops the stream: the client hangs up.
        }
        let rows = try await harness.waitForRows(1)
        let row = try #require(rows.first)
        #expect(row.outcome == .cancelled)
        #expect(row.status == 200)
        let served = try #require(harness.simulator.served().first)
        // message_start's usage was seen: input tokens (and the cache parts) are known.
        #expect(row.inputTokens == served.inputTokens)
        #expect(row.usageJSON != nil)
        // Cancelled right away, not when upstream would have finished.
        #expect(ContinuousClock.now - started < .seconds(15))
        #expect(harness.proxy.metricsText().contains("meterbook_proxy_in_flight 0.0"))
        await harness.stop()
    }

    @Test func aClientLeavingWhileUpstreamIsSilentIsNoticedAtOnce() async throws {
        // 10 s of silence after each event: noticing the hang-up only when writing the next event would take 10 s or more.
        let harness = try await ProxyHarness.start(simulator: SimulatorConfiguration(streamChunkIntervalMs: 10_000))
        do {
            var events = TestClient.open(harness.url + "/openai/v1/responses", body: #"{"model":"gpt-4o","input":"x","stream":true}"#)
                .makeAsyncIterator()
            _ = try await events.read(until: "response.created")
        }
        let rows = try await harness.waitForRows(1, timeout: .seconds(7))
        #expect(rows.count == 1)
        #expect(rows.first?.outcome == .cancelled)
        await harness.stop()
    }

    @Test func streamsKeepTheClientConnectionForTheNextCall() async throws {
        let harness = try await ProxyHarness.start()
        let body = #"{"model":"gpt-4o","input":"x","stream":true}"#
        let first = try await TestClient.send(harness.url + "/openai/v1/responses", body: body)
        let second = try await TestClient.send(harness.url + "/openai/v1/responses", body: body)
        #expect(first.status == 200 && second.status == 200)
        #expect(first.headers["connection"] == nil)
        #expect(second.metrics?.reusedConnection == true)
        #expect(try await harness.waitForRows(2).map(\.outcome) == [.ok, .ok])
        await harness.stop()
    }

    @Test func upstreamCutMidStreamCutsTheClientAndRecordsStreamError() async throws {
        let harness = try await ProxyHarness.start()
        harness.simulator.enqueue([.streamCut])
        var received = Data()
        var failure: Error?
        do {
            for try await event in TestClient.open(harness.url + "/openai/v1/responses", body: #"{"model":"gpt-4o","input":"x","stream":true}"#) {
                if case .body(let chunk) = event { received.append(chunk) }
            }
        } catch {
            failure = error
        }
        // The client sees the cut too, never a clean end.
        #expect(failure != nil)
        #expect(!received.isEmpty)
        let rows = try await harness.waitForRows(1)
        #expect(rows.first?.outcome == .streamError)
        await harness.stop()
    }
}
