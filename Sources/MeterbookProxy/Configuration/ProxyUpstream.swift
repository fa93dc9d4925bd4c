import Foundation
import Meterbook

/// One service the proxy forwards to, and how it authenticates there.
public struct ProxyUpstream: Sendable {
    /// The first path segment that selects this upstream; nil for the default upstream.
    public var name: String?
    /// Scheme, host, optional port and optional base path, e.g. `https://RES.services.ai.azure.com/anthropic`.
    public var baseURL: String
    /// Injected in place of the client's auth headers; nil forwards the client's own.
    public var credential: Credential?

    public init(name: String? = nil, baseURL: String, credential: Credential? = nil) {
        self.name = name
        self.baseURL = baseURL
        self.credential = credential
    }

    /// The config file's auth setting as a credential for the upstream at `baseURL`. Entra ID tokens come from
    /// `tokenCache` (share one between upstreams so equal scopes share a token), else from a new cache over
    /// DefaultAzureCredential reading `environment`; with no scope set, the URL's default scope is used.
    public static func credential(for auth: ProxyConfig.UpstreamAuth, baseURL: String, tokenCache: TokenCache? = nil,
                                  environment: [String: String] = ProcessInfo.processInfo.environment) throws(ProxyConfigurationError) -> Credential? {
        switch auth {
        case .forward:
            return nil
        case .apiKey(let key):
            return .apiKey(key)
        case .apiKeyEnvironment(let variable):
            guard let key = environment[variable], !key.isEmpty else {
                throw ProxyConfigurationError("The upstream key variable \(variable) is not set: export it, or remove api_key_env to forward the clients' keys.")
            }
            return .apiKey(key)
        case .entra(let scope):
            let cache = tokenCache ?? TokenCache(credential: DefaultAzureCredential(environment: environment))
            return .tokenCredential(cache, scope: scope ?? EntraScope.default(forURL: baseURL))
        }
    }
}
