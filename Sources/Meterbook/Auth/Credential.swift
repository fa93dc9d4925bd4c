/// How the client authenticates. Secret values are sent upstream and never recorded, logged or printed.
public enum Credential: Sendable, CustomStringConvertible {
    /// `api-key` for Azure OpenAI and Foundry; `x-api-key` (and `api-key`, as Anthropic's SDK does) for Claude on Foundry.
    case apiKey(String)
    /// `Authorization: Bearer TOKEN` with a fixed token.
    case bearer(String)
    /// `Authorization: Bearer TOKEN` with a token fetched before each attempt (the provider caches and refreshes).
    case tokenProvider(@Sendable () async throws -> String)
    /// No auth header (a proxy or gateway that adds its own).
    case none

    public var description: String {
        switch self {
        case .apiKey: return "apiKey(redacted)"
        case .bearer: return "bearer(redacted)"
        case .tokenProvider: return "tokenProvider"
        case .none: return "none"
        }
    }

    /// The auth headers for one attempt.
    func headers(for provider: Provider) async throws -> [(String, String)] {
        switch self {
        case .apiKey(let key):
            return provider.isAnthropic ? [("x-api-key", key), ("api-key", key)] : [("api-key", key)]
        case .bearer(let token):
            return [("Authorization", "Bearer \(token)")]
        case .tokenProvider(let provide):
            return [("Authorization", "Bearer \(try await provide())")]
        case .none:
            return []
        }
    }

    /// Header names whose values are secrets, lowercased.
    public static let secretHeaderNames: Set<String> = ["authorization", "api-key", "x-api-key", "proxy-authorization", "ocp-apim-subscription-key"]
}
