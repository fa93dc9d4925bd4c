import Foundation

/// How calls authenticate, as `--auth` and `[auth] mode` in meterbook.toml name it.
public enum AuthMode: String, Sendable, CaseIterable {
    /// An API key from the environment (`AZURE_OPENAI_API_KEY`, `ANTHROPIC_FOUNDRY_API_KEY`).
    case key
    /// Microsoft Entra ID tokens from DefaultAzureCredential's chain.
    case entra
}

extension Credential {
    /// Entra ID bearer tokens for `scope` from `credential` (DefaultAzureCredential's chain by default), cached and refreshed.
    public static func entra(scope: String, credential: any TokenCredential = DefaultAzureCredential()) -> Credential {
        .tokenCredential(TokenCache(credential: credential), scope: scope)
    }

    /// Entra ID bearer tokens for calls to `endpoint`: `scope`, else the endpoint's default (`EntraScope.default(for:)`).
    public static func entra(for endpoint: Endpoint, scope: String? = nil,
                             credential: any TokenCredential = DefaultAzureCredential()) -> Credential {
        entra(scope: scope ?? EntraScope.default(for: endpoint), credential: credential)
    }

    /// The credential `--auth MODE` (or `[auth] mode`) selects for `endpoint`, for the CLI and the proxy.
    /// `.key` reads the key the official SDK would (see `fromEnvironment(for:)`) and throws when none is set;
    /// `.entra` uses DefaultAzureCredential with `scope` or the endpoint's default scope.
    public static func make(_ mode: AuthMode, for endpoint: Endpoint, scope: String? = nil,
                            environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Credential {
        switch mode {
        case .key:
            guard let credential = fromEnvironment(for: endpoint, environment) else {
                let variable = endpoint.provider.isAnthropic ? "ANTHROPIC_FOUNDRY_API_KEY" : "AZURE_OPENAI_API_KEY"
                throw MeterbookError(.authentication, "\(variable) is not set: export the resource's key (it is sent, never recorded), or use Entra ID with --auth entra.")
            }
            return credential
        case .entra:
            return entra(for: endpoint, scope: scope, credential: DefaultAzureCredential(environment: environment))
        }
    }
}
