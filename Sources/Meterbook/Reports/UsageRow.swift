/// One row of a usage report: the figures of one group (deployment, day, ...) as CONTRACT.md names them.
public struct UsageRow: Sendable, Equatable, Codable {
    /// The grouping keys asked for, e.g. ["deployment": "gpt-4o"].
    public var keys: [String: String?]
    /// Distinct call ids.
    public var calls: Int
    /// Attempts.
    public var requests: Int
    /// Calls whose final attempt is `ok`.
    public var succeeded: Int
    /// Calls whose final attempt is not `ok`.
    public var failed: Int
    /// Attempts answered 429.
    public var throttled: Int
    /// Attempts answered 5xx.
    public var serverErrors: Int
    public var inputTokens: Int
    public var outputTokens: Int
    public var cachedInputTokens: Int
    public var cacheWriteTokens: Int
    public var reasoningTokens: Int
    /// Summed over all attempts; nil when no attempt had a known price.
    public var costUSD: Double?
    /// Attempts with tokens but no price (an unknown model): the cost above leaves them out.
    public var unpricedRequests: Int
    public var latencyP50Ms: Double?
    public var latencyP95Ms: Double?
    public var latencyP99Ms: Double?
    public var ttftP50Ms: Double?

    /// failed / calls.
    public var errorRate: Double { calls == 0 ? 0 : Double(failed) / Double(calls) }
    /// throttled / requests.
    public var throttleRate: Double { requests == 0 ? 0 : Double(throttled) / Double(requests) }
}
