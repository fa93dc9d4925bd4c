import Foundation
import Meterbook
import MeterbookProxy
import Testing

/// The proxy access key, and upstream credentials injected in place of the client's.
@Suite struct AuthTests {
    @Test func accessKeyIsRequiredWhenSet() async throws {
        let key = "proxy-access-key-123"
        let harness = try await ProxyHarness.start { configuration, _ in configuration.accessKey = key }
        let body = #"{"model":"gpt-4o","input":"hi"}"#
        let url = harness.url + "/openai/v1/responses"
        let missing = try await TestClient.send(url, body: body)
        #expect(missing.status == 401)
        #expect((missing.json["error"] as? [String: Any])?["code"] as? String == "proxy_unauthorized")
        let wrong = try await TestClient.send(url, headers: ["api-key": "k", "x-meterbook-key": key + "x"], body: body)
        #expect(wrong.status == 401)
        // Forwarding mode: the client's api-key is the upstream's, so the proxy key must come in its own header.
        let asAPIKey = try await TestClient.send(url, headers: ["api-key": key], body: body)
        #expect(asAPIKey.status == 401)
        let right = try await TestClient.send(url, headers: ["api-key": "k", "x-meterbook-key": key], body: body)
        #expect(right.status == 200)
        // Refusals never reach upstream and are not attempts.
        #expect(harness.simulator.served().count == 1)
        #expect(try await harness.rows().count == 1)
        #expect(harness.proxy.metricsText().contains(#"meterbook_proxy_rejected_total{reason="unauthorized"} 3"#))
        #expect(!harness.logs.text.contains(key))
        await harness.stop()
    }

    @Test func injectedCredentialReplacesTheClientsAndTheSDKKeyCanBeTheAccessKey() async throws {
        let upstream = CapturingUpstream()
        try await upstream.start()
        let key = "proxy-access-key-456"
        let harness = try await ProxyHarness.start { configuration, _ in
            configuration.upstreams = [
                ProxyUpstream(baseURL: upstream.baseURL, credential: .apiKey("upstream-secret-azure")),
                ProxyUpstream(name: "claude", baseURL: upstream.baseURL + "/anthropic", credential: .apiKey("upstream-secret-claude")),
            ]
            configuration.accessKey = key
        }
        // The OpenAI SDK sends its key as api-key (Azure) or Authorization: Bearer (OpenAI client).
        let azure = try await TestClient.send(harness.url + "/openai/v1/responses", headers: ["api-key": key], body: "{}")
        #expect(azure.status == 200)
        let bearer = try await TestClient.send(harness.url + "/openai/v1/responses", headers: ["Authorization": "Bearer \(key)"], body: "{}")
        #expect(bearer.status == 200)
        let claude = try await TestClient.send(harness.url + "/claude/v1/messages", headers: ["x-api-key": key, "anthropic-version": "2023-06-01"], body: "{}")
        #expect(claude.status == 200)
        let captured = upstream.captured
        #expect(captured.count == 3)
        #expect(captured[0].header("api-key") == "upstream-secret-azure")
        #expect(captured[1].header("api-key") == "upstream-secret-azure" && captured[1].header("authorization") == nil)
        // Claude on Foundry: x-api-key (what it checks) and api-key, as Anthropic's SDK sends.
        #expect(captured[2].header("x-api-key") == "upstream-secret-claude" && captured[2].header("api-key") == "upstream-secret-claude")
        #expect(captured[2].path == "/anthropic/v1/messages")
        #expect(!captured.contains { $0.headers.contains { $0.value.contains(key) } })
        #expect(!harness.logs.text.contains("upstream-secret"))
        await harness.stop()
        await upstream.stop()
    }

    @Test func tokenProviderCredentialsArePluggable() async throws {
        let upstream = CapturingUpstream()
        try await upstream.start()
        let harness = try await ProxyHarness.start { configuration, _ in
            configuration.upstreams = [ProxyUpstream(baseURL: upstream.baseURL, credential: .tokenProvider { "entra-token-1" })]
        }
        let reply = try await TestClient.send(harness.url + "/openai/v1/responses", headers: [:], body: "{}")
        #expect(reply.status == 200)
        #expect(upstream.captured.first?.header("authorization") == "Bearer entra-token-1")
        await harness.stop()
        await upstream.stop()
    }

    @Test func offLoopbackNeedsAnAccessKeyOrInsecure() throws {
        let upstreams = [ProxyUpstream(baseURL: "https://res.openai.azure.com")]
        #expect(throws: ProxyConfigurationError.self) { try ProxyConfiguration(host: "0.0.0.0", upstreams: upstreams).validate() }
        try ProxyConfiguration(host: "0.0.0.0", upstreams: upstreams, accessKey: "k").validate()
        try ProxyConfiguration(host: "0.0.0.0", upstreams: upstreams, allowInsecure: true).validate()
        try ProxyConfiguration(host: "127.0.0.1", upstreams: upstreams).validate()
        try ProxyConfiguration(host: "localhost", upstreams: upstreams).validate()
        #expect(throws: ProxyConfigurationError.self) { try ProxyConfiguration(upstreams: []).validate() }
        #expect(throws: ProxyConfigurationError.self) {
            try ProxyConfiguration(upstreams: upstreams + [ProxyUpstream(baseURL: "https://other")]).validate()
        }
        #expect(throws: ProxyConfigurationError.self) { try ProxyConfiguration(upstreams: [ProxyUpstream(baseURL: "ftp://x")]).validate() }
        #expect(throws: ProxyConfigurationError.self) {
            try ProxyConfiguration(upstreams: [ProxyUpstream(name: "a/b", baseURL: "https://x")]).validate()
        }
    }
}
