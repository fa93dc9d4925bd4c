import Foundation
import Meterbook
import Testing

/// `[proxy]` and `[upstreams]` in meterbook.toml.
@Suite struct ProxyConfigTests {
    @Test func readsBothSectionsNextToTheOthers() throws {
        let config = try MeterbookConfig.parse("""
            [deployments.prod-chat]
            model = "gpt-4o"

            [proxy]
            listen = "127.0.0.1:9000"
            metrics_listen = "127.0.0.1:9464"
            access_key_env = "PROXY_KEY"
            include_usage = false
            max_body_bytes = 1048576
            timeout = 30
            grace_period = 2.5

            [upstreams]
            default = "https://res.openai.azure.com"
            claude = { url = "https://res2.services.ai.azure.com", api_key_env = "CLAUDE_KEY" }
            inline = { url = "https://res3.openai.azure.com", api_key = "literal-key" }
            """)
        #expect(config.deployments["prod-chat"]?.model == "gpt-4o")
        let proxy = config.proxy
        #expect(proxy.listen == "127.0.0.1:9000" && proxy.metricsListen == "127.0.0.1:9464")
        #expect(proxy.accessKeyEnvironment == "PROXY_KEY" && proxy.accessKey == nil)
        #expect(proxy.includeUsage == false && proxy.maxBodyBytes == 1_048_576 && proxy.timeout == 30 && proxy.gracePeriod == 2.5)
        #expect(proxy.upstreams == [
            .init(name: "claude", url: "https://res2.services.ai.azure.com", auth: .apiKeyEnvironment("CLAUDE_KEY")),
            .init(name: nil, url: "https://res.openai.azure.com"),
            .init(name: "inline", url: "https://res3.openai.azure.com", auth: .apiKey("literal-key")),
        ])
        #expect(!"\(ProxyConfig.UpstreamAuth.apiKey("literal-key"))".contains("literal-key"))
    }

    @Test func mistakesNameTheKey() throws {
        #expect(throws: ConfigError.self) { try MeterbookConfig.parse("[proxy]\ninclude_usage = \"yes\"\n") }
        #expect(throws: ConfigError.self) { try MeterbookConfig.parse("[upstreams]\nclaude = 3\n") }
        #expect(throws: ConfigError.self) { try MeterbookConfig.parse("[upstreams]\nx = { url = \"https://a\", api_key = \"k\", api_key_env = \"K\" }\n") }
        #expect(throws: ConfigError.self) { try MeterbookConfig.parse("[proxy]\ntimeout = -1\n") }
        // A config without the sections is unchanged.
        #expect(try MeterbookConfig.parse("").proxy == ProxyConfig())
    }
}
