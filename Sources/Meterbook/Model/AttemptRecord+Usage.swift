extension AttemptRecord {
    /// The row's token columns as a usage object; nil when the attempt reported no usage.
    public var usage: TokenUsage? {
        guard inputTokens != nil || outputTokens != nil else { return nil }
        return TokenUsage(
            inputTokens: inputTokens, outputTokens: outputTokens, totalTokens: totalTokens,
            cachedInputTokens: cachedInputTokens, cacheWriteTokens: cacheWriteTokens,
            reasoningTokens: reasoningTokens, rawJSON: usageJSON
        )
    }

    /// Fills the token columns and `usage_json` from a normalised usage object.
    public mutating func setUsage(_ usage: TokenUsage) {
        inputTokens = usage.inputTokens
        outputTokens = usage.outputTokens
        totalTokens = usage.totalTokens
        cachedInputTokens = usage.cachedInputTokens
        cacheWriteTokens = usage.cacheWriteTokens
        reasoningTokens = usage.reasoningTokens
        usageJSON = usage.rawJSON
    }
}
