/// Tries credentials in order until one gives a token, as azure-identity's ChainedTokenCredential does:
/// an `.unavailable` credential is skipped, an `.authenticationFailed` one stops the chain (it is set up, so its
/// failure is what the user needs to see). The first credential that works is used from then on.
public final class ChainedTokenCredential: TokenCredential {
    public let name = "chain"
    public let credentials: [any TokenCredential]

    private struct Selection {
        var index: Int?
        var skipped: [CredentialError] = []
    }

    private let selection = Locked(Selection())

    public init(_ credentials: [any TokenCredential]) {
        self.credentials = credentials
    }

    /// The name of the credential that gave the first token, nil before one did.
    public var selectedCredential: String? {
        selection.current.index.map { credentials[$0].name }
    }

    /// Why the credentials before the selected one were skipped, in order.
    public var skippedCredentials: [CredentialError] {
        selection.current.skipped
    }

    /// A token from the selected credential, or from the first in order that gives one.
    /// Throws `CredentialChainError` with every credential's reason.
    public func getToken(scope: String) async throws -> AccessToken {
        if let index = selection.current.index {
            do {
                return try await credentials[index].getToken(scope: scope)
            } catch let error as CredentialError {
                throw CredentialChainError(scope: scope, errors: [error])
            }
        }
        var errors: [CredentialError] = []
        for (index, credential) in credentials.enumerated() {
            do {
                let token = try await credential.getToken(scope: scope)
                selection.withLock { state in
                    if state.index == nil { state = Selection(index: index, skipped: errors) }
                }
                return token
            } catch let error as CredentialError {
                errors.append(error)
                if error.code == .authenticationFailed { break }
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                // A credential outside this module threw something else: count it as a failure, naming only its type
                // (its text might carry a secret).
                errors.append(.failed(credential.name, "failed with \(type(of: error))"))
                break
            }
        }
        throw CredentialChainError(scope: scope, errors: errors)
    }
}
