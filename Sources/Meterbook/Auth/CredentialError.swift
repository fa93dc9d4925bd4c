/// Why one credential did not give a token. The reason never contains a token, a secret or an assertion.
public struct CredentialError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// Not set up here (variables unset, no managed identity, `az` missing or logged out): a chain tries the next one.
        case unavailable
        /// Set up, but it did not work (secret rejected, endpoint failing): a chain stops here, as DefaultAzureCredential does.
        case authenticationFailed = "authentication_failed"
    }

    public var code: Code
    /// The credential's name, as in `TokenCredential.name`.
    public var credential: String
    /// A readable reason, e.g. "AZURE_CLIENT_SECRET not set".
    public var reason: String

    public init(_ code: Code, credential: String, reason: String) {
        self.code = code
        self.credential = credential
        self.reason = reason
    }

    static func unavailable(_ credential: String, _ reason: String) -> CredentialError {
        CredentialError(.unavailable, credential: credential, reason: reason)
    }

    static func failed(_ credential: String, _ reason: String) -> CredentialError {
        CredentialError(.authenticationFailed, credential: credential, reason: reason)
    }

    /// `credential: reason`, without a final period, so descriptions join into one sentence.
    public var description: String {
        var text = reason
        while text.hasSuffix(".") { text.removeLast() }
        return "\(credential): \(text)"
    }
}

/// Every credential a chain tried, in order, with why each did not give a token.
public struct CredentialChainError: Error, Sendable, Equatable, CustomStringConvertible {
    public var scope: String
    public var errors: [CredentialError]

    public init(scope: String, errors: [CredentialError]) {
        self.scope = scope
        self.errors = errors
    }

    /// One line: each credential's reason, then what to do.
    public var description: String {
        let reasons = errors.map(\.description).joined(separator: "; ")
        if let failed = errors.last, failed.code == .authenticationFailed {
            return "No Entra ID token for \(scope): \(reasons). The \(failed.credential) credential is set up but failed: fix its settings or unset them."
        }
        return "No Entra ID token for \(scope): \(reasons). Set one up: run `az login`, or set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET."
    }
}
