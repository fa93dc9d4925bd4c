import Foundation
import Meterbook
import MeterbookProxy
import MeterbookSimulator
import Testing

/// Forwarding: which upstream, which URL, which headers, and bodies byte for byte.
@Suite struct RelayTests {
    @Test func pathAndQueryPassThroughAndNamedUpstreamsPickByFirstSegment() async throws {
        let other = CapturingUpstream()
        try await other.start()
        let harness = try await ProxyHarness.start { configuration, _ in
            configuration.upstreams.append(ProxyUpstream(name: "claude", baseURL: other.baseURL + "/base/"))
        }
        // Default upstream: path and query arrive unchanged.
        let echoed = try await TestClient.send(harness.url + "/_sim/echo?api-version=2024-10-21&x=%20y", body: "{}")
        #expect(echoed.status == 200)
        #expect(echoed.json["path"] as? String == "/_sim/echo")
        #expect(echoed.json["query"] as? String == "api-version=2024-10-21&x=%20y")

        // Named upstream: the name is removed, the upstream's base path prepended.
        let named = try await TestClient.send(harness.url + "/claude/anthropic/v1/messages?beta=true", body: #"{"model":"claude-haiku-4-5"}"#)
        #expect(named.status == 200)
        let captured = try #require(other.captured.last)
        #expect(captured.path == "/base/anthropic/v1/messages")
        #expect(captured.query == "beta=true")
        // Percent-encoding is not decoded on the way.
        _ = try await TestClient.send(harness.url + "/claude/files/a%2Fb%20c", method: "GET")
        #expect(other.captured.last?.path == "/base/files/a%2Fb%20c")
        #expect(other.captured.last?.method == "GET")

        // The row names the upstream host and the path upstream saw.
        let rows = try await harness.rows()
        #expect(rows.count == 3)
        let claudeRow = try #require(rows.first { $0.path.hasSuffix("/messages") })
        #expect(claudeRow.endpoint == other.baseURL.replacingOccurrences(of: "http://", with: ""))
        #expect(claudeRow.path == "/base/anthropic/v1/messages")
        #expect(claudeRow.provider == .foundryAnthropic)
        #expect(claudeRow.deployment == "claude-haiku-4-5")
        await harness.stop()
        await other.stop()
    }

    @Test func unknownUpstreamNameWithoutDefaultIs404() async throws {
        let other = CapturingUpstream()
        try await other.start()
        let harness = try await ProxyHarness.start { configuration, _ in
            configuration.upstreams = [ProxyUpstream(name: "claude", baseURL: other.baseURL)]
        }
        let reply = try await TestClient.send(harness.url + "/openai/v1/responses", body: "{}")
        #expect(reply.status == 404)
        let error = try #require(reply.json["error"] as? [String: Any])
        #expect(error["code"] as? String == "no_upstream")
        #expect((error["message"] as? String)?.contains("/claude/") == true)
        #expect(other.captured.isEmpty)
        #expect(try await harness.rows().isEmpty)
        await harness.stop()
        await other.stop()
    }

    @Test func bodiesPassThroughByteForByte() async throws {
        // Bytes that are not UTF-8, CRs and NULs, split across chunks, with and without Content-Length.
        var raw = Data((0..<2048).map { UInt8(truncatingIfNeeded: $0 &* 7) })
        raw.append(contentsOf: Array("\r\n\r\ndata: x\r\r\n".utf8))
        let pieces = [raw.prefix(100), raw.dropFirst(100).prefix(1000), raw.dropFirst(1100)].map { Data($0) }
        let whole = raw
        let upstream = CapturingUpstream { request in
            request.path.hasSuffix("/chunked")
                ? .init(headers: [("content-type", "application/octet-stream")], chunks: pieces, intervalMs: 5)
                : .init(headers: [("content-type", "application/octet-stream"), ("content-length", String(whole.count))], chunks: [whole])
        }
        try await upstream.start()
        let harness = try await ProxyHarness.start { configuration, _ in
            configuration.upstreams = [ProxyUpstream(baseURL: upstream.baseURL)]
        }
        let requestBody = "{\"model\":\"gpt-4o\",\"input\":\"caf\u{e9} \\u0000 \\r\\n\",   \"stream\" : false}\n"
        for path in ["/fixed", "/chunked"] {
            let reply = try await TestClient.send(harness.url + path, body: requestBody)
            #expect(reply.status == 200)
            #expect(reply.body == raw)
            #expect(upstream.captured.last?.body == Data(requestBody.utf8))
        }
        let rows = try await harness.rows()
        #expect(rows.map(\.responseBytes) == [raw.count, raw.count])
        #expect(rows.map(\.requestBytes) == [requestBody.utf8.count, requestBody.utf8.count])
        await harness.stop()
        await upstream.stop()
    }

    @Test func headersForwardedTagsStrippedAndSecretsNeverStored() async throws {
        let upstream = CapturingUpstream { _ in .init(headers: [("content-type", "application/json"), ("x-request-id", "req-1"), ("connection", "keep-alive")]) }
        try await upstream.start()
        let harness = try await ProxyHarness.start { configuration, _ in
            configuration.upstreams = [ProxyUpstream(baseURL: upstream.baseURL)]
            configuration.metricsHost = "127.0.0.1"
        }
        let secret = "sk-client-secret-4242"
        let headers: HTTPHeaders = [
            "api-key": secret, "Authorization": "Bearer \(secret)-bearer", "x-api-key": "\(secret)-x",
            "X-Meterbook-Tag-Team": "blue", "x-meterbook-tag-feature": "search", "Accept-Encoding": "gzip, br",
            "x-custom": "kept", "x-stainless-retry-count": "0", "Content-Type": "application/json",
        ]
        let reply = try await TestClient.send(harness.url + "/openai/v1/chat/completions", headers: headers, body: #"{"model":"gpt-4o"}"#)
        #expect(reply.status == 200)
        #expect(reply.headers["x-request-id"] == "req-1")
        let captured = try #require(upstream.captured.first)
        #expect(captured.header("api-key") == secret)
        #expect(captured.header("authorization") == "Bearer \(secret)-bearer")
        #expect(captured.header("x-api-key") == "\(secret)-x")
        #expect(captured.header("x-custom") == "kept")
        #expect(captured.header("x-stainless-retry-count") == "0")
        #expect(captured.header("accept-encoding") == nil)
        #expect(!captured.headers.contains { $0.name.lowercased().hasPrefix("x-meterbook") })

        let rows = try await harness.rows()
        let row = try #require(rows.first)
        #expect(row.tags == ["team": "blue", "feature": "search"])
        #expect(captured.header("x-ms-client-request-id") == row.callID)

        // Not in the database file, the logs or the metrics.
        harness.recorder.close()
        let database = try Data(contentsOf: URL(fileURLWithPath: harness.store.path))
        let wal = (try? Data(contentsOf: URL(fileURLWithPath: harness.store.path + "-wal"))) ?? Data()
        #expect(database.range(of: Data(secret.utf8)) == nil)
        #expect(wal.range(of: Data(secret.utf8)) == nil)
        #expect(!harness.logs.text.contains(secret))
        #expect(!harness.proxy.metricsText().contains(secret))
        await harness.proxy.stop()
        await harness.simulator.stop()
        await upstream.stop()
    }

    @Test func healthz() async throws {
        let harness = try await ProxyHarness.start()
        let reply = try await TestClient.send(harness.url + "/healthz", method: "GET", headers: [:])
        #expect(reply.status == 200)
        #expect(reply.json["status"] as? String == "ok")
        #expect(try await harness.rows().isEmpty)
        await harness.stop()
    }
}
