import Foundation

/// Where calls go: an Azure OpenAI resource (v1 or deployment-path style), a Foundry project's Responses API,
/// or Claude's Messages API on Foundry. Built from a resource name or a full base URL.
public struct Endpoint: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// `apiVersion` nil: the v1 style (`/openai/v1/...`); set: the deployment-path style with `?api-version=`.
        case azureOpenAI(apiVersion: String?)
        /// `/api/projects/PROJ/openai/responses?api-version=...`
        case foundryProject(apiVersion: String)
        /// `/anthropic/v1/messages` with the `anthropic-version` header.
        case claudeOnFoundry(anthropicVersion: String)
    }

    public var kind: Kind
    /// The root every path is appended to, without a trailing slash, e.g. `https://RES.openai.azure.com`,
    /// `https://RES.services.ai.azure.com/api/projects/PROJ`, `https://RES.services.ai.azure.com/anthropic`.
    public var baseURL: String

    public static let defaultFoundryProjectAPIVersion = "2025-11-15-preview"
    public static let defaultAnthropicVersion = "2023-06-01"

    public init(kind: Kind, baseURL: String) throws {
        self.kind = kind
        self.baseURL = try Self.normalize(baseURL, kind: kind)
    }

    public var description: String { baseURL }

    public var provider: Provider {
        switch kind {
        case .azureOpenAI: return .azureOpenAI
        case .foundryProject: return .foundryOpenAI
        case .claudeOnFoundry: return .foundryAnthropic
        }
    }

    // MARK: Builders

    /// `https://RESOURCE.openai.azure.com`; pass `apiVersion` for the deployment-path style.
    public static func azureOpenAI(resource: String, apiVersion: String? = nil) throws -> Endpoint {
        try Endpoint(kind: .azureOpenAI(apiVersion: apiVersion), baseURL: "https://\(try checkedResource(resource)).openai.azure.com")
    }

    public static func azureOpenAI(baseURL: String, apiVersion: String? = nil) throws -> Endpoint {
        try Endpoint(kind: .azureOpenAI(apiVersion: apiVersion), baseURL: baseURL)
    }

    /// `https://RESOURCE.services.ai.azure.com/api/projects/PROJECT`.
    public static func foundryProject(resource: String, project: String, apiVersion: String = defaultFoundryProjectAPIVersion) throws -> Endpoint {
        try Endpoint(kind: .foundryProject(apiVersion: apiVersion),
                     baseURL: "https://\(try checkedResource(resource)).services.ai.azure.com/api/projects/\(project)")
    }

    /// A project endpoint as the Foundry portal shows it (`.../api/projects/PROJECT`).
    public static func foundryProject(endpoint: String, apiVersion: String = defaultFoundryProjectAPIVersion) throws -> Endpoint {
        try Endpoint(kind: .foundryProject(apiVersion: apiVersion), baseURL: endpoint)
    }

    /// `https://RESOURCE.services.ai.azure.com/anthropic`.
    public static func claudeOnFoundry(resource: String, anthropicVersion: String = defaultAnthropicVersion) throws -> Endpoint {
        try Endpoint(kind: .claudeOnFoundry(anthropicVersion: anthropicVersion),
                     baseURL: "https://\(try checkedResource(resource)).services.ai.azure.com/anthropic")
    }

    /// A base URL as `ANTHROPIC_FOUNDRY_BASE_URL` takes it; `/anthropic` is added when the URL has no path.
    public static func claudeOnFoundry(baseURL: String, anthropicVersion: String = defaultAnthropicVersion) throws -> Endpoint {
        try Endpoint(kind: .claudeOnFoundry(anthropicVersion: anthropicVersion), baseURL: baseURL)
    }

    // MARK: URLs

    /// The URL of `api`; `deployment` is needed by the deployment-path style for chat and embeddings.
    public func url(for api: APIKind, deployment: String?) throws -> String {
        switch kind {
        case .azureOpenAI(nil):
            guard [.responses, .chatCompletions, .embeddings].contains(api) else { throw unsupported(api) }
            return baseURL + "/openai/v1" + api.pathSuffix
        case .azureOpenAI(let version?):
            let query = "?api-version=" + (version.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? version)
            switch api {
            case .responses:
                return baseURL + "/openai/responses" + query
            case .chatCompletions, .embeddings:
                guard let deployment, !deployment.isEmpty else {
                    throw MeterbookError(.invalidRequest, "The deployment-path style needs a deployment name for \(api.rawValue): pass deployment (or --deployment).")
                }
                let name = deployment.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["/"])) ?? deployment
                return baseURL + "/openai/deployments/\(name)" + api.pathSuffix + query
            default:
                throw unsupported(api)
            }
        case .foundryProject(let version):
            guard api == .responses else { throw unsupported(api) }
            return baseURL + "/openai/responses?api-version=" + version
        case .claudeOnFoundry:
            guard api == .messages || api == .messagesCountTokens else { throw unsupported(api) }
            return baseURL + "/v1" + api.pathSuffix
        }
    }

    private func unsupported(_ api: APIKind) -> MeterbookError {
        let supported: String
        switch kind {
        case .azureOpenAI: supported = "responses, chat.completions and embeddings"
        case .foundryProject: supported = "responses"
        case .claudeOnFoundry: supported = "messages"
        }
        return MeterbookError(.invalidRequest, "\(baseURL) does not serve \(api.rawValue); this endpoint serves \(supported).")
    }

    // MARK: Normalisation

    private static func checkedResource(_ resource: String) throws -> String {
        let trimmed = resource.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, trimmed.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" }) else {
            throw MeterbookError(.invalidRequest, "\"\(resource)\" is not an Azure resource name (letters, digits and dashes): pass the resource name or a full https:// URL.")
        }
        return trimmed.lowercased()
    }

    private static func normalize(_ raw: String, kind: Kind) throws -> String {
        let trimmed = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let components = URLComponents(string: trimmed), let scheme = components.scheme?.lowercased(),
              scheme == "https" || scheme == "http", let host = components.host, !host.isEmpty else {
            throw MeterbookError(.invalidRequest, "\"\(raw)\" is not an endpoint URL: pass https://RESOURCE.openai.azure.com, https://RESOURCE.services.ai.azure.com/..., or a resource name.")
        }
        var path = components.percentEncodedPath
        while path.hasSuffix("/") { path.removeLast() }
        func strip(_ suffixes: [String]) {
            for suffix in suffixes where path.lowercased().hasSuffix(suffix) {
                path.removeLast(suffix.count)
                return
            }
        }
        switch kind {
        case .azureOpenAI:
            strip(["/openai/v1", "/openai"])
        case .foundryProject:
            strip(["/openai/v1/responses", "/openai/responses", "/openai/v1", "/openai"])
            guard path.lowercased().contains("/api/projects/") else {
                throw MeterbookError(.invalidRequest, "\"\(raw)\" is not a Foundry project endpoint: it should look like https://RESOURCE.services.ai.azure.com/api/projects/PROJECT.")
            }
        case .claudeOnFoundry:
            strip(["/v1/messages", "/v1"])
            if !path.lowercased().hasSuffix("/anthropic") { path += "/anthropic" }
        }
        var root = "\(scheme)://\(host)"
        if let port = components.port { root += ":\(port)" }
        return root + path
    }
}
