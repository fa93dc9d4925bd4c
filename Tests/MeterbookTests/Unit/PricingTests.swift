import Foundation
import Testing
@testable import Meterbook

@Suite struct PricingTests {
    let table = PriceTable.builtin

    @Test func openAICachedInputIsASubsetOfInput() throws {
        let usage = TokenUsage(inputTokens: 2006, outputTokens: 300, cachedInputTokens: 1920)
        let cost = try #require(table.cost(of: usage, model: "gpt-4o-2024-11-20"))
        // (2006 − 1920)·2.50 + 1920·1.25 + 300·10 per million.
        #expect(abs(cost - (86 * 2.50 + 1920 * 1.25 + 300 * 10.0) / 1_000_000) < 1e-12)
    }

    @Test func anthropicCacheReadsAndWritesByTTL() throws {
        let usage = TokenUsage(inputTokens: 50 + 2048 + 1000 + 18000, outputTokens: 420, cachedInputTokens: 18000,
                               cacheWriteTokens: 3048, cacheWrite5mTokens: 2048, cacheWrite1hTokens: 1000)
        let cost = try #require(table.cost(of: usage, model: "claude-sonnet-4-5-20250929"))
        #expect(abs(cost - (50 * 3.0 + 2048 * 3.75 + 1000 * 6.0 + 18000 * 0.30 + 420 * 15.0) / 1_000_000) < 1e-12)
    }

    @Test func anthropicCacheWritesWithoutTTLSplitUseTheFiveMinuteRate() throws {
        let usage = TokenUsage(inputTokens: 100 + 1000, outputTokens: 10, cachedInputTokens: 0, cacheWriteTokens: 1000)
        let cost = try #require(table.cost(of: usage, model: "claude-haiku-4-5"))
        #expect(abs(cost - (100 * 1.0 + 1000 * 1.25 + 10 * 5.0) / 1_000_000) < 1e-12)
    }

    @Test func longContextBillsEveryTokenAtTheHigherRate() throws {
        let below = try #require(table.cost(of: TokenUsage(inputTokens: 200_000, outputTokens: 1000, cachedInputTokens: 0), model: "claude-sonnet-4-5"))
        #expect(abs(below - (200_000 * 3.0 + 1000 * 15.0) / 1_000_000) < 1e-12)
        let above = try #require(table.cost(of: TokenUsage(inputTokens: 200_001, outputTokens: 1000, cachedInputTokens: 0), model: "claude-sonnet-4-5"))
        #expect(abs(above - (200_001 * 6.0 + 1000 * 22.5) / 1_000_000) < 1e-12)
    }

    @Test func dataZoneUpliftAndBatch() throws {
        let policy = CostPolicy(deploymentModels: ["prod-chat": "gpt-5"], dataZoneDeployments: ["prod-chat"])
        let cost = try #require(policy.cost(usage: TokenUsage(inputTokens: 1_000_000, outputTokens: 0), reportedModel: nil, deployment: "prod-chat"))
        #expect(abs(cost - 1.375) < 1e-12)
        let batch = try #require(table.cost(of: TokenUsage(inputTokens: 1_000_000, outputTokens: 0, serviceTier: "batch"), model: "claude-haiku-4-5"))
        #expect(abs(batch - 0.5) < 1e-12)
    }

    @Test func unknownModelCostsNothingKnown() {
        #expect(table.cost(of: TokenUsage(inputTokens: 10, outputTokens: 10), model: "my-finetune") == nil)
        #expect(CostPolicy.builtin.cost(usage: TokenUsage(inputTokens: 10, outputTokens: 10), reportedModel: nil, deployment: "prod-custom") == nil)
        // Known model, no usage (a 429): nothing was billed.
        #expect(CostPolicy.builtin.cost(usage: nil, reportedModel: nil, deployment: "gpt-4o") == 0)
    }

    @Test(arguments: [
        ("gpt-4o-2024-11-20", "gpt-4o"), ("gpt-4o-mini-2024-07-18", "gpt-4o-mini"), ("GPT-4.1", "gpt-4.1"),
        ("azure/gpt-5-mini", "gpt-5-mini"), ("claude-sonnet-4-5-20250929", "claude-sonnet-4-5"),
        ("claude-opus-4.6", "claude-opus-4-6"), ("o4-mini-2025-04-16", "o4-mini"),
    ])
    func snapshotNamesFindTheirPrice(name: String, expected: String) {
        #expect(table.price(for: name)?.model == expected)
    }

    @Test func configPricesOverrideBuiltins() throws {
        let config = try MeterbookConfig.parse("""
            [deployments.prod-chat]
            model = "gpt-4o"
            data_zone = true

            [prices."gpt-4o"]
            input = 2
            cached_input = 1.0
            output = 8

            [prices."my-finetune"]
            input = 1.5
            output = 3
            """)
        #expect(config.deployments["prod-chat"] == MeterbookConfig.Deployment(model: "gpt-4o", dataZone: true))
        let policy = config.costPolicy
        #expect(policy.prices.price(for: "gpt-4o")?.source == "config")
        #expect(policy.prices.price(for: "gpt-4o")?.input == 2)
        let cost = try #require(policy.cost(usage: TokenUsage(inputTokens: 1_000_000, outputTokens: 0, cachedInputTokens: 0), reportedModel: nil, deployment: "prod-chat"))
        #expect(abs(cost - 2.2) < 1e-12)
        #expect(policy.cost(usage: TokenUsage(inputTokens: 1_000_000, outputTokens: 1_000_000), reportedModel: "my-finetune", deployment: "x") == 4.5)
    }

    @Test func badConfigSaysWhereAndWhat() {
        #expect(throws: ConfigError.self) { try MeterbookConfig.parse("[prices.\"x\"]\ninput = \"cheap\"\n") }
        do {
            _ = try MeterbookConfig.parse("[deployments\nmodel=1", source: "meterbook.toml")
            Issue.record("bad TOML accepted")
        } catch let error as ConfigError {
            #expect(error.message.hasPrefix("meterbook.toml:1"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}
