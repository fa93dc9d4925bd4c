import Foundation
import Meterbook

/// Everything `RecordingProxy` needs to run: where it listens, where it forwards, and its limits.
public struct ProxyConfiguration: Sendable {
    /// Address to bind; port 0 picks a free port.
    public var host: String
    public var port: Int
    /// Where Prometheus `/metrics` is served; nil serves none.
    public var metricsHost: String?
    public var metricsPort: Int
    public var upstreams: [ProxyUpstream]
    /// The key clients must present (in `x-meterbook-key`, or as their API key when the proxy injects
    /// the upstream credential). Required when listening off loopback unless `allowInsecure`.
    public var accessKey: String?
    /// Lets a non-loopback listener run without an access key (`--insecure`).
    public var allowInsecure: Bool
    /// Streamed Chat Completions without `stream_options.include_usage`: add it upstream and hide the extra
    /// usage chunk from the client. Off: forward the body untouched (such streams then record no usage).
    public var includeUsage: Bool
    /// Largest request body accepted (413 beyond).
    public var maxBodyBytes: Int
    /// Largest request header block accepted (one field, and all fields together).
    public var maxHeaderBytes: Int
    /// Seconds to connect upstream (DNS + TCP + TLS); 502 beyond.
    public var connectTimeout: Double
    /// Seconds for one whole upstream transfer; 504 when no answer came in time. 0 = no limit.
    public var timeout: Double
    /// Seconds in-flight calls get to finish at shutdown before they are cut.
    public var gracePeriod: Double
    /// How long a call can wait for an SDK retry to join it (CONTRACT.md: 10 minutes).
    public var retryWindow: Double
    /// Connections open at once to one upstream host (HTTP/1.1; HTTP/2 multiplexes over fewer).
    public var maxUpstreamConnections: Int
    public var costPolicy: CostPolicy

    public init(
        host: String = "127.0.0.1", port: Int = 8787, metricsHost: String? = nil, metricsPort: Int = 9464,
        upstreams: [ProxyUpstream], accessKey: String? = nil, allowInsecure: Bool = false, includeUsage: Bool = true,
        maxBodyBytes: Int = 32 * 1024 * 1024, maxHeaderBytes: Int = 64 * 1024, connectTimeout: Double = 10,
        timeout: Double = 600, gracePeriod: Double = 10, retryWindow: Double = 600, maxUpstreamConnections: Int = 256,
        costPolicy: CostPolicy = .builtin
    ) {
        self.host = host
        self.port = port
        self.metricsHost = metricsHost
        self.metricsPort = metricsPort
        self.upstreams = upstreams
        self.accessKey = accessKey
        self.allowInsecure = allowInsecure
        self.includeUsage = includeUsage
        self.maxBodyBytes = maxBodyBytes
        self.maxHeaderBytes = maxHeaderBytes
        self.connectTimeout = connectTimeout
        self.timeout = timeout
        self.gracePeriod = gracePeriod
        self.retryWindow = retryWindow
        self.maxUpstreamConnections = maxUpstreamConnections
        self.costPolicy = costPolicy
    }

    /// Whether `host` only accepts connections from this machine.
    public static func isLoopback(_ host: String) -> Bool {
        let lowered = host.lowercased()
        return lowered == "localhost" || lowered == "::1" || lowered.hasPrefix("127.")
    }

    /// Checks the settings together; the error says which setting to change.
    public func validate() throws(ProxyConfigurationError) {
        guard !upstreams.isEmpty else {
            throw ProxyConfigurationError("No upstream: pass --upstream https://RES.openai.azure.com (or set [upstreams] in the config file).")
        }
        var names = Set<String>()
        var defaults = 0
        for upstream in upstreams {
            _ = try UpstreamRouter.parseBase(upstream.baseURL)
            if let name = upstream.name {
                guard UpstreamRouter.isValidName(name) else {
                    throw ProxyConfigurationError("The upstream name \"\(name)\" must be letters, digits, '-', '_' or '.', as it becomes the first path segment.")
                }
                guard names.insert(name).inserted else {
                    throw ProxyConfigurationError("Two upstreams are named \"\(name)\": give each its own name.")
                }
            } else {
                defaults += 1
            }
        }
        guard defaults <= 1 else {
            throw ProxyConfigurationError("Only one upstream can go without a name: write the others as NAME=URL.")
        }
        if let accessKey, accessKey.isEmpty {
            throw ProxyConfigurationError("The proxy access key is empty: set a long random value, or leave it unset.")
        }
        if accessKey == nil, !allowInsecure, !Self.isLoopback(host) {
            throw ProxyConfigurationError(
                "Listening on \(host) lets other machines use the proxy: set an access key (METERBOOK_PROXY_KEY or [proxy] access_key_env), or pass --insecure.")
        }
        guard maxBodyBytes > 0, maxHeaderBytes >= 1024 else {
            throw ProxyConfigurationError("The body limit must be positive and the header limit at least 1024 bytes.")
        }
        guard maxUpstreamConnections > 0 else {
            throw ProxyConfigurationError("The upstream connection limit must be at least 1.")
        }
        guard connectTimeout >= 0, timeout >= 0, gracePeriod >= 0 else {
            throw ProxyConfigurationError("Timeouts and the grace period must be 0 or more seconds.")
        }
    }
}
