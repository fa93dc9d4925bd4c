/// How the client authenticates. Secret values are sent upstream and never recorded, logged or printed.
public enum Credential: Sendable, CustomStringConvertible {
    /// `api-key` for Azure OpenAI and Foundry; `x-api-key` (and `api-key`, as Anthropic's SDK does) for Claude on Foundry.
    case apiKey(String)
    /// `Authorization: Bearer TOKEN` with a fixed token.
    case bearer(String)
    /// `Authorization: Bearer TOKEN` with a token fetched before each attempt (the provider caches and refreshes).
    case tokenProvider(@Sendable () async throws -> String)
    /// `Authorization: Bearer TOKEN` with Entra ID tokens for `scope` from a cache (refreshed ahead of expiry; a 401
    /// drops the token so the client retries once with a fresh one). Build it with `Credential.entra(...)`;
    /// share one `TokenCache` between clients to share its tokens.
    case tokenCredential(TokenCache, scope: String)
    /// No auth header (a proxy or gateway that adds its own).
    case none

    public var description: String {
        switch self {
        case .apiKey: return "apiKey(redacted)"
        case .bearer: return "bearer(redacted)"
        case .tokenProvider: return "tokenProvider"
        case .tokenCredential(_, let scope): return "tokenCredential(\(scope))"
        case .none: return "none"
        }
    }

    /// The auth headers for one attempt to `provider` (public so a proxy can inject them too).
    public func headers(for provider: Provider) async throws -> [(String, String)] {
        switch self {
        case .apiKey(let key):
            return provider.isAnthropic ? [("x-api-key", key), ("api-key", key)] : [("api-key", key)]
        case .bearer(let token):
            return [("Authorization", "Bearer \(token)")]
        case .tokenProvider(let provide):
            return [("Authorization", "Bearer \(try await provide())")]
        case .tokenCredential(let cache, let scope):
            return [("Authorization", "Bearer \(try await cache.token(for: scope).token)")]
        case .none:
            return []
        }
    }

    /// After the service answered 401 to an attempt sent with `headers`: drops that token so the next attempt gets a
    /// fresh one. Returns whether a retry can help, i.e. whether this credential refreshes tokens.
    public func invalidate(after headers: [(String, String)]) async -> Bool {
        guard case .tokenCredential(let cache, let scope) = self else { return false }
        if let value = headers.first(where: { $0.0.lowercased() == "authorization" })?.1, value.hasPrefix("Bearer ") {
            await cache.invalidate(scope: scope, token: String(value.dropFirst("Bearer ".count)))
        }
        return true
    }

    /// Header names whose values are secrets, lowercased.
    public static let secretHeaderNames: Set<String> = ["authorization", "api-key", "x-api-key", "proxy-authorization", "ocp-apim-subscription-key"]
}
