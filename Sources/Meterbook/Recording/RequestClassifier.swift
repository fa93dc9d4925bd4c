import Foundation

/// What an outgoing request is, read from its method, URL and body: the request-side columns of a row.
public struct RequestDescription: Sendable, Equatable {
    public var provider: Provider
    public var api: APIKind
    /// Upstream host, with `:port` when not the scheme's default.
    public var endpoint: String
    public var deployment: String?
    public var method: String
    /// URL path without the query string.
    public var path: String
    public var apiVersion: String?
    public var stream: Bool

    /// Classifies a request by the rules in CONTRACT.md ("provider is decided by path ...").
    public init(method: String, url: String, body: Data?) {
        self.method = method.uppercased()
        let parts = RequestURL(url)
        let host = parts.host?.lowercased() ?? ""
        let scheme = parts.scheme?.lowercased() ?? "https"
        if let port = parts.port, !((scheme == "https" && port == 443) || (scheme == "http" && port == 80)) {
            endpoint = "\(host):\(port)"
        } else {
            endpoint = host
        }
        path = parts.path ?? url
        if path.isEmpty { path = "/" }
        apiVersion = parts.apiVersion

        let lowered = path.lowercased()
        if lowered.containsBytes("/anthropic/") || lowered.hasSuffix("/anthropic") {
            provider = host == "api.anthropic.com" ? .anthropic : .foundryAnthropic
        } else if host == "api.anthropic.com" {
            provider = .anthropic
        } else if lowered.containsBytes("/api/projects/") {
            provider = .foundryOpenAI
        } else if lowered.containsBytes("/openai/") {
            provider = .azureOpenAI
        } else if host == "api.openai.com" {
            provider = .openAI
        } else {
            provider = .other
        }
        api = Self.api(path: lowered, method: self.method)

        var deployment: String?
        let segments = path.split(separator: "/", omittingEmptySubsequences: true)
        if let index = segments.firstIndex(where: { $0.lowercased() == "deployments" }), index + 1 < segments.count {
            let segment = String(segments[index + 1])
            // Foundation's decoding (a bridge to NSString) only for a name that has escapes.
            deployment = segment.containsBytes("%") ? segment.removingPercentEncoding : segment
        }
        var stream = false
        if let body, let document = JSONReader(body), document.kind(document.root) == .object {
            let fields = document.members(["model", "stream"], of: document.root)
            if deployment == nil, let model = fields[0], document.kind(model) == .string {
                deployment = document.string(model)
            }
            stream = fields[1].map(document.text) == "true"
        }
        self.deployment = deployment
        self.stream = stream
    }

    private static func api(path: String, method: String) -> APIKind {
        if path.hasSuffix("/chat/completions") { return .chatCompletions }
        if path.hasSuffix("/embeddings") { return .embeddings }
        if path.hasSuffix("/messages/count_tokens") { return .messagesCountTokens }
        if path.hasSuffix("/messages") { return .messages }
        if path.hasSuffix("/responses") { return method == "POST" ? .responses : .other }
        if let range = path.range(of: "/responses/") {
            let rest = path[range.upperBound...].split(separator: "/")
            if rest.count == 1 {
                switch method {
                case "GET": return .responsesRetrieve
                case "DELETE": return .responsesDelete
                default: return .other
                }
            }
            if rest.count == 2, rest[1] == "cancel" { return .responsesCancel }
        }
        return .other
    }
}
