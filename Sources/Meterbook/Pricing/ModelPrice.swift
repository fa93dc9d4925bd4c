/// Prices of one model in USD per million tokens; nil means "not priced".
public struct ModelPrice: Sendable, Equatable, Codable {
    public var model: String
    public var input: Double?
    /// OpenAI-style cached input (a subset of input tokens).
    public var cachedInput: Double?
    /// Anthropic cache writes with the 5-minute and 1-hour TTLs.
    public var cacheWrite5m: Double?
    public var cacheWrite1h: Double?
    /// Anthropic cache reads.
    public var cacheRead: Double?
    public var output: Double?
    /// When the input (including cache reads and writes) exceeds this many tokens, every token of the
    /// request is billed at the long-context rate.
    public var longContextThreshold: Int?
    public var longContextMultiplierInput: Double?
    public var longContextMultiplierOutput: Double?
    /// "built-in" or "config".
    public var source: String

    public init(
        model: String, input: Double? = nil, cachedInput: Double? = nil, cacheWrite5m: Double? = nil,
        cacheWrite1h: Double? = nil, cacheRead: Double? = nil, output: Double? = nil,
        longContextThreshold: Int? = nil, longContextMultiplierInput: Double? = nil,
        longContextMultiplierOutput: Double? = nil, source: String = "built-in"
    ) {
        self.model = model
        self.input = input
        self.cachedInput = cachedInput
        self.cacheWrite5m = cacheWrite5m
        self.cacheWrite1h = cacheWrite1h
        self.cacheRead = cacheRead
        self.output = output
        self.longContextThreshold = longContextThreshold
        self.longContextMultiplierInput = longContextMultiplierInput
        self.longContextMultiplierOutput = longContextMultiplierOutput
        self.source = source
    }

    enum CodingKeys: String, CodingKey {
        case model, input, output, source
        case cachedInput = "cached_input"
        case cacheWrite5m = "cache_write_5m"
        case cacheWrite1h = "cache_write_1h"
        case cacheRead = "cache_read"
        case longContextThreshold = "long_context_threshold"
        case longContextMultiplierInput = "long_context_multiplier_input"
        case longContextMultiplierOutput = "long_context_multiplier_output"
    }
}
