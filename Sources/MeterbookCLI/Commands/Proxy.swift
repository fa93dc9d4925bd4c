import ArgumentParser
import Foundation
import Logging
import Meterbook
import MeterbookPostgres
import MeterbookProxy

extension MeterbookCommand {
    /// `meterbook proxy`: the recording reverse proxy, thin over `RecordingProxy`.
    struct Proxy: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a recording proxy: point any OpenAI, Azure OpenAI or Anthropic SDK's base URL at it.",
            discussion: """
                Every request is forwarded to the upstream (streams relayed as they arrive) and every attempt is \
                recorded. With several upstreams, the first path segment picks one by name: \
                --upstream claude=https://RES2.services.ai.azure.com serves /claude/anthropic/v1/messages; paths \
                naming no upstream go to the unnamed one. Upstreams can also come from [upstreams] in the config file.

                Clients' own api-key / x-api-key / Authorization headers are forwarded (never recorded), unless an \
                upstream has api_key_env in the config file, which the proxy then injects. With --auth entra (or \
                [auth] mode = "entra", or auth = "entra" on an upstream), the proxy injects Entra ID tokens from the \
                environment, workload identity, managed identity or the Azure CLI instead, so clients hold no secret. \
                Off loopback, clients must send the proxy access key ($METERBOOK_PROXY_KEY) in x-meterbook-key, \
                unless --insecure.

                Examples:
                  meterbook proxy --upstream https://RES.openai.azure.com
                  meterbook proxy --upstream https://RES.openai.azure.com \\
                      --upstream claude=https://RES2.services.ai.azure.com \\
                      --metrics-listen 127.0.0.1:9464
                  meterbook proxy --auth entra --upstream https://RES.openai.azure.com
                """
        )

        @OptionGroup var store: StoreOptions

        @Option(help: ArgumentHelp("Address to listen on. Default: [proxy] listen, else 127.0.0.1:8787.", valueName: "host:port"))
        var listen: ListenAddress?

        @Option(name: .customLong("upstream"), help: ArgumentHelp("An upstream URL, or NAME=URL (repeatable).", valueName: "[name=]url"))
        var upstreams: [String] = []

        @Option(name: .customLong("metrics-listen"), help: ArgumentHelp("Serve Prometheus /metrics on this address. Default: [proxy] metrics_listen, else none.", valueName: "host:port"))
        var metricsListen: ListenAddress?

        @Option(help: "How the proxy authenticates upstream: key (forward the client's key, or inject an upstream's api_key_env) or entra (inject Entra ID tokens into every request). Default: [auth] mode and each upstream's auth in the config, else key.")
        var auth: AuthOption?

        @Option(help: ArgumentHelp("The Entra ID scope for every upstream. Default: the upstream's scope, else [auth] scope, else https://ai.azure.com/.default for Foundry project URLs and https://cognitiveservices.azure.com/.default otherwise.", valueName: "scope"))
        var scope: String?

        @Flag(help: "Listen off loopback without a proxy access key.")
        var insecure = false

        @Option(help: ArgumentHelp("Rotate once a day, keeping this many whole days before today. Default: [retention] days, else 30.", valueName: "days"))
        var retentionDays: Int?

        @Flag(name: .customLong("no-auto-rotate"), help: "Never rotate on its own (default: [retention] auto_rotate, else rotate daily).")
        var noAutoRotate = false

        @Flag(name: .customLong("no-include-usage"), help: "Forward streamed chat bodies untouched (they then record no usage).")
        var noIncludeUsage = false

        func validate() throws {
            if let retentionDays, !(0...36_500).contains(retentionDays) {
                throw ValidationError("--retention-days must be between 0 and 36500 (got \(retentionDays)).")
            }
            for upstream in upstreams { _ = try Self.parseUpstream(upstream) }
            if scope != nil, auth == .key { throw ValidationError("--scope is for Entra ID: use it with --auth entra.") }
            if let scope, scope.isEmpty || scope.contains(where: \.isWhitespace) {
                throw ValidationError("--scope takes one scope URL, e.g. https://cognitiveservices.azure.com/.default.")
            }
        }

        func run() async throws {
            let config: MeterbookConfig
            do {
                config = try store.loadConfig()
            } catch let error as ConfigError {
                throw CommandFailure(message: error.message, exitCode: 2)
            }
            let configuration: ProxyConfiguration
            do {
                configuration = try makeConfiguration(config)
            } catch let error as ProxyConfigurationError {
                throw CommandFailure(message: error.message, exitCode: 2)
            }
            let entraSources = try await Self.checkEntraTokens(configuration)
            let database = try store.openForWriting()
            let recorder = Recorder(store: database, logger: .cli("meterbook.recorder"))
            defer { recorder.close() }
            let proxy: RecordingProxy
            do {
                proxy = try RecordingProxy(configuration: configuration, recorder: recorder, logger: .cli("meterbook.proxy"))
            } catch {
                throw CommandFailure(message: error.message, exitCode: 2)
            }
            do {
                try await proxy.start(stopOnSignals: true)
            } catch {
                throw CommandFailure(message: "\(error)")
            }
            Console.out("Recording proxy listening at \(proxy.baseURL), recording into \(database.path) (Ctrl-C to stop)")
            var rotation: AutoRotation?
            if !noAutoRotate, config.retention.autoRotate ?? true {
                let days = retentionDays ?? config.retention.days ?? 30
                let auto = AutoRotation(store: database, archiveDirectory: store.archiveDirectory, retentionDays: days,
                                        logger: .cli("meterbook.rotation"))
                auto.start()
                rotation = auto
                Console.out("  rotating daily: attempts older than \(days) days move to \(store.archiveDirectory)")
            }
            defer { rotation?.stop() }
            // [ship]: a background shipper to the central store; its failures are logged and counted, never reach recording.
            var shipping: ContinuousShipper?
            if config.ship.isConfigured {
                do {
                    let environment = ProcessInfo.processInfo.environment
                    let settings = try PostgresSettings(url: config.ship.to ?? "postgres://", environment: environment)
                    let shipper = try Shipper(store: database, archiveDirectory: store.archiveDirectory,
                                              batchSize: config.ship.batch ?? Shipper.defaultBatchSize, logger: .cli("meterbook.ship"))
                    let loop = ContinuousShipper(shipper: shipper, settings: settings, interval: config.ship.every ?? 10,
                                                 retentionDays: config.ship.retentionDays, logger: .cli("meterbook.ship"))
                    loop.start()
                    shipping = loop
                    Console.out("  shipping every \(String(format: "%g", config.ship.every ?? 10)) s to \(settings)")
                } catch {
                    Console.error("Not shipping: \(error)")
                }
            }
            for upstream in configuration.upstreams {
                let route = upstream.name.map { "\(proxy.baseURL)/\($0)/..." } ?? "\(proxy.baseURL)/..."
                Console.out("  \(route) -> \(upstream.baseURL)" + Self.authNote(upstream.credential))
            }
            if !entraSources.isEmpty {
                Console.out("  Entra ID tokens from: " + entraSources.joined(separator: ", "))
            }
            if let metricsPort = proxy.metricsPort, let host = configuration.metricsHost {
                Console.out("  metrics at http://\(host.contains(":") ? "[\(host)]" : host):\(metricsPort)/metrics")
            }
            try await proxy.waitUntilStopped()
            recorder.close()
            await shipping?.stop()
            let statistics = recorder.statistics
            Console.note("Stopped; \(statistics.written) attempts recorded" + (statistics.dropped > 0 ? ", \(statistics.dropped) dropped." : "."))
        }

        /// What the banner says about an upstream's credential (never its value).
        static func authNote(_ credential: Credential?) -> String {
            switch credential {
            case nil: return ""
            case .tokenCredential(_, let scope)?: return " (Entra ID token for \(scope) injected)"
            default: return " (credential injected)"
            }
        }

        /// Gets each Entra ID scope's token once before listening, so a proxy that cannot get one says why at
        /// start rather than answering every request 502; the token stays cached for the first requests.
        /// Returns the names of the credentials that gave them ("Azure CLI", ...), for the banner.
        private static func checkEntraTokens(_ configuration: ProxyConfiguration) async throws -> [String] {
            var checked = Set<String>()
            var sources: [String] = []
            for upstream in configuration.upstreams {
                guard case .tokenCredential(let cache, let scope)? = upstream.credential, checked.insert(scope).inserted else { continue }
                do {
                    _ = try await cache.token(for: scope)
                    let source = (cache.credential as? DefaultAzureCredential)?.selectedCredential ?? cache.credential.name
                    if !sources.contains(source) { sources.append(source) }
                } catch let error as CredentialChainError {
                    throw CommandFailure(message: error.description)
                } catch let error as CredentialError {
                    throw CommandFailure(message: "No Entra ID token for \(scope): \(error.description).")
                }
            }
            return sources
        }

        /// Flags over the config file's `[proxy]` and `[upstreams]`; upstreams merge by name, a flag's URL
        /// replacing the file's while the file's auth setting for that name stays.
        private func makeConfiguration(_ config: MeterbookConfig) throws -> ProxyConfiguration {
            let file = config.proxy
            var upstreams: [ProxyConfig.Upstream] = file.upstreams
            for text in self.upstreams {
                let (name, url) = try Self.parseUpstream(text)
                if let index = upstreams.firstIndex(where: { $0.name == name }) {
                    upstreams[index].url = url
                } else {
                    upstreams.append(ProxyConfig.Upstream(name: name, url: url))
                }
            }
            let listen = try self.listen ?? file.listen.map { try Self.address($0, key: "proxy.listen") } ?? ListenAddress(argument: "127.0.0.1:8787")!
            let metrics = try metricsListen ?? file.metricsListen.map { try Self.address($0, key: "proxy.metrics_listen") }
            var accessKey = file.accessKey
            let environment = ProcessInfo.processInfo.environment
            if let variable = file.accessKeyEnvironment {
                guard let value = environment[variable], !value.isEmpty else {
                    throw ProxyConfigurationError("proxy.access_key_env names \(variable), which is not set: export it.")
                }
                accessKey = value
            }
            if let value = environment["METERBOOK_PROXY_KEY"], !value.isEmpty { accessKey = value }
            let auths = upstreams.map { $0.resolvedAuth(flag: auth?.mode, flagScope: scope, defaults: config.auth) }
            let usesEntra = auths.contains { if case .entra = $0 { true } else { false } }
            if scope != nil, !usesEntra {
                throw ProxyConfigurationError("--scope is for Entra ID, which no upstream uses: add --auth entra.")
            }
            // One cache for every upstream, so upstreams sharing a scope share its token.
            let tokens = usesEntra ? TokenCache(credential: DefaultAzureCredential(environment: environment)) : nil

            var configuration = ProxyConfiguration(
                host: listen.host, port: listen.port, metricsHost: metrics?.host, metricsPort: metrics?.port ?? 0,
                upstreams: try zip(upstreams, auths).map { upstream, auth in
                    ProxyUpstream(name: upstream.name, baseURL: upstream.url,
                                  credential: try ProxyUpstream.credential(for: auth, baseURL: upstream.url, tokenCache: tokens, environment: environment))
                },
                accessKey: accessKey, allowInsecure: insecure, includeUsage: !noIncludeUsage && (file.includeUsage ?? true),
                costPolicy: config.costPolicy)
            if let value = file.maxBodyBytes { configuration.maxBodyBytes = value }
            if let value = file.maxHeaderBytes { configuration.maxHeaderBytes = value }
            if let value = file.connectTimeout { configuration.connectTimeout = value }
            if let value = file.timeout { configuration.timeout = value }
            if let value = file.gracePeriod { configuration.gracePeriod = value }
            try configuration.validate()
            return configuration
        }

        private static func address(_ text: String, key: String) throws -> ListenAddress {
            guard let address = ListenAddress(argument: text) else {
                throw ProxyConfigurationError("\(key) must be HOST:PORT, e.g. 127.0.0.1:8787 (got \"\(text)\").")
            }
            return address
        }

        /// `URL` or `NAME=URL`; the name is what comes before the first `=` when it is not part of the URL.
        static func parseUpstream(_ text: String) throws -> (name: String?, url: String) {
            var name: String?
            var url = text
            if let equals = text.firstIndex(of: "="), !text[..<equals].contains(":") {
                name = String(text[..<equals])
                url = String(text[text.index(after: equals)...])
            }
            guard let parsed = URLComponents(string: url), let scheme = parsed.scheme?.lowercased(),
                  scheme == "http" || scheme == "https", parsed.host?.isEmpty == false else {
                throw ValidationError("--upstream takes an http(s) URL or NAME=URL (got \"\(text)\").")
            }
            if let name, name.isEmpty || !name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) {
                throw ValidationError("--upstream NAME=URL: the name \"\(name)\" must be letters, digits, '-', '_' or '.'.")
            }
            return (name, url)
        }
    }
}
