import Foundation

extension Endpoint {
    /// Azure OpenAI from the official SDK's variables: `AZURE_OPENAI_ENDPOINT`, and `OPENAI_API_VERSION` for the
    /// deployment-path style (unset: v1).
    public static func azureOpenAIFromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Endpoint {
        guard let endpoint = environment["AZURE_OPENAI_ENDPOINT"], !endpoint.isEmpty else {
            throw MeterbookError(.invalidRequest, "AZURE_OPENAI_ENDPOINT is not set: export it (https://RESOURCE.openai.azure.com) or pass --endpoint.")
        }
        let version = environment["OPENAI_API_VERSION"].flatMap { $0.isEmpty ? nil : $0 }
        return try .azureOpenAI(baseURL: endpoint, apiVersion: version)
    }

    /// Claude on Foundry from the Anthropic SDK's variables: `ANTHROPIC_FOUNDRY_RESOURCE` or
    /// `ANTHROPIC_FOUNDRY_BASE_URL` (one of the two, as the SDK requires).
    public static func claudeOnFoundryFromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Endpoint {
        let resource = environment["ANTHROPIC_FOUNDRY_RESOURCE"].flatMap { $0.isEmpty ? nil : $0 }
        let baseURL = environment["ANTHROPIC_FOUNDRY_BASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
        switch (resource, baseURL) {
        case (let resource?, nil): return try .claudeOnFoundry(resource: resource)
        case (nil, let baseURL?): return try .claudeOnFoundry(baseURL: baseURL)
        case (.some, .some):
            throw MeterbookError(.invalidRequest, "ANTHROPIC_FOUNDRY_RESOURCE and ANTHROPIC_FOUNDRY_BASE_URL are both set: unset one of them.")
        case (nil, nil):
            throw MeterbookError(.invalidRequest, "Neither ANTHROPIC_FOUNDRY_RESOURCE nor ANTHROPIC_FOUNDRY_BASE_URL is set: export one or pass --endpoint.")
        }
    }
}

extension Credential {
    /// The API key the official SDK would read for `endpoint` (`AZURE_OPENAI_API_KEY` or `ANTHROPIC_FOUNDRY_API_KEY`);
    /// `AZURE_OPENAI_AD_TOKEN` wins over the key, as in the OpenAI SDK.
    public static func fromEnvironment(for endpoint: Endpoint, _ environment: [String: String] = ProcessInfo.processInfo.environment) -> Credential? {
        func value(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        switch endpoint.kind {
        case .claudeOnFoundry:
            return value("ANTHROPIC_FOUNDRY_API_KEY").map(Credential.apiKey)
        case .azureOpenAI, .foundryProject:
            if let token = value("AZURE_OPENAI_AD_TOKEN") { return .bearer(token) }
            return value("AZURE_OPENAI_API_KEY").map(Credential.apiKey)
        }
    }
}
