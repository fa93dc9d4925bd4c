import Foundation
import Meterbook
import MeterbookSimulator
import Testing

/// `meterbook auth test` and `meterbook call --auth entra`, run as the real binary with every identity endpoint on
/// loopback: the token endpoint and IMDS are the identity simulator (or a refused port), `az` is a fake on PATH.
@Suite struct AuthCommandTests {
    /// Variables pointing everything Entra ID touches at loopback; `PATH` holds only the fake `az` (or nothing).
    func environment(_ identity: IdentitySimulator?, imds: String? = nil, az: FakeAzureCLI? = nil, folder: TemporaryFolder,
                     _ extra: [String: String] = [:]) throws -> [String: String] {
        let emptyPath = folder.path("empty-path")
        try FileManager.default.createDirectory(atPath: emptyPath, withIntermediateDirectories: true)
        var environment = [
            "AZURE_AUTHORITY_HOST": identity?.baseURL ?? "http://127.0.0.1:1",
            "METERBOOK_IMDS_ENDPOINT": imds ?? identity?.imdsEndpoint ?? "http://127.0.0.1:1/metadata/identity/oauth2/token",
            "PATH": az?.folder ?? emptyPath,
        ]
        environment.merge(extra) { _, new in new }
        return environment
    }

    let servicePrincipal = ["AZURE_TENANT_ID": "contoso", "AZURE_CLIENT_ID": "app", "AZURE_CLIENT_SECRET": "cli-test-secret-7"]

    func withIdentity(_ body: (IdentitySimulator) async throws -> Void) async throws {
        let identity = IdentitySimulator()
        try await identity.start()
        do { try await body(identity) } catch {
            await identity.stop()
            throw error
        }
        await identity.stop()
    }

    func expectNoSecrets(_ result: CLI.Result, _ secrets: [String]) {
        for secret in secrets + [IdentitySimulator.tokenPrefix] {
            #expect(!result.stdout.contains(secret))
            #expect(!result.stderr.contains(secret))
        }
    }

    @Test func authTestSaysWhichCredentialWorkedAndWhenItsTokenExpires() async throws {
        let folder = try TemporaryFolder()
        try await withIdentity { identity in
            let result = try await CLI.run(["auth", "test", "--db", folder.path("m.sqlite")],
                                           environment: try environment(identity, folder: folder, servicePrincipal))
            #expect(result.status == 0, "\(result.stderr)")
            let lines = result.stdout.split(separator: "\n").map(String.init)
            #expect(lines.first == "credential: environment")
            #expect(lines.dropFirst().first == "scope:      https://cognitiveservices.azure.com/.default")
            #expect(lines.contains { $0.hasPrefix("expires:    ") && $0.hasSuffix("(in 60 min)") })
            #expect(identity.requests().count == 1)
            expectNoSecrets(result, ["cli-test-secret-7"])
            #expect(!FileManager.default.fileExists(atPath: folder.path("m.sqlite")), "auth test writes no database")
        }
    }

    @Test func authTestThroughTheAzureCLIWithAScope() async throws {
        let folder = try TemporaryFolder()
        let az = try FakeAzureCLI(expiresIn: 45 * 60)
        try await withIdentity { identity in
            identity.enqueue([.noIdentity], for: .imds)
            let result = try await CLI.run(["auth", "test", "--scope", "https://ai.azure.com/.default"],
                                           environment: try environment(identity, az: az, folder: folder))
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.contains("credential: Azure CLI\n"))
            #expect(result.stdout.contains("scope:      https://ai.azure.com/.default\n"))
            #expect(result.stdout.contains("(in 45 min)"))
            #expect(result.stdout.contains("skipped:    environment: AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET not set; workload identity: "))
            // The binary probes IMDS for 1 s; on a loaded machine the mock may answer later than that. Either way the
            // chain must fall through to the Azure CLI and say why managed identity was skipped.
            #expect(result.stdout.contains("managed identity: no managed identity is assigned to this machine")
                    || result.stdout.contains("managed identity: no answer from the IMDS endpoint in 1 s"))
            #expect(az.invocations().first?.hasPrefix("account get-access-token --output json --resource https://ai.azure.com|") == true)
            expectNoSecrets(result, [az.token])
        }
    }

    @Test func authTestTakesTheScopeFromTheConfig() async throws {
        let folder = try TemporaryFolder()
        try "[auth]\nmode = \"entra\"\nscope = \"https://ai.azure.com/.default\"\n".write(toFile: folder.path("meterbook.toml"), atomically: true, encoding: .utf8)
        try await withIdentity { identity in
            let result = try await CLI.run(["auth", "test", "--config", folder.path("meterbook.toml")],
                                           environment: try environment(identity, folder: folder, servicePrincipal))
            #expect(result.status == 0, "\(result.stderr)")
            #expect(identity.requests().first?.parameters["scope"] == "https://ai.azure.com/.default")
        }
    }

    @Test func authTestFailureNamesEveryCredentialOnOneLine() async throws {
        let folder = try TemporaryFolder()
        let result = try await CLI.run(["auth", "test"], environment: try environment(nil, folder: folder))
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr == """
            meterbook: No Entra ID token for https://cognitiveservices.azure.com/.default: \
            environment: AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET not set; \
            workload identity: AZURE_FEDERATED_TOKEN_FILE, AZURE_CLIENT_ID, AZURE_TENANT_ID not set; \
            managed identity: no answer from the IMDS endpoint at 127.0.0.1:1 (connect); \
            Azure CLI: `az` not found on PATH. \
            Set one up: run `az login`, or set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET.

            """)
    }

    @Test func authTestRejectedSecretStopsTheChainWithoutShowingIt() async throws {
        let folder = try TemporaryFolder()
        let identity = IdentitySimulator(configuration: .init(clientSecret: "the-real-secret"))
        try await identity.start()
        let port = identity.port
        let result = try await CLI.run(["auth", "test"], environment: try environment(identity, folder: folder, servicePrincipal))
        await identity.stop()
        #expect(result.status == 1)
        #expect(result.stderr.contains("environment: the token endpoint at 127.0.0.1:\(port) answered HTTP 401: invalid_client: AADSTS7000215: Invalid client secret provided. The environment credential"))
        #expect(result.stderr.contains("The environment credential is set up but failed"))
        expectNoSecrets(result, ["cli-test-secret-7"])
    }

    @Test func callWithEntraAuth() async throws {
        let folder = try TemporaryFolder()
        let simulator = AzureSimulator()
        try await simulator.start()
        defer { Task { await simulator.stop() } }
        try await withIdentity { identity in
            let env = try environment(identity, folder: folder, servicePrincipal)
            let db = folder.path("m.sqlite")
            let result = try await CLI.run(["call", "--auth", "entra", "--endpoint", simulator.baseURL, "--deployment", "gpt-4o-mini", "--db", db, "Hello"],
                                           environment: env)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stderr.contains("recorded: call id "))
            #expect(identity.requests().map { $0.parameters["scope"] } == ["https://cognitiveservices.azure.com/.default"])
            #expect(simulator.served().count == 1)
            expectNoSecrets(result, ["cli-test-secret-7"])

            // [auth] mode = "entra" in the config does the same without --auth; --auth key still wins over it.
            try "[auth]\nmode = \"entra\"\n".write(toFile: folder.path("meterbook.toml"), atomically: true, encoding: .utf8)
            let fromConfig = try await CLI.run(["call", "--endpoint", simulator.baseURL, "--deployment", "gpt-4o-mini", "--db", db, "Hello"],
                                               environment: env)
            #expect(fromConfig.status == 0, "\(fromConfig.stderr)")
            #expect(identity.requests().count == 2)
            let key = try await CLI.run(["call", "--auth", "key", "--endpoint", simulator.baseURL, "--deployment", "gpt-4o-mini", "--db", db, "Hello"],
                                        environment: env)
            #expect(key.status == 1)
            #expect(key.stderr.contains("AZURE_OPENAI_API_KEY is not set"))

            let store = try MeterbookStore(path: db, mode: .readOnly)
            let rows = try store.allAttempts()
            #expect(rows.count == 2)
            let everything = String(decoding: try JSONEncoder().encode(rows), as: UTF8.self)
            #expect(!everything.contains(IdentitySimulator.tokenPrefix))
        }
    }

    @Test func callWithEntraAuthAndNoCredentialSaysWhy() async throws {
        let folder = try TemporaryFolder()
        let simulator = AzureSimulator()
        try await simulator.start()
        defer { Task { await simulator.stop() } }
        let result = try await CLI.run(["call", "--auth", "entra", "--endpoint", simulator.baseURL, "--deployment", "gpt-4o-mini",
                                        "--db", folder.path("m.sqlite"), "Hello"], environment: try environment(nil, folder: folder))
        #expect(result.status == 1)
        #expect(result.stderr.split(separator: "\n").count == 1)
        #expect(result.stderr.hasPrefix("meterbook: No Entra ID token for https://cognitiveservices.azure.com/.default: environment: "))
        #expect(result.stderr.contains("Azure CLI: `az` not found on PATH"))
        #expect(!result.stderr.contains("call id"))
        #expect(simulator.served().isEmpty)
    }

    @Test func scopeNeedsEntra() async throws {
        let result = try await CLI.run(["call", "--auth", "key", "--scope", "https://ai.azure.com/.default", "--deployment", "d", "Hello"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("--scope is for Entra ID"))
    }
}
