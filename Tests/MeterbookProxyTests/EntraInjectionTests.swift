import Foundation
import Meterbook
import MeterbookProxy
import MeterbookSimulator
import Testing

/// The proxy injecting Entra ID tokens from DefaultAzureCredential's chain, with every identity endpoint on loopback:
/// the token endpoint is the identity simulator (AZURE_AUTHORITY_HOST), IMDS a refused port, `PATH` an empty folder.
@Suite struct EntraInjectionTests {
    /// A service principal whose token endpoint is `identity`; nothing else in the chain can answer.
    static func environment(_ identity: IdentitySimulator) -> [String: String] {
        [
            "AZURE_AUTHORITY_HOST": identity.baseURL,
            "METERBOOK_IMDS_ENDPOINT": "http://127.0.0.1:1/metadata/identity/oauth2/token",
            "PATH": "/nonexistent-meterbook-empty-path",
            "AZURE_TENANT_ID": "contoso", "AZURE_CLIENT_ID": "proxy-app", "AZURE_CLIENT_SECRET": "proxy-test-secret-9",
        ]
    }

    /// The credential `auth = "entra"` gives an upstream at `url`, built the way `meterbook proxy` builds it
    /// (the scope depends only on the URL's path, so a stand-in host picks the same one).
    static func entra(_ identity: IdentitySimulator, url: String = "http://127.0.0.1") throws -> Credential? {
        try ProxyUpstream.credential(for: .entra(scope: nil), baseURL: url, environment: environment(identity))
    }

    func withIdentity(_ body: (IdentitySimulator) async throws -> Void) async throws {
        let identity = IdentitySimulator()
        try await identity.start()
        do { try await body(identity) } catch {
            await identity.stop()
            throw error
        }
        await identity.stop()
    }

    @Test func clientWithoutKeyIsServedAndTheTokenIsFetchedOnceAndNeverKept() async throws {
        try await withIdentity { identity in
            let credential = try Self.entra(identity)
            let harness = try await ProxyHarness.start { configuration, simulatorURL in
                configuration.upstreams = [ProxyUpstream(baseURL: simulatorURL, credential: credential)]
            }
            let body = #"{"model":"gpt-4o-mini","input":"hi"}"#
            // No api-key, no Authorization: the simulator answers 401 to that, so a 200 means the proxy injected one.
            var replies = [try await TestClient.send(harness.url + "/openai/v1/responses", headers: [:], body: body)]
            try await withThrowingTaskGroup(of: TestClient.Reply.self) { group in
                for index in 0..<6 {
                    group.addTask {
                        try await TestClient.send(harness.url + "/openai/v1/responses", headers: [:], body: #"{"model":"gpt-4o-mini","input":"n\#(index)"}"#)
                    }
                }
                for try await reply in group { replies.append(reply) }
            }
            #expect(replies.map(\.status) == Array(repeating: 200, count: 7))
            // Several requests, one token: the cache is shared by every request of this upstream.
            let tokenRequests = identity.requests(.tokenEndpoint)
            #expect(tokenRequests.count == 1)
            #expect(tokenRequests.first?.parameters["scope"] == EntraScope.cognitiveServices)
            #expect(harness.simulator.served().count == 7)

            let rows = try await harness.waitForRows(7)
            #expect(rows.count == 7 && rows.allSatisfy { $0.outcome == .ok })
            // The token is nowhere: not in rows, database or WAL, logs, metrics or what the client got.
            let everything = String(decoding: try JSONEncoder().encode(rows), as: UTF8.self)
            #expect(!everything.contains(IdentitySimulator.tokenPrefix))
            for suffix in ["", "-wal"] {
                let path = harness.folder.path("meterbook.sqlite") + suffix
                if let bytes = FileManager.default.contents(atPath: path) {
                    #expect(bytes.range(of: Data(IdentitySimulator.tokenPrefix.utf8)) == nil, "token in \(path)")
                    #expect(bytes.range(of: Data("proxy-test-secret-9".utf8)) == nil, "secret in \(path)")
                }
            }
            #expect(!harness.logs.text.contains(IdentitySimulator.tokenPrefix))
            #expect(!harness.proxy.metricsText().contains(IdentitySimulator.tokenPrefix))
            #expect(!replies.contains { $0.text.contains(IdentitySimulator.tokenPrefix) || $0.headers.contains { $0.value.contains(IdentitySimulator.tokenPrefix) } })
            await harness.stop()
        }
    }

    @Test func theClientsOwnAuthHeadersAreReplaced() async throws {
        let upstream = CapturingUpstream()
        try await upstream.start()
        try await withIdentity { identity in
            let project = upstream.baseURL + "/api/projects/p"
            let credentials = (try Self.entra(identity, url: upstream.baseURL), try Self.entra(identity, url: project))
            let harness = try await ProxyHarness.start { configuration, _ in
                configuration.upstreams = [
                    ProxyUpstream(baseURL: upstream.baseURL, credential: credentials.0),
                    ProxyUpstream(name: "project", baseURL: project, credential: credentials.1),
                ]
            }
            let reply = try await TestClient.send(harness.url + "/openai/v1/responses",
                                                  headers: ["Authorization": "Bearer client-own-token", "api-key": "client-own-key"], body: "{}")
            #expect(reply.status == 200)
            let claude = try await TestClient.send(harness.url + "/anthropic/v1/messages",
                                                   headers: ["x-api-key": "client-own-key", "anthropic-version": "2023-06-01"], body: "{}")
            #expect(claude.status == 200)
            let foundry = try await TestClient.send(harness.url + "/project/openai/v1/responses", headers: [:], body: "{}")
            #expect(foundry.status == 200)

            let captured = upstream.captured
            #expect(captured.count == 3)
            for request in captured {
                #expect(request.header("authorization")?.hasPrefix("Bearer " + IdentitySimulator.tokenPrefix) == true)
                #expect(request.header("api-key") == nil && request.header("x-api-key") == nil)
                #expect(!request.headers.contains { $0.value.contains("client-own") })
            }
            // A Foundry project URL takes the ai.azure.com scope, the others Cognitive Services'.
            #expect(Set(identity.requests(.tokenEndpoint).compactMap { $0.parameters["scope"] }) == [EntraScope.cognitiveServices, EntraScope.aiFoundry])
            #expect(!harness.logs.text.contains(IdentitySimulator.tokenPrefix) && !harness.logs.text.contains("client-own"))
            await harness.stop()
        }
        await upstream.stop()
    }

    @Test func aRejectedTokenIsDroppedAndTheSDKRetriesWithAFreshOne() async throws {
        // Upstream rejects the first token issued and accepts any later one.
        let upstream = CapturingUpstream { request in
            let first = request.header("authorization")?.hasSuffix("-1") == true
            return first ? .init(status: 401, chunks: [Data(#"{"error":{"code":"401","message":"Unauthorized"}}"#.utf8)]) : .init()
        }
        try await upstream.start()
        try await withIdentity { identity in
            let credential = try Self.entra(identity)
            let harness = try await ProxyHarness.start { configuration, _ in
                configuration.upstreams = [ProxyUpstream(baseURL: upstream.baseURL, credential: credential)]
            }
            let url = harness.url + "/openai/v1/chat/completions"
            let body = #"{"model":"gpt-4o","messages":[]}"#
            let rejected = try await TestClient.send(url, headers: ["x-stainless-retry-count": "0"], body: body)
            #expect(rejected.status == 401)
            // The proxy did not retry itself; it tells the SDK that a retry can help.
            #expect(upstream.captured.count == 1)
            #expect(rejected.headers["x-should-retry"] == "true")
            #expect(identity.requests(.tokenEndpoint).count == 1)

            // The SDK's retry (same body, retry count 1) gets a fresh token and is the call's second attempt.
            let retried = try await TestClient.send(url, headers: ["x-stainless-retry-count": "1"], body: body)
            #expect(retried.status == 200)
            #expect(identity.requests(.tokenEndpoint).count == 2)
            let captured = upstream.captured
            #expect(captured.count == 2 && captured[0].header("authorization") != captured[1].header("authorization"))

            let rows = try await harness.waitForRows(2).sorted { $0.attempt < $1.attempt }
            #expect(rows.map(\.attempt) == [1, 2] && Set(rows.map(\.callID)).count == 1)
            #expect(rows.map(\.status) == [401, 200])
            await harness.stop()
        }
        await upstream.stop()
    }

    @Test func aLaterAttemptsRejectionGoesBackAsUpstreamSentIt() async throws {
        let upstream = CapturingUpstream { _ in .init(status: 401, chunks: [Data(#"{"error":{"code":"401","message":"Unauthorized"}}"#.utf8)]) }
        try await upstream.start()
        try await withIdentity { identity in
            let credential = try Self.entra(identity)
            let harness = try await ProxyHarness.start { configuration, _ in
                configuration.upstreams = [ProxyUpstream(baseURL: upstream.baseURL, credential: credential)]
            }
            let url = harness.url + "/openai/v1/chat/completions"
            let body = #"{"model":"gpt-4o","messages":[]}"#
            let first = try await TestClient.send(url, headers: ["x-stainless-retry-count": "0"], body: body)
            #expect(first.headers["x-should-retry"] == "true")
            let second = try await TestClient.send(url, headers: ["x-stainless-retry-count": "1"], body: body)
            #expect(second.status == 401)
            // One refresh and one retry per call: no second hint, so a persistent 401 does not loop.
            #expect(second.headers["x-should-retry"] == nil)
            #expect(upstream.captured.count == 2)
            await harness.stop()
        }
        await upstream.stop()
    }

    @Test func noCredentialIsA502ThatSaysWhyWithoutSecrets() async throws {
        // Nothing in the chain answers: no variables, IMDS refused, no `az`.
        let environment = [
            "AZURE_AUTHORITY_HOST": "http://127.0.0.1:1",
            "METERBOOK_IMDS_ENDPOINT": "http://127.0.0.1:1/metadata/identity/oauth2/token",
            "PATH": "/nonexistent-meterbook-empty-path",
        ]
        let credential = try ProxyUpstream.credential(for: .entra(scope: nil), baseURL: "http://127.0.0.1", environment: environment)
        let harness = try await ProxyHarness.start { configuration, simulatorURL in
            configuration.upstreams = [ProxyUpstream(baseURL: simulatorURL, credential: credential)]
        }
        let reply = try await TestClient.send(harness.url + "/openai/v1/responses", headers: [:], body: "{}")
        #expect(reply.status == 502)
        let error = reply.json["error"] as? [String: Any]
        #expect(error?["code"] as? String == "upstream_credential")
        let message = error?["message"] as? String ?? ""
        #expect(message.hasPrefix("The proxy could not get a credential for the upstream: No Entra ID token for https://cognitiveservices.azure.com/.default: environment: "))
        #expect(message.contains("Azure CLI: `az` not found on PATH"))
        #expect(harness.simulator.served().isEmpty)
        #expect(try await harness.rows().isEmpty)
        await harness.stop()
    }

    @Test func entraConfigurationErrorsAndRedaction() throws {
        // An Entra ID upstream needs no variable at configuration time; its scope defaults per URL.
        let openAI = try ProxyUpstream.credential(for: .entra(scope: nil), baseURL: "https://res.openai.azure.com", environment: [:])
        #expect(openAI?.description == "tokenCredential(\(EntraScope.cognitiveServices))")
        let project = try ProxyUpstream.credential(for: .entra(scope: nil), baseURL: "https://res.services.ai.azure.com/api/projects/p", environment: [:])
        #expect(project?.description == "tokenCredential(\(EntraScope.aiFoundry))")
        let scoped = try ProxyUpstream.credential(for: .entra(scope: "https://x.test/.default"), baseURL: "https://res.openai.azure.com", environment: [:])
        #expect(scoped?.description == "tokenCredential(https://x.test/.default)")
        #expect(try ProxyUpstream.credential(for: .forward, baseURL: "https://res.openai.azure.com", environment: [:]) == nil)
        #expect(throws: ProxyConfigurationError.self) {
            try ProxyUpstream.credential(for: .apiKeyEnvironment("UNSET"), baseURL: "https://res.openai.azure.com", environment: [:])
        }
        // Injecting Entra ID off loopback still needs the proxy access key (or --insecure).
        let upstreams = [ProxyUpstream(baseURL: "https://res.openai.azure.com", credential: openAI)]
        #expect(throws: ProxyConfigurationError.self) { try ProxyConfiguration(host: "0.0.0.0", upstreams: upstreams).validate() }
        try ProxyConfiguration(host: "0.0.0.0", upstreams: upstreams, accessKey: "k").validate()
    }
}
