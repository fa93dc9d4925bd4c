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

    @Test func readsEntraIDPerUpstream() throws {
        let config = try MeterbookConfig.parse("""
            [upstreams]
            default = { url = "https://res.openai.azure.com", auth = "entra" }
            project = { url = "https://res.services.ai.azure.com/api/projects/p", auth = "entra", scope = "https://example.test/.default" }
            forwarded = { url = "https://res3.openai.azure.com", auth = "key" }
            keyed = { url = "https://res4.openai.azure.com", auth = "key", api_key_env = "K" }
            """)
        #expect(config.proxy.upstreams == [
            .init(name: nil, url: "https://res.openai.azure.com", auth: .entra(scope: nil)),
            .init(name: "forwarded", url: "https://res3.openai.azure.com", auth: .forward),
            .init(name: "keyed", url: "https://res4.openai.azure.com", auth: .apiKeyEnvironment("K")),
            .init(name: "project", url: "https://res.services.ai.azure.com/api/projects/p", auth: .entra(scope: "https://example.test/.default")),
        ])
    }

    @Test func entraMistakesNameTheUpstream() throws {
        func message(_ toml: String) -> String {
            do {
                _ = try MeterbookConfig.parse("[upstreams]\n" + toml + "\n")
                return "parsed"
            } catch let error as ConfigError {
                return error.message
            } catch {
                return "\(error)"
            }
        }
        #expect(message(#"a = { url = "https://x", auth = "oauth" }"#).contains(#"upstreams.a.auth must be "key" or "entra" (got "oauth")"#))
        #expect(message(#"a = { url = "https://x", auth = 1 }"#).contains("upstreams.a.auth must be a non-empty string"))
        #expect(message(#"a = { url = "https://x", auth = "entra", api_key_env = "K" }"#).contains(#"sets auth = "entra" and an API key"#))
        #expect(message(#"a = { url = "https://x", auth = "entra", api_key = "k" }"#).contains(#"sets auth = "entra" and an API key"#))
        #expect(message(#"a = { url = "https://x", scope = "https://ai.azure.com/.default" }"#).contains("upstreams.a.scope is for Entra ID"))
        #expect(message(#"a = { url = "https://x", auth = "key", scope = "https://ai.azure.com/.default" }"#).contains("upstreams.a.scope is for Entra ID"))
        #expect(message(#"a = { url = "https://x", auth = "entra", scope = "two scopes" }"#).contains("upstreams.a.scope must be one scope URL"))
        #expect(message(#"a = { url = "https://x", auth = "entra", scope = "" }"#).contains("upstreams.a.scope must be a non-empty string"))
    }

    @Test func resolvedAuthFlagOverUpstreamOverAuthSection() {
        let openAI = "https://res.openai.azure.com"
        let project = "https://res.services.ai.azure.com/api/projects/p"
        let plain = ProxyConfig.Upstream(name: nil, url: openAI)
        let keyed = ProxyConfig.Upstream(name: "k", url: openAI, auth: .apiKeyEnvironment("K"))
        let forwarded = ProxyConfig.Upstream(name: "f", url: openAI, auth: .forward)
        let entra = ProxyConfig.Upstream(name: "e", url: project, auth: .entra(scope: nil))
        let scoped = ProxyConfig.Upstream(name: "s", url: openAI, auth: .entra(scope: "https://own.test/.default"))
        let none = MeterbookConfig.Auth()
        let entraSection = MeterbookConfig.Auth(mode: .entra)
        let entraScoped = MeterbookConfig.Auth(mode: .entra, scope: "https://section.test/.default")

        // No flag, no [auth]: as configured; Entra ID's scope follows the URL.
        #expect(plain.resolvedAuth(flag: nil, flagScope: nil, defaults: none) == .forward)
        #expect(keyed.resolvedAuth(flag: nil, flagScope: nil, defaults: none) == .apiKeyEnvironment("K"))
        #expect(entra.resolvedAuth(flag: nil, flagScope: nil, defaults: none) == .entra(scope: EntraScope.aiFoundry))
        #expect(scoped.resolvedAuth(flag: nil, flagScope: nil, defaults: none) == .entra(scope: "https://own.test/.default"))
        // [auth] mode = "entra": upstreams without their own setting; [auth] scope below an upstream's own.
        #expect(plain.resolvedAuth(flag: nil, flagScope: nil, defaults: entraSection) == .entra(scope: EntraScope.cognitiveServices))
        #expect(plain.resolvedAuth(flag: nil, flagScope: nil, defaults: entraScoped) == .entra(scope: "https://section.test/.default"))
        #expect(scoped.resolvedAuth(flag: nil, flagScope: nil, defaults: entraScoped) == .entra(scope: "https://own.test/.default"))
        #expect(keyed.resolvedAuth(flag: nil, flagScope: nil, defaults: entraSection) == .apiKeyEnvironment("K"))
        #expect(forwarded.resolvedAuth(flag: nil, flagScope: nil, defaults: entraSection) == .forward)
        // --auth entra: every upstream; --scope over everything.
        #expect(keyed.resolvedAuth(flag: .entra, flagScope: nil, defaults: none) == .entra(scope: EntraScope.cognitiveServices))
        #expect(scoped.resolvedAuth(flag: .entra, flagScope: "https://flag.test/.default", defaults: entraScoped) == .entra(scope: "https://flag.test/.default"))
        // --auth key: no Entra ID; configured keys stay.
        #expect(plain.resolvedAuth(flag: .key, flagScope: nil, defaults: entraSection) == .forward)
        #expect(entra.resolvedAuth(flag: .key, flagScope: nil, defaults: none) == .forward)
        #expect(keyed.resolvedAuth(flag: .key, flagScope: nil, defaults: entraSection) == .apiKeyEnvironment("K"))
    }
}
