/// The service family an attempt went to, as stored in the `provider` column.
public enum Provider: String, Sendable, Codable, CaseIterable {
    case azureOpenAI = "azure-openai"
    /// The Responses API on a Foundry project (`/api/projects/PROJ/openai/...`).
    case foundryOpenAI = "foundry-openai"
    /// Claude through the Messages API on Foundry (`/anthropic/...`).
    case foundryAnthropic = "foundry-anthropic"
    case openAI = "openai"
    case anthropic = "anthropic"
    case other = "other"

    /// Whether the service speaks Anthropic's wire format (errors, usage, SSE).
    public var isAnthropic: Bool { self == .foundryAnthropic || self == .anthropic }
}
