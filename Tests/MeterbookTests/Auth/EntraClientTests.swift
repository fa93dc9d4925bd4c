import Foundation
import Meterbook
import MeterbookSimulator
import Testing

/// The client with Entra ID tokens against the simulated Azure upstream: one token request for many calls,
/// and the 401 refresh-and-retry recorded as two attempts.
@Suite struct EntraClientTests {
    /// A simulator, an identity simulator, a store in a temporary folder, and an Entra credential using the environment
    /// (client secret) credential against the identity simulator.
    func withSetup(_ body: (AzureSimulator, IdentitySimulator, MeterbookClient, Recorder) async throws -> Void) async throws {
        let simulator = AzureSimulator()
        try await simulator.start()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("meterbook-entra-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        do {
            try await withIdentity { identity in
                let store = try MeterbookStore(path: folder.appendingPathComponent("m.sqlite").path)
                let recorder = Recorder(store: store)
                let credential = Credential.entra(scope: EntraScope.cognitiveServices,
                                                  credential: EnvironmentCredential(environment: authEnvironment(identity: identity, servicePrincipal())))
                let client = MeterbookClient(endpoint: try .azureOpenAI(baseURL: simulator.baseURL), credential: credential, recorder: recorder)
                try await body(simulator, identity, client, recorder)
                recorder.close()
            }
        } catch {
            await simulator.stop()
            throw error
        }
        await simulator.stop()
    }

    @Test func aHundredConcurrentCallsWithAColdCacheMakeOneTokenRequest() async throws {
        try await withSetup { simulator, identity, client, _ in
            identity.enqueue([.delay(ms: 200)], for: .tokenEndpoint)
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<100 {
                    group.addTask { try await client.send(.responses(deployment: "gpt-4o-mini", input: "call \(index)")).status }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses == Array(repeating: 200, count: 100))
            #expect(simulator.served().count == 100)
            #expect(identity.requests().count == 1)
        }
    }

    @Test func a401ForcesOneRefreshAndOneRetryRecordedAsTwoAttempts() async throws {
        try await withSetup { simulator, identity, client, recorder in
            // Warm the cache, so the 401 hits a token the cache believes is good.
            _ = try await client.send(.responses(deployment: "gpt-4o-mini", input: "warm up"))
            simulator.enqueue([.unauthorized])
            let response = try await client.send(.chat(deployment: "gpt-4o", message: "hello"))
            #expect(response.status == 200)
            #expect(response.attempts == 2)
            #expect(identity.requests().count == 2, "the rejected token was replaced by a fresh one")
            #expect(Set(identity.requests().compactMap(\.issuedToken)).count == 2)

            recorder.close()
            let rows = try recorder.store.attempts(callID: response.callID)
            #expect(rows.map(\.attempt) == [1, 2])
            #expect(rows.map(\.status) == [401, 200])
            #expect(rows.map(\.final) == [false, true])
            let everything = String(decoding: try JSONEncoder().encode(try recorder.store.allAttempts()), as: UTF8.self)
            #expect(!everything.contains(IdentitySimulator.tokenPrefix))
        }
    }

    @Test func aSecond401EndsTheCall() async throws {
        try await withSetup { simulator, identity, client, recorder in
            simulator.enqueue([.unauthorized, .unauthorized, .unauthorized])
            do {
                _ = try await client.send(.responses(deployment: "gpt-4o-mini", input: "hello"))
                Issue.record("expected the call to fail")
            } catch let error as MeterbookError {
                #expect(error.code == .httpError)
                #expect(error.status == 401)
                #expect(error.attempts == 2)
                #expect(!error.description.contains(IdentitySimulator.tokenPrefix))
                recorder.close()
                let rows = try recorder.store.attempts(callID: try #require(error.callID))
                #expect(rows.map(\.final) == [false, true])
            }
            #expect(identity.requests().count == 2)
            #expect(simulator.served().count == 2)
        }
    }

    @Test func keysAndFixedTokensAreNotRetriedOn401() async throws {
        let simulator = AzureSimulator()
        try await simulator.start()
        defer { Task { await simulator.stop() } }
        for credential in [Credential.apiKey("k"), .bearer("fixed"), .tokenProvider({ "provided" })] {
            simulator.enqueue([.unauthorized])
            let client = MeterbookClient(endpoint: try .azureOpenAI(baseURL: simulator.baseURL), credential: credential, recorder: nil)
            await #expect(throws: MeterbookError.self) { try await client.send(.responses(deployment: "gpt-4o-mini", input: "x")) }
        }
        #expect(simulator.served().map(\.status) == [401, 401, 401])
    }

    @Test func aChainThatFindsNoCredentialFailsTheCallWithEveryReason() async throws {
        let simulator = AzureSimulator()
        try await simulator.start()
        defer { Task { await simulator.stop() } }
        let credential = Credential.entra(scope: EntraScope.cognitiveServices, credential: DefaultAzureCredential(environment: authEnvironment(identity: nil)))
        let client = MeterbookClient(endpoint: try .azureOpenAI(baseURL: simulator.baseURL), credential: credential, recorder: nil)
        do {
            _ = try await client.send(.responses(deployment: "gpt-4o-mini", input: "x"))
            Issue.record("expected an authentication error")
        } catch let error as MeterbookError {
            #expect(error.code == .authentication)
            #expect(error.message.hasPrefix("No Entra ID token for https://cognitiveservices.azure.com/.default: environment: "))
            #expect(error.message.contains("Azure CLI: `az` not found on PATH"))
            #expect(error.callID == nil, "nothing was sent, so no call id to investigate")
        }
        #expect(simulator.served().isEmpty)
    }

    @Test func scopesPerEndpointAndAuthModes() throws {
        let project = try Endpoint.foundryProject(endpoint: "https://res.services.ai.azure.com/api/projects/p")
        let openAI = try Endpoint.azureOpenAI(resource: "res")
        let claude = try Endpoint.claudeOnFoundry(resource: "res")
        #expect(EntraScope.default(for: project) == "https://ai.azure.com/.default")
        #expect(EntraScope.default(for: openAI) == "https://cognitiveservices.azure.com/.default")
        #expect(EntraScope.default(for: claude) == "https://cognitiveservices.azure.com/.default")
        #expect(EntraScope.default(forURL: "https://res.services.ai.azure.com/api/projects/p/openai/responses") == EntraScope.aiFoundry)
        #expect(EntraScope.resource(for: EntraScope.aiFoundry) == "https://ai.azure.com")

        guard case .tokenCredential(_, let scope) = try Credential.make(.entra, for: project, environment: [:]) else {
            Issue.record("expected a token credential")
            return
        }
        #expect(scope == EntraScope.aiFoundry)
        guard case .tokenCredential(_, let overridden) = try Credential.make(.entra, for: project, scope: "api://custom/.default", environment: [:]) else {
            Issue.record("expected a token credential")
            return
        }
        #expect(overridden == "api://custom/.default")
        guard case .apiKey = try Credential.make(.key, for: openAI, environment: ["AZURE_OPENAI_API_KEY": "k"]) else {
            Issue.record("expected an API key")
            return
        }
        #expect(throws: MeterbookError.self) { try Credential.make(.key, for: claude, environment: [:]) }
    }

    /// The README's Swift example, as written there (nothing is sent).
    @Test func readmeExampleBuilds() throws {
        let recorder: Recorder? = nil
        let endpoint = try Endpoint.azureOpenAI(resource: "myres")
        let client = MeterbookClient(endpoint: endpoint, credential: .entra(for: endpoint), recorder: recorder)
        let managed = Credential.entra(for: endpoint, credential: ManagedIdentityCredential(clientID: "00000000-..."))
        #expect(client.endpoint == endpoint)
        #expect("\(managed)" == "tokenCredential(https://cognitiveservices.azure.com/.default)")
    }

    @Test func authSectionOfTheConfig() throws {
        let config = try MeterbookConfig.parse("[auth]\nmode = \"entra\"\nscope = \"https://ai.azure.com/.default\"\n")
        #expect(config.auth == MeterbookConfig.Auth(mode: .entra, scope: "https://ai.azure.com/.default"))
        #expect(try MeterbookConfig.parse("").auth == MeterbookConfig.Auth())
        #expect(throws: ConfigError.self) { try MeterbookConfig.parse("[auth]\nmode = \"password\"\n") }
    }
}
