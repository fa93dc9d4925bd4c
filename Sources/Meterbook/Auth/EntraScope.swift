import Foundation

/// The Entra ID scopes the services take (WIRE.md E), and the resource form IMDS and `az` want.
public enum EntraScope {
    /// Azure OpenAI and Claude on Foundry.
    public static let cognitiveServices = "https://cognitiveservices.azure.com/.default"
    /// Foundry project endpoints (`/api/projects/...`).
    public static let aiFoundry = "https://ai.azure.com/.default"

    /// The scope for calls to `endpoint`: `aiFoundry` for a Foundry project, else `cognitiveServices`.
    public static func `default`(for endpoint: Endpoint) -> String {
        if case .foundryProject = endpoint.kind { return aiFoundry }
        return cognitiveServices
    }

    /// The scope for calls to a URL (for a proxy's upstreams): `aiFoundry` when the path has `/api/projects/`.
    public static func `default`(forURL url: String) -> String {
        url.lowercased().contains("/api/projects/") ? aiFoundry : cognitiveServices
    }

    /// `https://cognitiveservices.azure.com/.default` → `https://cognitiveservices.azure.com` (IMDS, App Service, `az --resource`).
    public static func resource(for scope: String) -> String {
        scope.hasSuffix("/.default") ? String(scope.dropLast("/.default".count)) : scope
    }
}
