/// Which simulated API a request path addresses.
struct APIRoute: Sendable {
    enum API: String, Sendable {
        case responses
        case chatCompletions = "chat.completions"
        case embeddings
        case messages
    }

    var api: API
    /// The `/deployments/NAME/` path segment; nil when the deployment is the body's `model`.
    var pathDeployment: String?
    /// Deployment-style and dated routes 404 without `api-version`, as Azure does.
    var requiresAPIVersion: Bool

    /// True for Claude on Foundry: Anthropic error shapes, ids and headers.
    var isAnthropic: Bool { api == .messages }

    /// Matches the POST paths the real services expose; nil for anything else.
    static func match(path: String) -> APIRoute? {
        var segments = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        guard !segments.isEmpty else { return nil }
        if segments.first == "api", segments.count >= 3, segments[1] == "projects" {
            // Foundry project: /api/projects/{project}/openai/[v1/]responses
            segments.removeFirst(3)
            switch segments {
            case ["openai", "responses"]: return APIRoute(api: .responses, requiresAPIVersion: true)
            case ["openai", "v1", "responses"]: return APIRoute(api: .responses, requiresAPIVersion: false)
            default: return nil
            }
        }
        switch segments {
        case ["openai", "v1", "responses"]: return APIRoute(api: .responses, requiresAPIVersion: false)
        case ["openai", "v1", "chat", "completions"]: return APIRoute(api: .chatCompletions, requiresAPIVersion: false)
        case ["openai", "v1", "embeddings"]: return APIRoute(api: .embeddings, requiresAPIVersion: false)
        case ["openai", "responses"]: return APIRoute(api: .responses, requiresAPIVersion: true)
        case ["anthropic", "v1", "messages"]: return APIRoute(api: .messages, requiresAPIVersion: false)
        default: break
        }
        if segments.count == 5 || segments.count == 4, segments[0] == "openai", segments[1] == "deployments" {
            let rest = Array(segments.dropFirst(3))
            switch rest {
            case ["chat", "completions"]:
                return APIRoute(api: .chatCompletions, pathDeployment: segments[2], requiresAPIVersion: true)
            case ["embeddings"]:
                return APIRoute(api: .embeddings, pathDeployment: segments[2], requiresAPIVersion: true)
            default: return nil
            }
        }
        return nil
    }

    private init(api: API, pathDeployment: String? = nil, requiresAPIVersion: Bool) {
        self.api = api
        self.pathDeployment = pathDeployment.map { $0.removingPercentEscapes() }
        self.requiresAPIVersion = requiresAPIVersion
    }
}

extension String {
    /// Decodes `%XX` escapes (deployment names are plain in practice; this keeps odd ones readable).
    func removingPercentEscapes() -> String {
        guard contains("%") else { return self }
        var bytes: [UInt8] = []
        var iterator = utf8.makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%"), let high = iterator.next(), let low = iterator.next(),
                let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16)
            {
                bytes.append(value)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
