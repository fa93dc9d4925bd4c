import Foundation
import Meterbook
import MeterbookProxy
import MeterbookSimulator
import Testing

/// Upstream failures, limits, /metrics and graceful shutdown.
@Suite struct OperationsTests {
    @Test func unreachableUpstreamIs502AndRecordedAsTransportError() async throws {
        // A port nothing listens on: bind one, note it, close it.
        let closed = CapturingUpstream()
        try await closed.start()
        let deadURL = closed.baseURL
        await closed.stop()
        let harness = try await ProxyHarness.start { configuration, _ in
            configuration.upstreams = [ProxyUpstream(baseURL: deadURL)]
        }
        let reply = try await TestClient.send(harness.url + "/openai/v1/responses", body: #"{"model":"gpt-4o","input":"x"}"#)
        #expect(reply.status == 502)
        #expect(reply.headers["content-type"] == "application/json")
        #expect((reply.json["error"] as? [String: Any])?["code"] as? String == "upstream_unreachable")
        let rows = try await harness.rows()
        #expect(rows.count == 1)
        #expect(rows.first?.outcome == .transportError && rows.first?.status == 0 && rows.first?.errorCode == "connect")
        await harness.stop()
    }

    @Test func upstreamTimeoutIs504AndRecordedAsTransportError() async throws {
        let harness = try await ProxyHarness.start { configuration, _ in configuration.timeout = 0.3 }
        harness.simulator.enqueue([.delay(ms: 1_200)])
        let reply = try await TestClient.send(harness.url + "/openai/v1/responses", body: #"{"model":"gpt-4o","input":"x"}"#)
        #expect(reply.status == 504)
        #expect((reply.json["error"] as? [String: Any])?["code"] as? String == "upstream_timeout")
        let rows = try await harness.rows()
        #expect(rows.first?.outcome == .transportError && rows.first?.errorCode == "timeout")
        await harness.stop()
    }

    @Test func bodyAndHeaderLimits() async throws {
        let harness = try await ProxyHarness.start { configuration, _ in
            configuration.maxBodyBytes = 1_000
            configuration.maxHeaderBytes = 4_096
        }
        let url = harness.url + "/openai/v1/responses"
        let large = try await TestClient.send(url, body: #"{"model":"gpt-4o","input":""# + String(repeating: "a", count: 2_000) + #""}"#)
        #expect(large.status == 413)
        let small = try await TestClient.send(url, body: #"{"model":"gpt-4o","input":"ok"}"#)
        #expect(small.status == 200)
        var huge: HTTPHeaders = ["api-key": "k"]
        huge.add(name: "x-filler", value: String(repeating: "b", count: 8_000))
        let refused = try? await TestClient.send(url, headers: huge, body: "{}")
        #expect(refused == nil || refused!.status == 400 || refused!.status == 431)
        #expect(harness.simulator.served().count == 1)
        #expect(try await harness.rows().count == 1)
        await harness.stop()
    }

    @Test func metricsEndpointCountsPerDeployment() async throws {
        let harness = try await ProxyHarness.start { configuration, _ in
            configuration.metricsHost = "127.0.0.1"
            configuration.metricsPort = 0
        }
        harness.simulator.enqueue([.throttle(retryAfterMs: 10, retryAfterSeconds: nil)])
        _ = try await TestClient.send(harness.url + "/openai/v1/responses", body: #"{"model":"gpt-4o","input":"x"}"#)
        _ = try await TestClient.send(harness.url + "/openai/v1/responses", body: #"{"model":"gpt-4o","input":"x"}"#)
        _ = try await TestClient.send(harness.url + "/openai/v1/responses", body: #"{"model":"gpt-4o","input":"x","stream":true}"#)
        _ = try await harness.waitForRows(3)
        let port = try #require(harness.proxy.metricsPort)
        let reply = try await TestClient.send("http://127.0.0.1:\(port)/metrics", method: "GET", headers: [:])
        #expect(reply.status == 200)
        let text = reply.text
        let rows = try await harness.rows()
        let input = rows.compactMap(\.inputTokens).reduce(0, +)
        #expect(text.contains(#"meterbook_proxy_requests_total{deployment="gpt-4o",status="429",outcome="http_error"} 1"#))
        #expect(text.contains(#"meterbook_proxy_requests_total{deployment="gpt-4o",status="200",outcome="ok"} 2"#))
        #expect(text.contains(#"meterbook_proxy_throttled_total{deployment="gpt-4o"} 1"#))
        #expect(text.contains(#"meterbook_proxy_tokens_total{deployment="gpt-4o",type="input"} \#(input)"#))
        #expect(text.contains(#"meterbook_proxy_cost_usd_total{deployment="gpt-4o"}"#))
        #expect(text.contains(#"meterbook_proxy_request_duration_seconds_count{deployment="gpt-4o"} 3"#))
        #expect(text.contains(#"meterbook_proxy_time_to_first_token_seconds_count{deployment="gpt-4o"} 1"#))
        #expect(text.contains("meterbook_recorder_queue_depth 0"))
        #expect(text.contains("meterbook_recorder_dropped_total 0"))
        #expect(text.contains("meterbook_recorder_written_total 3"))
        await harness.stop()
    }

    @Test func gracefulShutdownFinishesInFlightStreamsAndFlushes() async throws {
        // A grace period far beyond the stream's length: on a loaded machine the stream can outlast the default 10 s,
        // and what is tested here is that in-flight streams finish, not the default's size.
        let harness = try await ProxyHarness.start(simulator: SimulatorConfiguration(streamChunkIntervalMs: 40)) { configuration, _ in
            configuration.gracePeriod = 120
        }
        let body = #"{"model":"gpt-4o","input":"hello","stream":true}"#
        let client = Task {
            var data = Data()
            for try await event in TestClient.open(harness.url + "/openai/v1/responses", body: body) {
                if case .body(let chunk) = event { data.append(chunk) }
            }
            return data
        }
        // Stop once the stream is under way.
        while harness.simulator.served().isEmpty { try await Task.sleep(for: .milliseconds(5)) }
        try await Task.sleep(for: .milliseconds(50))
        let url = harness.url
        await harness.proxy.stop()
        // The stream ran to its end, and its row was written before stop() returned.
        let data = try await client.value
        #expect(String(decoding: data, as: UTF8.self).contains("response.completed"))
        #expect(harness.recorder.statistics.written == 1)
        #expect(try harness.store.allAttempts().first?.outcome == .ok)
        // No longer accepting.
        await #expect(throws: (any Error).self) {
            _ = try await TestClient.send(url + "/openai/v1/responses", body: body, timeout: 5)
        }
        await harness.simulator.stop()
        harness.recorder.close()
    }

    @Test func gracePeriodCutsStreamsThatDoNotFinish() async throws {
        let harness = try await ProxyHarness.start(simulator: SimulatorConfiguration(streamChunkIntervalMs: 1_000)) { configuration, _ in
            configuration.gracePeriod = 0.3
        }
        let client = Task {
            for try await _ in TestClient.open(harness.url + "/anthropic/v1/messages", headers: ["x-api-key": "k", "anthropic-version": "2023-06-01"],
                                               body: #"{"model":"claude-haiku-4-5","max_tokens":300,"messages":[],"stream":true}"#) {}
        }
        while harness.simulator.served().isEmpty { try await Task.sleep(for: .milliseconds(5)) }
        let started = ContinuousClock.now
        await harness.proxy.stop()
        #expect(ContinuousClock.now - started < .seconds(8))
        _ = await client.result
        let rows = try harness.store.allAttempts()
        #expect(rows.count == 1)
        #expect(rows.first?.outcome == .cancelled)
        await harness.simulator.stop()
        harness.recorder.close()
    }
}
