/// One API attempt the simulator answered, as recorded in its served log.
///
/// Token fields are normalized the way Meterbook stores them: `inputTokens` counts every input
/// token (for Anthropic `input_tokens + cache_read_input_tokens + cache_creation_input_tokens`),
/// `cachedInputTokens` is the cache-read part, `cacheWriteTokens` the cache-creation part.
/// `usageJSON` is the usage object exactly as served; for Anthropic streams it is the
/// `message_start` usage with the final `message_delta` counts merged in (or the `message_start`
/// usage alone when the stream failed or was cut).
public struct ServedAttempt: Sendable, Codable, Equatable {
    /// URL path without the query.
    public var path: String
    /// Raw query string, if any.
    public var query: String?
    /// `responses`, `chat.completions`, `embeddings` or `messages`.
    public var api: String
    /// Deployment addressed (path segment or body `model`).
    public var deployment: String?
    /// Whether the request asked for SSE streaming.
    public var stream: Bool
    /// HTTP status sent (200 for streams that later failed or were cut).
    public var status: Int
    /// Fault name (``SimulatedFault/name``); `"ok"` for success, `"notFound"` / `"badRequest"` /
    /// `"unauthorized"` for requests the simulator rejected on validation.
    public var fault: String
    /// `x-ms-client-request-id` received.
    public var clientRequestID: String?
    /// `x-request-id` served (Azure paths).
    public var requestID: String?
    /// `apim-request-id` served.
    public var apimRequestID: String?
    /// `request-id` served (Anthropic path).
    public var upstreamRequestID: String?
    /// Response id in the body (`resp_...`, `chatcmpl-...`, `msg_...`), when a body carried one.
    public var responseID: String?
    /// Model reported in the body, when a body carried one.
    public var model: String?
    /// The usage object served, as JSON text; nil when none was served.
    public var usageJSON: String?
    public var inputTokens: Int?
    public var outputTokens: Int?
    public var cachedInputTokens: Int?
    public var cacheWriteTokens: Int?
    /// `x-stainless-retry-count` received, if any.
    public var retryCount: Int?

    public init(
        path: String, query: String? = nil, api: String, deployment: String? = nil, stream: Bool = false,
        status: Int, fault: String, clientRequestID: String? = nil, requestID: String? = nil,
        apimRequestID: String? = nil, upstreamRequestID: String? = nil, responseID: String? = nil,
        model: String? = nil, usageJSON: String? = nil, inputTokens: Int? = nil, outputTokens: Int? = nil,
        cachedInputTokens: Int? = nil, cacheWriteTokens: Int? = nil, retryCount: Int? = nil
    ) {
        self.path = path
        self.query = query
        self.api = api
        self.deployment = deployment
        self.stream = stream
        self.status = status
        self.fault = fault
        self.clientRequestID = clientRequestID
        self.requestID = requestID
        self.apimRequestID = apimRequestID
        self.upstreamRequestID = upstreamRequestID
        self.responseID = responseID
        self.model = model
        self.usageJSON = usageJSON
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.cachedInputTokens = cachedInputTokens
        self.cacheWriteTokens = cacheWriteTokens
        self.retryCount = retryCount
    }

    private enum CodingKeys: String, CodingKey {
        case path, query, api, deployment, stream, status, fault, clientRequestID, requestID, apimRequestID
        case upstreamRequestID, responseID, model, usageJSON, inputTokens, outputTokens, cachedInputTokens
        case cacheWriteTokens, retryCount
    }

    // Written by hand so absent values appear as `null`: scripts reading /_sim/served see every key.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(path, forKey: .path)
        try c.encode(query, forKey: .query)
        try c.encode(api, forKey: .api)
        try c.encode(deployment, forKey: .deployment)
        try c.encode(stream, forKey: .stream)
        try c.encode(status, forKey: .status)
        try c.encode(fault, forKey: .fault)
        try c.encode(clientRequestID, forKey: .clientRequestID)
        try c.encode(requestID, forKey: .requestID)
        try c.encode(apimRequestID, forKey: .apimRequestID)
        try c.encode(upstreamRequestID, forKey: .upstreamRequestID)
        try c.encode(responseID, forKey: .responseID)
        try c.encode(model, forKey: .model)
        try c.encode(usageJSON, forKey: .usageJSON)
        try c.encode(inputTokens, forKey: .inputTokens)
        try c.encode(outputTokens, forKey: .outputTokens)
        try c.encode(cachedInputTokens, forKey: .cachedInputTokens)
        try c.encode(cacheWriteTokens, forKey: .cacheWriteTokens)
        try c.encode(retryCount, forKey: .retryCount)
    }
}
