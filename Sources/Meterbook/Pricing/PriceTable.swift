import Foundation

/// The prices in force: the built-in table with config overrides on top, and the cost of a usage object.
public struct PriceTable: Sendable {
    private var byModel: [String: ModelPrice]

    /// The built-in prices with `overrides` replacing or adding models (their `source` is kept as given).
    public init(overrides: [ModelPrice] = []) {
        var table: [String: ModelPrice] = [:]
        for price in Self.builtinPrices { table[Self.normalize(price.model)] = price }
        for price in overrides { table[Self.normalize(price.model)] = price }
        byModel = table
    }

    public static let builtin = PriceTable()

    /// Every price in force, sorted by model name.
    public var prices: [ModelPrice] { byModel.values.sorted { $0.model < $1.model } }

    /// The price of `model`, matching dated snapshots (`gpt-4o-2024-11-20`, `claude-sonnet-4-5-20250929`)
    /// and common spellings (`azure/gpt-4o`, `claude-sonnet-4.5`).
    public func price(for model: String) -> ModelPrice? {
        byModel[Self.normalize(model)]
    }

    /// Lower-cased, provider prefix and snapshot date removed, dots in Claude versions turned to dashes.
    static func normalize(_ model: String) -> String {
        var name = model.lowercased().trimmingWhitespace()
        if let slash = name.lastIndex(of: "/") { name = String(name[name.index(after: slash)...]) }
        // Snapshot suffixes `-2024-11-20`, `-20250929` and `@20250929`, matched by hand: a regular expression is
        // compiled on every call, and reprice prices millions of stored attempts.
        let characters = Array(name.utf8)
        func digits(_ range: Range<Int>) -> Bool { range.allSatisfy { characters[$0] >= 0x30 && characters[$0] <= 0x39 } }
        let count = characters.count
        if count > 11, characters[count - 11] == 0x2D, characters[count - 6] == 0x2D, characters[count - 3] == 0x2D,
           digits(count - 10..<count - 6), digits(count - 5..<count - 3), digits(count - 2..<count) {
            name = String(decoding: characters[..<(count - 11)], as: UTF8.self)
        } else if count > 9, characters[count - 9] == 0x2D || characters[count - 9] == 0x40, digits(count - 8..<count) {
            name = String(decoding: characters[..<(count - 9)], as: UTF8.self)
        }
        if name.hasPrefix("claude") { name = name.replacingOccurrences(of: ".", with: "-") }
        return name
    }

    /// Cost in USD of one attempt's usage, or nil when the model has no price.
    ///
    /// OpenAI: `(in − cached)·P_in + cached·P_cached + out·P_out` (reasoning is inside out).
    /// Anthropic: `uncached·P_in + write5m·P_5m + write1h·P_1h + read·P_read + out·P_out`, cache writes without a
    /// TTL split priced at the 5-minute rate. Long-context, Data Zone (`uplift`) and batch multipliers applied on top.
    public func cost(of usage: TokenUsage?, model: String?, uplift: Double = 1.0) -> Double? {
        guard let model, let price = price(for: model) else { return nil }
        return cost(of: usage, price: price, uplift: uplift)
    }

    /// ``cost(of:model:uplift:)`` for a price already looked up.
    func cost(of usage: TokenUsage?, price: ModelPrice, uplift: Double) -> Double {
        guard let usage else { return 0 }
        let input = Double(usage.inputTokens ?? 0)
        let output = Double(usage.outputTokens ?? 0)
        let cached = Double(usage.cachedInputTokens ?? 0)
        let written = Double(usage.cacheWriteTokens ?? 0)
        var inputSide = 0.0
        let isAnthropicStyle = price.cacheRead != nil || usage.cacheWrite5mTokens != nil
        if isAnthropicStyle {
            let write1h = Double(usage.cacheWrite1hTokens ?? 0)
            let write5m = usage.cacheWrite5mTokens.map(Double.init) ?? max(0, written - write1h)
            let uncached = max(0, input - cached - written)
            inputSide = uncached * (price.input ?? 0)
                + write5m * (price.cacheWrite5m ?? price.input ?? 0)
                + write1h * (price.cacheWrite1h ?? price.input ?? 0)
                + cached * (price.cacheRead ?? price.cachedInput ?? price.input ?? 0)
        } else {
            inputSide = max(0, input - cached) * (price.input ?? 0) + cached * (price.cachedInput ?? price.input ?? 0)
        }
        var outputSide = output * (price.output ?? 0)
        if let threshold = price.longContextThreshold, Int(input) > threshold {
            inputSide *= price.longContextMultiplierInput ?? 1
            outputSide *= price.longContextMultiplierOutput ?? 1
        }
        var total = (inputSide + outputSide) / 1_000_000 * uplift
        if usage.serviceTier == "batch" { total *= 0.5 }
        return total
    }
}
