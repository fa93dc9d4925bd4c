import Foundation

/// Runs the real `meterbook` binary, as a user would, and captures what it printed.
enum CLI {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The built binary: `$METERBOOK_BIN`, else `meterbook` beside the test bundle in the build folder.
    static var binary: URL {
        if let explicit = ProcessInfo.processInfo.environment["METERBOOK_BIN"] { return URL(fileURLWithPath: explicit) }
        var folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        while folder.path != "/" {
            let candidate = folder.appendingPathComponent("meterbook")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            folder = folder.deletingLastPathComponent()
        }
        return URL(fileURLWithPath: ".build/debug/meterbook")
    }

    /// Starts the binary; the caller reads its pipes and waits.
    static func launch(_ arguments: [String], environment: [String: String] = [:], directory: URL? = nil) throws -> (process: Process, stdout: Pipe, stderr: Pipe) {
        let process = Process()
        process.executableURL = binary
        if let directory { process.currentDirectoryURL = directory }
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        // Keep tests away from the user's own database, config and keys.
        for name in ["METERBOOK_DB", "METERBOOK_CONFIG", "AZURE_OPENAI_API_KEY", "AZURE_OPENAI_ENDPOINT", "AZURE_OPENAI_AD_TOKEN",
                     "ANTHROPIC_FOUNDRY_API_KEY", "ANTHROPIC_FOUNDRY_RESOURCE", "ANTHROPIC_FOUNDRY_BASE_URL", "OPENAI_API_VERSION",
                     // Entra ID: a test sets what it needs, pointing at loopback mocks only.
                     "AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_CLIENT_CERTIFICATE_PATH", "AZURE_USERNAME",
                     "AZURE_PASSWORD", "AZURE_FEDERATED_TOKEN_FILE", "AZURE_AUTHORITY_HOST", "IDENTITY_ENDPOINT", "IDENTITY_HEADER",
                     "MSI_ENDPOINT", "MSI_SECRET", "AZURE_POD_IDENTITY_AUTHORITY_HOST", "METERBOOK_IMDS_ENDPOINT"] {
            env[name] = nil
        }
        env["NO_COLOR"] = "1"
        env.merge(environment) { _, new in new }
        process.environment = env
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return (process, stdout, stderr)
    }

    /// Runs the binary to completion (killed after `timeout` seconds).
    static func run(_ arguments: [String], environment: [String: String] = [:], directory: URL? = nil,
                    timeout: TimeInterval = 120) async throws -> Result {
        let (process, stdoutPipe, stderrPipe) = try launch(arguments, environment: environment, directory: directory)
        async let out = readToEnd(stdoutPipe)
        async let err = readToEnd(stderrPipe)
        let deadline = Date(timeIntervalSinceNow: timeout)
        while process.isRunning {
            if Date() > deadline {
                process.terminate()
                break
            }
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: await out, as: UTF8.self),
                      stderr: String(decoding: await err, as: UTF8.self))
    }

    /// Reads a pipe to its end on a thread of its own: a blocking read on Swift's cooperative pool (two threads on a
    /// two-core machine) would starve servers the test runs in-process, which the binary may be calling.
    static func readToEnd(_ pipe: Pipe) async -> Data {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(returning: pipe.fileHandleForReading.readDataToEndOfFile())
            }
        }
    }
}

/// A fresh temporary folder per test, removed when the value is released.
final class TemporaryFolder: Sendable {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("meterbook-cli-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    deinit { try? FileManager.default.removeItem(at: url) }
}
