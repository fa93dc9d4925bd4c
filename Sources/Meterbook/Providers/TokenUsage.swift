/// A usage object normalised across the Responses, Chat Completions, Embeddings and Messages APIs.
///
/// `inputTokens` counts every input token in any billing form, as OpenAI does; for Anthropic it is
/// `input_tokens + cache_read_input_tokens + cache_creation_input_tokens`.
public struct TokenUsage: Sendable, Equatable {
    public var inputTokens: Int?
    public var outputTokens: Int?
    public var totalTokens: Int?
    /// Part of `inputTokens` read from cache.
    public var cachedInputTokens: Int?
    /// Part of `inputTokens` written to cache.
    public var cacheWriteTokens: Int?
    public var reasoningTokens: Int?
    /// Anthropic's cache-write split by TTL, for pricing (`cache_creation.ephemeral_5m/1h_input_tokens`).
    public var cacheWrite5mTokens: Int?
    public var cacheWrite1hTokens: Int?
    /// Anthropic `service_tier` (`standard`, `priority`, `batch`).
    public var serviceTier: String?
    /// The usage object as the service returned it.
    public var rawJSON: String?

    public init(
        inputTokens: Int? = nil, outputTokens: Int? = nil, totalTokens: Int? = nil,
        cachedInputTokens: Int? = nil, cacheWriteTokens: Int? = nil, reasoningTokens: Int? = nil,
        cacheWrite5mTokens: Int? = nil, cacheWrite1hTokens: Int? = nil, serviceTier: String? = nil,
        rawJSON: String? = nil
    ) {
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.totalTokens = totalTokens
        self.cachedInputTokens = cachedInputTokens
        self.cacheWriteTokens = cacheWriteTokens
        self.reasoningTokens = reasoningTokens
        self.cacheWrite5mTokens = cacheWrite5mTokens
        self.cacheWrite1hTokens = cacheWrite1hTokens
        self.serviceTier = serviceTier
        self.rawJSON = rawJSON
    }

    /// An OpenAI-style usage object: Responses (`input_tokens`...) or Chat/Embeddings (`prompt_tokens`...).
    static func openAI(_ usage: [String: Any], raw: String?) -> TokenUsage {
        var result = TokenUsage(rawJSON: raw)
        if usage["prompt_tokens"] != nil || usage["completion_tokens"] != nil {
            result.inputTokens = JSONValue.int(usage["prompt_tokens"])
            result.outputTokens = JSONValue.int(usage["completion_tokens"])
            let inputDetails = JSONValue.dict(usage["prompt_tokens_details"])
            result.cachedInputTokens = JSONValue.int(inputDetails?["cached_tokens"])
            result.cacheWriteTokens = JSONValue.int(inputDetails?["cache_write_tokens"])
            result.reasoningTokens = JSONValue.int(JSONValue.dict(usage["completion_tokens_details"])?["reasoning_tokens"])
        } else {
            result.inputTokens = JSONValue.int(usage["input_tokens"])
            result.outputTokens = JSONValue.int(usage["output_tokens"])
            let inputDetails = JSONValue.dict(usage["input_tokens_details"])
            result.cachedInputTokens = JSONValue.int(inputDetails?["cached_tokens"])
            result.cacheWriteTokens = JSONValue.int(inputDetails?["cache_write_tokens"])
            result.reasoningTokens = JSONValue.int(JSONValue.dict(usage["output_tokens_details"])?["reasoning_tokens"])
        }
        result.totalTokens = JSONValue.int(usage["total_tokens"])
            ?? result.inputTokens.map { $0 + (result.outputTokens ?? 0) }
        // Embeddings have no output; 0 keeps sums and ratios clean.
        if result.outputTokens == nil, result.inputTokens != nil { result.outputTokens = 0 }
        return result
    }

    /// An Anthropic Messages usage object, whose `input_tokens` excludes cache reads and writes.
    static func anthropic(_ usage: [String: Any], raw: String?) -> TokenUsage {
        var result = TokenUsage(rawJSON: raw)
        let uncached = JSONValue.int(usage["input_tokens"])
        let cacheRead = JSONValue.int(usage["cache_read_input_tokens"])
        let cacheWrite = JSONValue.int(usage["cache_creation_input_tokens"])
        if uncached != nil || cacheRead != nil || cacheWrite != nil {
            result.inputTokens = (uncached ?? 0) + (cacheRead ?? 0) + (cacheWrite ?? 0)
        }
        result.outputTokens = JSONValue.int(usage["output_tokens"])
        result.cachedInputTokens = cacheRead
        result.cacheWriteTokens = cacheWrite
        if let creation = JSONValue.dict(usage["cache_creation"]) {
            result.cacheWrite5mTokens = JSONValue.int(creation["ephemeral_5m_input_tokens"])
            result.cacheWrite1hTokens = JSONValue.int(creation["ephemeral_1h_input_tokens"])
        }
        result.reasoningTokens = JSONValue.int(JSONValue.dict(usage["output_tokens_details"])?["thinking_tokens"])
        result.serviceTier = JSONValue.string(usage["service_tier"])
        if let input = result.inputTokens {
            result.totalTokens = input + (result.outputTokens ?? 0)
        }
        return result
    }
}
