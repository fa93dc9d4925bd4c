extension PriceTable {
    /// Every model priced in WIRE.md section F: Azure OpenAI Global Standard and Claude (Anthropic's list prices,
    /// which Claude on Foundry is assumed to share). Data Zone deployments add 10%, set per deployment in config.
    public static let builtinPrices: [ModelPrice] = [
        openAI("gpt-5", 1.25, 0.125, 10.00),
        openAI("gpt-5-mini", 0.25, 0.025, 2.00),
        openAI("gpt-5-nano", 0.05, 0.005, 0.40),
        openAI("gpt-4.1", 2.00, 0.50, 8.00),
        openAI("gpt-4.1-mini", 0.40, 0.10, 1.60),
        openAI("gpt-4.1-nano", 0.10, 0.025, 0.40),
        openAI("gpt-4o", 2.50, 1.25, 10.00),
        openAI("gpt-4o-mini", 0.15, 0.075, 0.60),
        openAI("o3", 2.00, 0.50, 8.00),
        openAI("o4-mini", 1.10, 0.275, 4.40),
        claude("claude-opus-4-6", 5, 6.25, 10, 0.50, 25),
        claude("claude-opus-4-5", 5, 6.25, 10, 0.50, 25),
        claude("claude-opus-4-1", 15, 18.75, 30, 1.50, 75),
        // Above 200K input tokens every token of the request is billed at $6 in / $22.50 out.
        claude("claude-sonnet-4-5", 3, 3.75, 6, 0.30, 15, longContext: (200_000, 2.0, 1.5)),
        claude("claude-haiku-4-5", 1, 1.25, 2, 0.10, 5),
    ]

    private static func openAI(_ model: String, _ input: Double, _ cached: Double, _ output: Double) -> ModelPrice {
        ModelPrice(model: model, input: input, cachedInput: cached, output: output)
    }

    private static func claude(
        _ model: String, _ input: Double, _ write5m: Double, _ write1h: Double, _ read: Double, _ output: Double,
        longContext: (threshold: Int, input: Double, output: Double)? = nil
    ) -> ModelPrice {
        ModelPrice(
            model: model, input: input, cacheWrite5m: write5m, cacheWrite1h: write1h, cacheRead: read, output: output,
            longContextThreshold: longContext?.threshold, longContextMultiplierInput: longContext?.input,
            longContextMultiplierOutput: longContext?.output
        )
    }
}
