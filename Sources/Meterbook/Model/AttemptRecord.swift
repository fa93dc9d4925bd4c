/// One HTTP attempt: one row of the `requests` table (see CONTRACT.md for each column's meaning).
public struct AttemptRecord: Sendable, Equatable, Codable {
    public var id: Int64?
    public var callID: String
    public var attempt: Int
    public var final: Bool
    /// Unix epoch milliseconds, UTC, when the attempt was sent.
    public var startedAt: Int64
    public var provider: Provider
    public var api: APIKind
    public var endpoint: String
    public var deployment: String?
    public var model: String?
    public var method: String
    public var path: String
    public var apiVersion: String?
    public var stream: Bool
    public var status: Int
    public var outcome: Outcome
    public var errorType: String?
    public var errorCode: String?
    public var errorMessage: String?
    public var latencyMs: Double?
    public var ttfbMs: Double?
    public var ttftMs: Double?
    public var dnsMs: Double?
    public var connectMs: Double?
    public var tlsMs: Double?
    public var requestBytes: Int?
    public var responseBytes: Int?
    public var inputTokens: Int?
    public var outputTokens: Int?
    public var totalTokens: Int?
    public var cachedInputTokens: Int?
    public var cacheWriteTokens: Int?
    public var reasoningTokens: Int?
    public var usageJSON: String?
    public var costUSD: Double?
    public var responseID: String?
    public var requestID: String?
    public var apimRequestID: String?
    public var upstreamRequestID: String?
    public var region: String?
    public var retryAfterMs: Int?
    public var ratelimitRemainingRequests: Int?
    public var ratelimitRemainingTokens: Int?
    public var tags: [String: String]

    public init(
        callID: String, attempt: Int = 1, final: Bool = true, startedAt: Int64,
        provider: Provider, api: APIKind, endpoint: String, deployment: String? = nil,
        method: String = "POST", path: String, apiVersion: String? = nil, stream: Bool = false,
        status: Int = 0, outcome: Outcome = .ok, tags: [String: String] = [:]
    ) {
        self.callID = callID
        self.attempt = attempt
        self.final = final
        self.startedAt = startedAt
        self.provider = provider
        self.api = api
        self.endpoint = endpoint
        self.deployment = deployment
        self.method = method
        self.path = path
        self.apiVersion = apiVersion
        self.stream = stream
        self.status = status
        self.outcome = outcome
        self.tags = tags
    }

    /// Error messages are cut to this many characters before they are stored.
    public static let maxErrorMessageLength = 500

    enum CodingKeys: String, CodingKey {
        case id, attempt, final, provider, api, endpoint, deployment, model, method, path, stream, status, outcome, region, tags
        case callID = "call_id"
        case startedAt = "started_at"
        case apiVersion = "api_version"
        case errorType = "error_type"
        case errorCode = "error_code"
        case errorMessage = "error_message"
        case latencyMs = "latency_ms"
        case ttfbMs = "ttfb_ms"
        case ttftMs = "ttft_ms"
        case dnsMs = "dns_ms"
        case connectMs = "connect_ms"
        case tlsMs = "tls_ms"
        case requestBytes = "request_bytes"
        case responseBytes = "response_bytes"
        case inputTokens = "input_tokens"
        case outputTokens = "output_tokens"
        case totalTokens = "total_tokens"
        case cachedInputTokens = "cached_input_tokens"
        case cacheWriteTokens = "cache_write_tokens"
        case reasoningTokens = "reasoning_tokens"
        case usageJSON = "usage_json"
        case costUSD = "cost_usd"
        case responseID = "response_id"
        case requestID = "request_id"
        case apimRequestID = "apim_request_id"
        case upstreamRequestID = "upstream_request_id"
        case retryAfterMs = "retry_after_ms"
        case ratelimitRemainingRequests = "ratelimit_remaining_requests"
        case ratelimitRemainingTokens = "ratelimit_remaining_tokens"
    }
}
