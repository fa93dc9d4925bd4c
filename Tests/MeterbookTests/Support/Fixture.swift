import Foundation
@testable import Meterbook
import MeterbookSimulator

/// A running simulator, a fresh database file and a recorder: the real parts a client test needs.
final class Fixture: Sendable {
    let simulator: AzureSimulator
    let folder: URL
    let store: MeterbookStore
    let recorder: Recorder
    static let apiKey = "sk-METERBOOK-TEST-SECRET-7f3a9c"

    init(configuration: SimulatorConfiguration = SimulatorConfiguration()) async throws {
        simulator = AzureSimulator(configuration: configuration)
        try await simulator.start()
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("meterbook-test-\(UUID().uuidString)")
        store = try MeterbookStore(path: folder.appendingPathComponent("db/meterbook.sqlite").path)
        recorder = Recorder(store: store)
    }

    var databasePath: String { store.path }

    func client(_ endpoint: Endpoint, credential: Credential? = nil, maxRetries: Int = 2, timeout: Double = 30) -> MeterbookClient {
        var options = ClientOptions()
        options.maxRetries = maxRetries
        options.timeout = timeout
        return MeterbookClient(endpoint: endpoint, credential: credential ?? .apiKey(Self.apiKey), recorder: recorder, options: options)
    }

    func azure(apiVersion: String? = nil) throws -> MeterbookClient { client(try .azureOpenAI(baseURL: simulator.baseURL, apiVersion: apiVersion)) }
    func project() throws -> MeterbookClient { client(try .foundryProject(endpoint: simulator.baseURL + "/api/projects/proj1")) }
    func claude() throws -> MeterbookClient { client(try .claudeOnFoundry(baseURL: simulator.baseURL)) }

    /// Every recorded attempt, after flushing the recorder.
    func rows() async throws -> [AttemptRecord] {
        await recorder.flush()
        return try store.allAttempts()
    }

    func close() async {
        recorder.close()
        await simulator.stop()
        try? FileManager.default.removeItem(at: folder)
    }
}

/// Runs `body` with a fresh fixture and always tears it down.
func withFixture(_ configuration: SimulatorConfiguration = SimulatorConfiguration(),
                 _ body: (Fixture) async throws -> Void) async throws {
    let fixture = try await Fixture(configuration: configuration)
    do {
        try await body(fixture)
    } catch {
        await fixture.close()
        throw error
    }
    await fixture.close()
}
