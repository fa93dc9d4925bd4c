/// Token counts for one attempt, and the usage objects each API reports them in (WIRE.md A).
struct TokenUsage: Sendable, Equatable {
    /// Every input token, cached or not (OpenAI's meaning of `input_tokens`).
    var input: Int
    /// Input tokens read from the prompt cache.
    var cacheRead = 0
    /// Anthropic input tokens written to the cache, by TTL.
    var cacheWrite5m = 0
    var cacheWrite1h = 0
    /// Output tokens, reasoning included.
    var output = 0
    var reasoning = 0
    /// True when the output was cut at the request's max-tokens limit.
    var hitMaxTokens = false

    var cacheWrite: Int { cacheWrite5m + cacheWrite1h }
    /// Anthropic `input_tokens`, which excludes cache reads and writes.
    var anthropicInput: Int { input - cacheRead - cacheWrite }
    /// Output tokens the caller sees as text.
    var visibleOutput: Int { output - reasoning }

    /// Seeded counts for a request: input from the body size, output from a range bounded by max tokens.
    static func generate(for request: ParsedRequest, api: APIRoute.API, reasoningModel: Bool, using rng: inout SeededGenerator) -> TokenUsage {
        if api == .embeddings {
            return TokenUsage(input: request.embeddingInputs.reduce(0) { $0 + $1.tokens })
        }
        var usage = TokenUsage(input: max(8, request.bodyBytes / 4) + rng.int(in: 0...6))
        // Long prompts usually hit the cache; some short ones model a cached system prompt or tool
        // block (1024+ tokens), so the demo shows cached tokens without huge request bodies.
        let cacheRoll = rng.unit()
        if usage.input >= 1024 ? cacheRoll < 0.7 : cacheRoll < 0.3 {
            if usage.input < 1024 { usage.input += 1024 + 128 * rng.int(in: 0...16) }
            let prefix = usage.input * rng.int(in: 55...95) / 100
            if api == .messages {
                let writeRoll = rng.unit()
                if writeRoll < 0.25 {
                    // First call with this prefix: it is written, mostly with the default 5-minute TTL.
                    if rng.chance(0.2) { usage.cacheWrite1h = prefix } else { usage.cacheWrite5m = prefix }
                } else if writeRoll < 0.4 {
                    usage.cacheRead = prefix * 7 / 10
                    usage.cacheWrite5m = prefix - usage.cacheRead
                } else {
                    usage.cacheRead = prefix
                }
            } else {
                // OpenAI caches in 128-token increments from 1024 on.
                usage.cacheRead = max(1024, min(prefix / 128 * 128, usage.input / 128 * 128))
            }
        }
        var output = reasoningModel ? rng.int(in: 64...1200) : rng.int(in: 20...400)
        if let limit = request.maxOutputTokens, output > max(1, limit) {
            output = max(1, limit)
            usage.hitMaxTokens = true
        }
        usage.output = output
        if reasoningModel && api != .messages && output > 1 {
            usage.reasoning = min(output - 1, output * rng.int(in: 30...75) / 100)
        }
        return usage
    }

    /// Responses API `usage`.
    var responsesJSON: JSON {
        [
            "input_tokens": .int(input),
            "input_tokens_details": ["cached_tokens": .int(cacheRead)],
            "output_tokens": .int(output),
            "output_tokens_details": ["reasoning_tokens": .int(reasoning)],
            "total_tokens": .int(input + output),
        ]
    }

    /// Chat Completions `usage`.
    var chatJSON: JSON {
        [
            "prompt_tokens": .int(input),
            "completion_tokens": .int(output),
            "total_tokens": .int(input + output),
            "prompt_tokens_details": ["cached_tokens": .int(cacheRead), "audio_tokens": 0],
            "completion_tokens_details": [
                "reasoning_tokens": .int(reasoning), "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0, "audio_tokens": 0,
            ],
        ]
    }

    /// Embeddings `usage`.
    var embeddingsJSON: JSON {
        ["prompt_tokens": .int(input), "total_tokens": .int(input)]
    }

    /// Anthropic `usage` with `outputTokens` as the output count (1 in `message_start`).
    func anthropicJSON(outputTokens: Int) -> JSON {
        [
            "input_tokens": .int(anthropicInput),
            "cache_creation_input_tokens": .int(cacheWrite),
            "cache_read_input_tokens": .int(cacheRead),
            "cache_creation": [
                "ephemeral_5m_input_tokens": .int(cacheWrite5m),
                "ephemeral_1h_input_tokens": .int(cacheWrite1h),
            ],
            "output_tokens": .int(outputTokens),
            "service_tier": "standard",
        ]
    }
}
