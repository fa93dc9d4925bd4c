import Foundation

/// The account signed in to the Azure CLI: runs `az account get-access-token --output json --resource R`
/// (as azure-identity does) and reads `accessToken` with `expires_on` (epoch seconds), else `expiresOn`
/// (naive local time). The last link of DefaultAzureCredential's chain here.
public struct AzureCLICredential: TokenCredential {
    public let name = "Azure CLI"
    let tenantID: String?
    let timeout: Double
    let environment: [String: String]

    /// - Parameters:
    ///   - tenantID: passed as `--tenant` when set.
    ///   - timeout: seconds `az` may take (azure-identity allows 10).
    ///   - environment: `az` is looked up on its `PATH` and runs with it.
    public init(tenantID: String? = nil, timeout: Double = 10, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.tenantID = tenantID
        self.timeout = timeout
        self.environment = environment
    }

    public func getToken(scope: String) async throws -> AccessToken {
        guard let az = ProcessRunner.find("az", environment: environment) else {
            throw CredentialError.unavailable(name, "`az` not found on PATH")
        }
        var arguments = ["account", "get-access-token", "--output", "json", "--resource", EntraScope.resource(for: scope)]
        if let tenantID {
            guard tenantID.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == ".") }) else {
                throw CredentialError.failed(name, "the tenant id \"\(tenantID)\" is not a tenant id or domain")
            }
            arguments += ["--tenant", tenantID]
        }
        var childEnvironment = environment
        childEnvironment["AZURE_CORE_NO_COLOR"] = "true"
        let output: ProcessRunner.Output
        do {
            output = try await ProcessRunner.run(az, arguments: arguments, environment: childEnvironment, timeout: timeout)
        } catch ProcessRunner.Failure.timedOut {
            throw CredentialError.failed(name, "`az account get-access-token` did not finish in \(IdentityHTTP.seconds(timeout))")
        } catch {
            throw CredentialError.unavailable(name, "could not run \(az.path)")
        }
        guard output.status == 0 else {
            let message = String(decoding: output.stderr, as: UTF8.self)
            if message.contains("az login") || message.contains("az account set") {
                throw CredentialError.unavailable(name, "not logged in: run `az login`")
            }
            // stderr is az's own error text; stdout (which would hold the token) is never shown.
            let line = message.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
                .first { !$0.isEmpty }.map { $0.hasPrefix("ERROR: ") ? String($0.dropFirst(7)) : $0 } ?? "no message"
            throw CredentialError.failed(name, "`az account get-access-token` failed (exit \(output.status)): \(line.prefix(300))")
        }
        guard let token = TokenResponse.parse(output.stdout) else {
            throw CredentialError.failed(name, "`az account get-access-token` printed JSON without accessToken and an expiry")
        }
        return token
    }
}
