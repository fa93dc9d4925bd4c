#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// A stand-in `az` for tests and demos: a shell script alone in its own folder (put ``folder`` on `PATH`) that
/// answers `az account get-access-token` as the Azure CLI does, or fails as told. Each run appends its arguments
/// to a log (``invocations()``). The folder is removed when this object is released.
public final class FakeAzureCLI: Sendable {
    public enum Behaviour: String, Sendable {
        /// Prints the JSON with `accessToken`, `expiresOn` (local time) and `expires_on` (epoch seconds).
        case token
        /// Prints the JSON of older CLIs: `expiresOn` (naive local time) only.
        case localTimeOnly
        /// Exits 1 with "Please run 'az login' to setup account."
        case notLoggedIn
        /// Exits 1 with an AADSTS error.
        case failure
        /// Never finishes (sleeps 30 s).
        case hang
        /// Exits 0 printing something that is not JSON.
        case garbage
    }

    /// The folder holding `az`.
    public let folder: String
    /// The token it prints.
    public let token: String
    /// The epoch second it says the token expires (`expires_on`).
    public let expiresOn: Int
    /// What `expiresOn` says, as naive local time.
    public let expiresOnLocal: String
    private let logPath: String

    /// - Parameter expiresIn: seconds from now the printed token expires.
    public init(behaviour: Behaviour = .token, expiresIn: Int = 3600) throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("meterbook-fake-az-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        folder = base.path
        logPath = base.appendingPathComponent("invocations.log").path
        token = "fake-az-token-\(UUID().uuidString)"
        expiresOn = Int(Date().timeIntervalSince1970) + expiresIn
        expiresOnLocal = "2031-05-06 07:08:09.000000"
        let answer: String
        switch behaviour {
        case .token:
            answer = #"printf '%s\n' '{"accessToken":"\#(token)","expiresOn":"\#(expiresOnLocal)","expires_on":\#(expiresOn),"subscription":"00000000-0000-0000-0000-000000000000","tenant":"00000000-0000-0000-0000-000000000001","tokenType":"Bearer"}'"#
        case .localTimeOnly:
            answer = #"printf '%s\n' '{"accessToken":"\#(token)","expiresOn":"\#(expiresOnLocal)","subscription":"s","tenant":"t","tokenType":"Bearer"}'"#
        case .notLoggedIn:
            answer = "echo \"ERROR: Please run 'az login' to setup account.\" >&2; exit 1"
        case .failure:
            answer = "echo 'ERROR: AADSTS50173: The provided grant has expired due to it being revoked.' >&2; exit 1"
        case .hang:
            answer = "exec /bin/sleep 30"
        case .garbage:
            answer = "echo 'WARNING: this is not JSON'"
        }
        let script = """
            #!/bin/sh
            # A fake Azure CLI written by Meterbook's tests.
            printf '%s|AZURE_CORE_NO_COLOR=%s\\n' "$*" "$AZURE_CORE_NO_COLOR" >> '\(logPath)'
            \(answer)

            """
        let path = base.appendingPathComponent("az").path
        // Written through a close-on-exec descriptor: a process another test forks meanwhile must not inherit it
        // open for writing, or running the script fails with ETXTBSY.
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o755)
        guard descriptor >= 0 else { throw SimulatorError("Could not write the fake az script at \(path).") }
        let bytes = Array(script.utf8)
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        close(descriptor)
        guard written == bytes.count else { throw SimulatorError("Could not write the fake az script at \(path).") }
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
    }

    /// Each run's arguments joined by spaces, then `|AZURE_CORE_NO_COLOR=` and its value.
    public func invocations() -> [String] {
        guard let data = FileManager.default.contents(atPath: logPath) else { return [] }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: folder)
    }
}
