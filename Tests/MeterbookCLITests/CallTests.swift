import Foundation
import GRDB
import MeterbookSimulator
import Testing

/// `meterbook call` against the simulator, as the Azure quick start runs it.
@Suite struct CallTests {
    static func withSimulator(_ body: (AzureSimulator) async throws -> Void) async throws {
        let simulator = AzureSimulator()
        try await simulator.start()
        do { try await body(simulator) } catch {
            await simulator.stop()
            throw error
        }
        await simulator.stop()
    }

    static func rows(_ db: String) throws -> [Row] {
        let queue = try DatabaseQueue(path: db)
        defer { try? queue.close() }
        return try queue.read { try Row.fetchAll($0, sql: "SELECT * FROM requests ORDER BY id") }
    }

    @Test func quickStartCall() async throws {
        try await Self.withSimulator { simulator in
            let folder = try TemporaryFolder()
            let db = folder.path("m.sqlite")
            let result = try await CLI.run(
                ["call", "--db", db, "--endpoint", simulator.baseURL, "--deployment", "gpt-4o", "--tag", "team=search",
                 "Write a one-sentence bedtime story about a unicorn."],
                environment: ["AZURE_OPENAI_API_KEY": "cli-secret-key-123"]
            )
            #expect(result.status == 0, "stderr: \(result.stderr)")
            #expect(result.stdout.lowercased().contains("unicorn"))
            let rows = try Self.rows(db)
            try #require(rows.count == 1)
            let callID: String = rows[0]["call_id"]
            #expect(result.stderr.contains("call id \(callID)"))
            #expect(rows[0]["api"] == "responses")
            #expect(rows[0]["tags"] == #"{"team":"search"}"#)
            #expect(simulator.served().first?.clientRequestID == callID)
            let bytes = try Data(contentsOf: URL(fileURLWithPath: db)) + ((try? Data(contentsOf: URL(fileURLWithPath: db + "-wal"))) ?? Data())
            #expect(bytes.range(of: Data("cli-secret-key-123".utf8)) == nil)
        }
    }

    @Test(arguments: [("/anthropic", "claude-haiku-4-5", "messages"), ("/api/projects/p1", "gpt-4.1", "responses")])
    func streamingCallsToFoundry(path: String, deployment: String, api: String) async throws {
        try await Self.withSimulator { simulator in
            let folder = try TemporaryFolder()
            let db = folder.path("m.sqlite")
            let result = try await CLI.run(
                ["call", "--db", db, "--endpoint", simulator.baseURL + path, "--deployment", deployment, "--stream", "Tell me about unicorns."],
                environment: ["AZURE_OPENAI_API_KEY": "k", "ANTHROPIC_FOUNDRY_API_KEY": "k"]
            )
            #expect(result.status == 0, "stderr: \(result.stderr)")
            #expect(!result.stdout.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)
            let rows = try Self.rows(db)
            #expect(rows.count == 1)
            #expect(rows.first?["api"] == api)
            #expect(rows.first?["stream"] == 1)
        }
    }

    @Test func failedCallExitsOneWithTheCallID() async throws {
        try await Self.withSimulator { simulator in
            simulator.enqueue([.badRequest])
            let folder = try TemporaryFolder()
            let db = folder.path("m.sqlite")
            let result = try await CLI.run(["call", "--db", db, "--endpoint", simulator.baseURL, "--deployment", "gpt-4o", "--api", "chat", "hi"],
                                           environment: ["AZURE_OPENAI_API_KEY": "k"])
            #expect(result.status == 1)
            #expect(result.stderr.split(separator: "\n").count == 1)
            let callID: String = try #require(try Self.rows(db).first)["call_id"]
            #expect(result.stderr.contains(callID))
            #expect(result.stderr.contains("HTTP 400"))
        }
    }

    @Test func missingKeyAndBadEndpointAreOneLineErrors() async throws {
        let folder = try TemporaryFolder()
        let noKey = try await CLI.run(["call", "--db", folder.path("m.sqlite"), "--endpoint", "https://r.openai.azure.com", "--deployment", "gpt-4o", "hi"])
        #expect(noKey.status == 1)
        #expect(noKey.stderr.hasPrefix("meterbook: AZURE_OPENAI_API_KEY is not set: export the resource's key"))
        #expect(noKey.stderr.split(separator: "\n").count == 1)
        let badEndpoint = try await CLI.run(["call", "--endpoint", "not a url", "--deployment", "gpt-4o", "hi"], environment: ["AZURE_OPENAI_API_KEY": "k"])
        #expect(badEndpoint.status == 1)
        #expect(badEndpoint.stderr.split(separator: "\n").count == 1)
        #expect(badEndpoint.stderr.contains("is not an endpoint URL"))
        let noEndpoint = try await CLI.run(["call", "--deployment", "gpt-4o", "hi"], environment: ["AZURE_OPENAI_API_KEY": "k"])
        #expect(noEndpoint.status == 1)
        #expect(noEndpoint.stderr.contains("AZURE_OPENAI_ENDPOINT is not set"))
        #expect(!FileManager.default.fileExists(atPath: folder.path("m.sqlite")), "nothing is created when the call cannot be made")
    }
}
