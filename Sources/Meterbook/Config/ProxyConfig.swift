import TOMLKit

/// The `[proxy]` and `[upstreams]` sections of `meterbook.toml`, read by `meterbook proxy`. Every key is
/// optional; command-line flags win over them.
///
/// ```toml
/// [proxy]
/// listen = "127.0.0.1:8787"
/// metrics_listen = "127.0.0.1:9464"     # Prometheus /metrics on its own address
/// access_key_env = "METERBOOK_PROXY_KEY" # clients must send this key (required off loopback)
/// include_usage = true                   # streamed chat: ask upstream for usage, hide the extra chunk
/// max_body_bytes = 33554432
/// max_header_bytes = 65536
/// connect_timeout = 10                   # seconds
/// timeout = 600                          # seconds for one whole upstream transfer; 0 = no limit
/// grace_period = 10                      # seconds in-flight calls get at shutdown
///
/// [upstreams]
/// default = "https://RES.openai.azure.com"   # "default": paths whose first segment names no other upstream
/// claude = { url = "https://RES2.services.ai.azure.com", api_key_env = "CLAUDE_KEY" }
/// project = { url = "https://RES3.services.ai.azure.com/api/projects/P", auth = "entra" }  # scope = "..." optional
/// ```
///
/// An upstream without `api_key`, `api_key_env` or `auth` follows `[auth] mode` (and `--auth`): `entra` injects
/// Entra ID tokens, `key` (the default) forwards the client's key. `auth = "key"` forwards the client's key whatever
/// `[auth] mode` says.
public struct ProxyConfig: Sendable, Equatable {
    /// How the proxy authenticates to one upstream.
    public enum UpstreamAuth: Sendable, Equatable, CustomStringConvertible {
        /// Forward the client's own `api-key` / `x-api-key` / `Authorization` header (the default).
        case forward
        /// Inject this API key; clients then hold no upstream secret.
        case apiKey(String)
        /// Inject the API key held in this environment variable, read when the proxy starts.
        case apiKeyEnvironment(String)
        /// Inject Entra ID bearer tokens (DefaultAzureCredential's chain) for `scope`; nil picks the scope from
        /// `[auth] scope`, else the upstream's URL (`EntraScope.default(forURL:)`).
        case entra(scope: String?)

        public var description: String {
            switch self {
            case .forward: "forward"
            case .apiKey: "apiKey(redacted)"
            case .apiKeyEnvironment(let name): "apiKeyEnvironment(\(name))"
            case .entra(let scope): "entra(\(scope ?? "default scope"))"
            }
        }
    }

    /// One upstream; `name` nil is the default upstream.
    public struct Upstream: Sendable, Equatable {
        public var name: String?
        public var url: String
        /// nil: the table sets no auth, so `[auth] mode` (or `--auth`) decides (see `resolvedAuth`).
        public var auth: UpstreamAuth?

        public init(name: String?, url: String, auth: UpstreamAuth? = nil) {
            self.name = name
            self.url = url
            self.auth = auth
        }

        /// How the proxy authenticates here. `flag` (`--auth`) wins over this table's setting, which wins over
        /// `defaults.mode` (`[auth] mode`); `--auth key` keeps this table's API key, if any. An Entra ID scope
        /// comes from `flagScope` (`--scope`), else this table, else `defaults.scope`, else the URL.
        public func resolvedAuth(flag: AuthMode?, flagScope: String?, defaults: MeterbookConfig.Auth) -> UpstreamAuth {
            var ownScope: String?
            var keyAuth: UpstreamAuth?
            var entra: Bool
            switch auth {
            case .entra(let scope)?:
                ownScope = scope
                entra = true
            case let other?:
                keyAuth = other
                entra = false
            case nil:
                entra = defaults.mode == .entra
            }
            if let flag { entra = flag == .entra }
            guard entra else { return keyAuth ?? .forward }
            return .entra(scope: flagScope ?? ownScope ?? defaults.scope ?? EntraScope.default(forURL: url))
        }
    }

    public var listen: String?
    public var metricsListen: String?
    /// The proxy access key itself (prefer `accessKeyEnvironment`: a config file is easy to leak).
    public var accessKey: String?
    public var accessKeyEnvironment: String?
    public var includeUsage: Bool?
    public var maxBodyBytes: Int?
    public var maxHeaderBytes: Int?
    public var connectTimeout: Double?
    public var timeout: Double?
    public var gracePeriod: Double?
    public var upstreams: [Upstream] = []

    public init() {}

    /// Reads both sections from a parsed config; `source` names the file in error messages.
    static func parse(_ table: TOMLTable, source: String) throws -> ProxyConfig {
        var config = ProxyConfig()
        if let value = table["proxy"] {
            guard let proxy = value.table else {
                throw ConfigError("\(source): [proxy] must be a table, e.g. listen = \"127.0.0.1:8787\".")
            }
            try config.readProxySection(proxy, source: source)
        }
        if let value = table["upstreams"] {
            guard let upstreams = value.table else {
                throw ConfigError("\(source): [upstreams] must be a table, e.g. default = \"https://RES.openai.azure.com\".")
            }
            // TOML tables are unordered here; sort so the upstream list is the same on every run.
            for (name, entry) in upstreams.sorted(by: { $0.0 < $1.0 }) {
                config.upstreams.append(try Self.upstream(name: name, entry, source: source))
            }
        }
        return config
    }

    private mutating func readProxySection(_ proxy: TOMLTable, source: String) throws {
        func string(_ key: String) throws -> String? {
            guard let raw = proxy[key] else { return nil }
            guard let text = raw.string else { throw ConfigError("\(source): proxy.\(key) must be a string.") }
            return text
        }
        func number(_ key: String) throws -> Double? {
            guard let raw = proxy[key] else { return nil }
            if let double = raw.double, double >= 0 { return double }
            if let int = raw.int, int >= 0 { return Double(int) }
            throw ConfigError("\(source): proxy.\(key) must be a number of seconds, 0 or more.")
        }
        func count(_ key: String) throws -> Int? {
            guard let raw = proxy[key] else { return nil }
            guard let int = raw.int, int > 0 else { throw ConfigError("\(source): proxy.\(key) must be a positive whole number of bytes.") }
            return int
        }
        listen = try string("listen")
        metricsListen = try string("metrics_listen")
        accessKey = try string("access_key")
        accessKeyEnvironment = try string("access_key_env")
        if let raw = proxy["include_usage"] {
            guard let flag = raw.bool else { throw ConfigError("\(source): proxy.include_usage must be true or false.") }
            includeUsage = flag
        }
        maxBodyBytes = try count("max_body_bytes")
        maxHeaderBytes = try count("max_header_bytes")
        connectTimeout = try number("connect_timeout")
        timeout = try number("timeout")
        gracePeriod = try number("grace_period")
    }

    private static func upstream(name: String, _ value: TOMLValueConvertible, source: String) throws -> Upstream {
        let upstreamName: String? = name == "default" ? nil : name
        if let url = value.string { return Upstream(name: upstreamName, url: url) }
        guard let entry = value.table, let url = entry["url"]?.string else {
            throw ConfigError("\(source): upstreams.\(name) must be a URL string or a table with url = \"https://...\".")
        }
        func string(_ key: String) throws -> String? {
            guard let raw = entry[key] else { return nil }
            guard let text = raw.string, !text.isEmpty else { throw ConfigError("\(source): upstreams.\(name).\(key) must be a non-empty string.") }
            return text
        }
        let key = try string("api_key")
        let keyEnvironment = try string("api_key_env")
        let mode = try string("auth").map { text -> AuthMode in
            guard let mode = AuthMode(rawValue: text) else {
                throw ConfigError("\(source): upstreams.\(name).auth must be \"key\" or \"entra\" (got \"\(text)\").")
            }
            return mode
        }
        let scope = try string("scope")
        if let scope, scope.contains(where: \.isWhitespace) {
            throw ConfigError("\(source): upstreams.\(name).scope must be one scope URL, e.g. \"https://cognitiveservices.azure.com/.default\".")
        }
        if mode == .entra {
            guard key == nil, keyEnvironment == nil else {
                throw ConfigError("\(source): upstreams.\(name) sets auth = \"entra\" and an API key; keep one (Entra ID needs no key).")
            }
            return Upstream(name: upstreamName, url: url, auth: .entra(scope: scope))
        }
        if scope != nil {
            throw ConfigError("\(source): upstreams.\(name).scope is for Entra ID: add auth = \"entra\" to that upstream, or remove scope.")
        }
        switch (key, keyEnvironment) {
        case (nil, nil): return Upstream(name: upstreamName, url: url, auth: mode == .key ? .forward : nil)
        case (let key?, nil): return Upstream(name: upstreamName, url: url, auth: .apiKey(key))
        case (nil, let variable?): return Upstream(name: upstreamName, url: url, auth: .apiKeyEnvironment(variable))
        default: throw ConfigError("\(source): upstreams.\(name) sets both api_key and api_key_env; keep one (api_key_env keeps the key out of the file).")
        }
    }
}
