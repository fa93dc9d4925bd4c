import Foundation
import Meterbook
import MeterbookSimulator
import Testing

/// An IMDS URL on loopback where nothing listens: connection refused at once. Tests use it (or a simulator) so
/// that no test ever sends anything to the real IMDS at 169.254.169.254.
let refusedIMDS = "http://127.0.0.1:1/metadata/identity/oauth2/token"

/// Runs `body` with a started identity simulator and stops it afterwards (also when `body` throws).
func withIdentity<T>(_ configuration: IdentitySimulator.Configuration = .init(),
                     _ body: (IdentitySimulator) async throws -> T) async throws -> T {
    let identity = IdentitySimulator(configuration: configuration)
    try await identity.start()
    do {
        let result = try await body(identity)
        await identity.stop()
        return result
    } catch {
        await identity.stop()
        throw error
    }
}

/// A process environment built from nothing (never the test runner's own), always pointing the authority host and
/// IMDS at loopback and `PATH` at `az` (or at an empty folder), plus `extra`.
func authEnvironment(identity: IdentitySimulator?, imds: String? = nil, az: FakeAzureCLI? = nil,
                     _ extra: [String: String] = [:]) -> [String: String] {
    var environment = [
        "AZURE_AUTHORITY_HOST": identity?.baseURL ?? "http://127.0.0.1:1",
        "METERBOOK_IMDS_ENDPOINT": imds ?? identity?.imdsEndpoint ?? refusedIMDS,
        "PATH": az?.folder ?? emptyFolder,
    ]
    environment.merge(extra) { _, new in new }
    return environment
}

/// A folder with nothing in it, for a `PATH` without `az`.
let emptyFolder: String = {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("meterbook-empty-path-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url.path
}()

/// The three service-principal variables.
func servicePrincipal(secret: String = "client-secret-value-1") -> [String: String] {
    ["AZURE_TENANT_ID": "contoso-tenant", "AZURE_CLIENT_ID": "app-client-id", "AZURE_CLIENT_SECRET": secret]
}

/// A clock tests move by hand.
final class TestClock: Sendable {
    private let offset = TestLocked(0.0)
    let start = Date()

    var now: @Sendable () -> Date {
        { [self] in start.addingTimeInterval(offset.current) }
    }

    /// Sets the clock to `seconds` after its start.
    func set(_ seconds: Double) {
        offset.withLock { $0 = seconds }
    }
}

// @unchecked Sendable: `value` is only touched while `lock` is held.
final class TestLocked<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value
    init(_ value: Value) { self.value = value }
    func withLock<T>(_ body: (inout Value) -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
    var current: Value { withLock { $0 } }
}

/// The `CredentialError` `body` throws; records an issue when it throws something else or nothing.
func credentialError(_ body: () async throws -> AccessToken) async -> CredentialError? {
    do {
        _ = try await body()
        Issue.record("expected a CredentialError, got a token")
    } catch let error as CredentialError {
        return error
    } catch {
        Issue.record("expected a CredentialError, got \(error)")
    }
    return nil
}

/// A temporary file holding `text`.
func temporaryFile(_ text: String) throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("meterbook-test-\(UUID().uuidString)").path
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}
