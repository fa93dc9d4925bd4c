import Foundation
import Testing
@testable import Meterbook

@Suite struct TokenUsageTests {
    @Test func responsesUsage() throws {
        let raw = #"{"input_tokens":1200,"input_tokens_details":{"cached_tokens":1024},"output_tokens":300,"output_tokens_details":{"reasoning_tokens":192},"total_tokens":1500}"#
        let usage = TokenUsage.openAI(try #require(JSONValue.object(raw)), raw: raw)
        #expect(usage.inputTokens == 1200)
        #expect(usage.cachedInputTokens == 1024)
        #expect(usage.outputTokens == 300)
        #expect(usage.reasoningTokens == 192)
        #expect(usage.totalTokens == 1500)
        #expect(usage.rawJSON == raw)
    }

    @Test func chatUsage() throws {
        let raw = #"{"prompt_tokens":2006,"completion_tokens":300,"total_tokens":2306,"prompt_tokens_details":{"cached_tokens":1920,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":192,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0,"audio_tokens":0}}"#
        let usage = TokenUsage.openAI(try #require(JSONValue.object(raw)), raw: raw)
        #expect(usage.inputTokens == 2006)
        #expect(usage.outputTokens == 300)
        #expect(usage.cachedInputTokens == 1920)
        #expect(usage.reasoningTokens == 192)
        #expect(usage.totalTokens == 2306)
    }

    @Test func embeddingsUsageHasZeroOutput() throws {
        let usage = TokenUsage.openAI(try #require(JSONValue.object(#"{"prompt_tokens":8,"total_tokens":8}"#)), raw: nil)
        #expect(usage.inputTokens == 8)
        #expect(usage.outputTokens == 0)
        #expect(usage.totalTokens == 8)
    }

    @Test func anthropicInputCountsCacheReadsAndWrites() throws {
        let raw = #"{"input_tokens":50,"output_tokens":420,"cache_creation_input_tokens":2048,"cache_read_input_tokens":18000,"cache_creation":{"ephemeral_5m_input_tokens":2048,"ephemeral_1h_input_tokens":0},"server_tool_use":{"web_search_requests":1,"web_fetch_requests":0},"service_tier":"standard"}"#
        let usage = TokenUsage.anthropic(try #require(JSONValue.object(raw)), raw: raw)
        #expect(usage.inputTokens == 50 + 2048 + 18000)
        #expect(usage.outputTokens == 420)
        #expect(usage.cachedInputTokens == 18000)
        #expect(usage.cacheWriteTokens == 2048)
        #expect(usage.cacheWrite5mTokens == 2048)
        #expect(usage.cacheWrite1hTokens == 0)
        #expect(usage.totalTokens == 50 + 2048 + 18000 + 420)
        #expect(usage.serviceTier == "standard")
    }
}
