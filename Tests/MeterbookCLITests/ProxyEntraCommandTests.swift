import Foundation
import Meterbook
import MeterbookSimulator
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `meterbook proxy --auth entra` as a user runs it, with every identity endpoint on loopback: the token endpoint is
/// the identity simulator (AZURE_AUTHORITY_HOST), IMDS a refused port, `PATH` an empty folder.
@Suite struct ProxyEntraCommandTests {
    static let secret = "proxy-cli-secret-3"

    func environment(_ identity: IdentitySimulator?, folder: TemporaryFolder, servicePrincipal: Bool = true) throws -> [String: String] {
        let emptyPath = folder.path("empty-path")
        try FileManager.default.createDirectory(atPath: emptyPath, withIntermediateDirectories: true)
        var environment = [
            "AZURE_AUTHORITY_HOST": identity?.baseURL ?? "http://127.0.0.1:1",
            "METERBOOK_IMDS_ENDPOINT": "http://127.0.0.1:1/metadata/identity/oauth2/token",
            "PATH": emptyPath,
        ]
        if servicePrincipal {
            environment.merge(["AZURE_TENANT_ID": "contoso", "AZURE_CLIENT_ID": "proxy-app", "AZURE_CLIENT_SECRET": Self.secret]) { _, new in new }
        }
        return environment
    }

    /// A running `meterbook proxy` and its output.
    struct Running {
        var process: Process
        var stdout: ProxyCommandTests.Output
        var stderr: ProxyCommandTests.Output
        var base: String

        static func start(_ arguments: [String], environment: [String: String]) async throws -> Running {
            let (process, stdoutPipe, stderrPipe) = try CLI.launch(arguments, environment: environment)
            let stdout = ProxyCommandTests.Output(stdoutPipe)
            let stderr = ProxyCommandTests.Output(stderrPipe)
            guard let banner = try await stdout.line(containing: "listening at"),
                  let base = banner.split(separator: " ").first(where: { $0.hasPrefix("http://") }) else {
                if process.isRunning { process.terminate() }
                throw CLIError(message: "no banner; stderr: \(stderr.current)")
            }
            return Running(process: process, stdout: stdout, stderr: stderr, base: String(base).trimmingCharacters(in: .punctuationCharacters))
        }

        /// SIGTERM, then waits (bounded) for the exit status.
        func stop() async throws -> Int32 {
            process.terminate()
            let deadline = ContinuousClock.now.advanced(by: .seconds(20))
            while process.isRunning, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
            if process.isRunning { process.interrupt() }
            process.waitUntilExit()
            return process.terminationStatus
        }
    }

    struct CLIError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    func post(_ url: String, headers: [String: String] = [:]) async throws -> Int {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = "POST"
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        request.httpBody = Data(#"{"model":"gpt-4o-mini","input":"hi"}"#.utf8)
        let (_, response) = try await URLSession.shared.data(for: request)
        return (response as? HTTPURLResponse)?.statusCode ?? 0
    }

    func expectNoToken(in paths: [String]) {
        for path in paths {
            guard let bytes = FileManager.default.contents(atPath: path) else { continue }
            #expect(bytes.range(of: Data(IdentitySimulator.tokenPrefix.utf8)) == nil, "token in \(path)")
            #expect(bytes.range(of: Data(Self.secret.utf8)) == nil, "secret in \(path)")
        }
    }

    @Test func clientsWithoutAKeyAreServedWithOneToken() async throws {
        let simulator = AzureSimulator()
        try await simulator.start()
        let identity = IdentitySimulator()
        try await identity.start()
        let folder = try TemporaryFolder()
        let database = folder.path("meterbook.sqlite")
        let proxy = try await Running.start(
            ["proxy", "--db", database, "--listen", "127.0.0.1:0", "--upstream", simulator.baseURL, "--auth", "entra"],
            environment: try environment(identity, folder: folder))
        #expect(try await proxy.stdout.line(containing: "(Entra ID token for https://cognitiveservices.azure.com/.default injected)") != nil)
        #expect(try await proxy.stdout.line(containing: "Entra ID tokens from: environment") != nil)

        // No key at all (the simulator answers 401 without one), then a client key the proxy must replace.
        for _ in 0..<3 { #expect(try await post(proxy.base + "/openai/v1/responses") == 200) }
        #expect(try await post(proxy.base + "/openai/v1/responses", headers: ["api-key": "client-own-key"]) == 200)
        // The token fetched at start served every request.
        #expect(identity.requests().count == 1)
        #expect(identity.requests().first?.parameters["scope"] == EntraScope.cognitiveServices)
        expectNoToken(in: [database, database + "-wal"])

        #expect(try await proxy.stop() == 0)
        #expect(try await proxy.stderr.line(containing: "Stopped; 4 attempts recorded") != nil, "stderr: \(proxy.stderr.current)")
        for output in [proxy.stdout.current, proxy.stderr.current] {
            #expect(!output.contains(IdentitySimulator.tokenPrefix) && !output.contains(Self.secret) && !output.contains("client-own-key"))
        }
        expectNoToken(in: [database, database + "-wal"])
        let rows = try MeterbookStore(path: database, mode: .readOnly).allAttempts()
        #expect(rows.count == 4 && rows.allSatisfy { $0.status == 200 })
        #expect(simulator.served().count == 4)
        await identity.stop()
        await simulator.stop()
    }

    @Test func authSectionAndUpstreamTablesChooseEntraAndTheFlagWins() async throws {
        let simulator = AzureSimulator()
        try await simulator.start()
        let identity = IdentitySimulator()
        try await identity.start()
        let folder = try TemporaryFolder()
        let database = folder.path("meterbook.sqlite")
        let config = folder.path("meterbook.toml")
        try """
            [auth]
            mode = "entra"

            [upstreams]
            default = "\(simulator.baseURL)"
            project = { url = "\(simulator.baseURL)/api/projects/p", auth = "entra" }
            custom = { url = "\(simulator.baseURL)", auth = "entra", scope = "https://custom.example/.default" }
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let env = try environment(identity, folder: folder)

        let proxy = try await Running.start(["proxy", "--db", database, "--config", config, "--listen", "127.0.0.1:0"], environment: env)
        #expect(try await proxy.stdout.line(containing: "(Entra ID token for https://ai.azure.com/.default injected)") != nil)
        #expect(try await post(proxy.base + "/openai/v1/responses") == 200)
        #expect(try await post(proxy.base + "/custom/openai/v1/responses") == 200)
        #expect(try await proxy.stop() == 0)
        // One token per scope, each fetched once.
        #expect(identity.requests().compactMap { $0.parameters["scope"] }.sorted()
                == ["https://ai.azure.com/.default", "https://cognitiveservices.azure.com/.default", "https://custom.example/.default"])

        // --auth key wins over the file: nothing is injected, so a client without a key is refused upstream.
        let keyed = try await Running.start(["proxy", "--db", database, "--config", config, "--listen", "127.0.0.1:0", "--auth", "key"], environment: env)
        // Upstream lines come in name order, "project" last.
        #expect(try await keyed.stdout.line(containing: "/project/...") != nil)
        #expect(!keyed.stdout.current.contains("injected"))
        #expect(try await post(keyed.base + "/openai/v1/responses") == 401)
        #expect(try await post(keyed.base + "/openai/v1/responses", headers: ["api-key": "client-own-key"]) == 200)
        #expect(try await keyed.stop() == 0)
        #expect(identity.requests().count == 3)
        await identity.stop()
        await simulator.stop()
    }

    @Test func noCredentialStopsTheProxyAtStartAndSaysWhy() async throws {
        let folder = try TemporaryFolder()
        let database = folder.path("meterbook.sqlite")
        let result = try await CLI.run(["proxy", "--db", database, "--listen", "127.0.0.1:0", "--upstream", "http://127.0.0.1:1", "--auth", "entra"],
                                       environment: try environment(nil, folder: folder, servicePrincipal: false))
        #expect(result.status == 1)
        #expect(result.stderr.split(separator: "\n").count == 1)
        #expect(result.stderr.hasPrefix("meterbook: No Entra ID token for https://cognitiveservices.azure.com/.default: environment: "))
        #expect(result.stderr.contains("Azure CLI: `az` not found on PATH"))
        #expect(!FileManager.default.fileExists(atPath: database))
    }

    @Test func scopeNeedsEntra() async throws {
        let folder = try TemporaryFolder()
        let db = folder.path("meterbook.sqlite")
        let withKey = try await CLI.run(["proxy", "--db", db, "--upstream", "http://127.0.0.1:1", "--auth", "key", "--scope", "https://ai.azure.com/.default"])
        #expect(withKey.status == 2)
        #expect(withKey.stderr.contains("--scope is for Entra ID"))
        let alone = try await CLI.run(["proxy", "--db", db, "--upstream", "http://127.0.0.1:1", "--scope", "https://ai.azure.com/.default"])
        #expect(alone.status == 2)
        #expect(alone.stderr.contains("--scope is for Entra ID, which no upstream uses"))
        let badConfig = folder.path("bad.toml")
        try "[upstreams]\ndefault = { url = \"http://127.0.0.1:1\", auth = \"oauth\" }\n".write(toFile: badConfig, atomically: true, encoding: .utf8)
        let bad = try await CLI.run(["proxy", "--db", db, "--config", badConfig])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains(#"upstreams.default.auth must be "key" or "entra""#))
    }
}
