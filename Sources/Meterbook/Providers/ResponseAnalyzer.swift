import Foundation

/// Reads what matters for metering out of one attempt's response: usage, model, response id, and errors,
/// from a whole JSON body or from SSE events as they arrive. A value type with no I/O.
public struct ResponseAnalyzer: Sendable {
    public let api: APIKind
    public let provider: Provider

    public private(set) var usage: TokenUsage?
    public private(set) var model: String?
    public private(set) var responseID: String?
    /// The error reported in the body or stream, if any.
    public private(set) var error: ServiceError?
    /// Whether a stream reached its terminal event (`[DONE]`, `response.completed`/`incomplete`/`failed`, `message_stop`).
    public private(set) var reachedEnd = false

    /// Anthropic stream usage so far (JSON text): `message_start` usage overwritten by non-null `message_delta` fields.
    private var anthropicUsageJSON: String?

    public init(api: APIKind, provider: Provider) {
        self.api = api
        self.provider = provider
    }

    /// What one stream event meant.
    public struct EventEffect: Sendable, Equatable {
        /// The event carried generated content (text, tool-call arguments): the first one sets `ttft_ms`.
        public var isContent = false
        /// The event reported an error (the SDKs raise at this point).
        public var isError = false
    }

    // MARK: Whole bodies

    /// The verdict on a complete 2xx body.
    public enum BodyVerdict: Sendable, Equatable {
        case ok
        case invalid(ServiceError)
    }

    /// Analyses a complete non-streaming 2xx body.
    public mutating func analyze(body: Data) -> BodyVerdict {
        guard let document = JSONReader(body), document.kind(document.root) == .object else {
            let problem = ServiceError(
                type: "invalid_response", code: "malformed_json",
                message: "The \(api.rawValue) response is not valid JSON (\(body.count) bytes; truncated or not JSON): \(ServiceError.preview(body))"
            )
            error = problem
            return .invalid(problem)
        }
        let object = document.root
        if let missing = missingField(in: document) {
            let problem = ServiceError(
                type: "invalid_response", code: "unexpected_shape",
                message: "The \(api.rawValue) response has no `\(missing)`: not what the API returns. Body: \(ServiceError.preview(body))"
            )
            error = problem
            takeIdentity(from: object, in: document)
            return .invalid(problem)
        }
        takeIdentity(from: object, in: document)
        if let span = document.member("usage", of: object), let usageObject = document.dictionary(span) {
            usage = parseUsage(usageObject, raw: document.text(span))
        }
        return .ok
    }

    private func missingField(in document: JSONReader) -> String? {
        func isArray(_ key: String) -> Bool { document.member(key, of: document.root).map { document.kind($0) == .array } ?? false }
        switch api {
        case .chatCompletions: return isArray("choices") ? nil : "choices"
        case .embeddings: return isArray("data") ? nil : "data"
        case .messages: return isArray("content") ? nil : "content"
        case .responses:
            let hasID = document.member("id", of: document.root).map { document.kind($0) == .string } ?? false
            return isArray("output") || hasID ? nil : "output"
        default: return nil
        }
    }

    private mutating func takeIdentity(from object: JSONReader.Span, in document: JSONReader) {
        if let id = document.string(document.member("id", of: object)), !id.isEmpty { responseID = id }
        if let name = document.string(document.member("model", of: object)), !name.isEmpty { model = name }
    }

    private func parseUsage(_ object: [String: Any], raw: String?) -> TokenUsage {
        provider.isAnthropic || api == .messages
            ? TokenUsage.anthropic(object, raw: raw)
            : TokenUsage.openAI(object, raw: raw)
    }

    // MARK: Streams

    /// Analyses one SSE event of a streaming 2xx response.
    public mutating func consume(_ event: SSEEvent) -> EventEffect {
        if api == .messages || provider.isAnthropic {
            return consumeAnthropic(event)
        }
        if api == .chatCompletions {
            return consumeChat(event)
        }
        return consumeResponses(event)
    }

    private mutating func consumeChat(_ event: SSEEvent) -> EventEffect {
        var effect = EventEffect()
        if event.data == "[DONE]" {
            reachedEnd = true
            return effect
        }
        guard let chunk = JSONReader(event.data), chunk.kind(chunk.root) == .object else { return effect }
        let fields = chunk.members(["error", "id", "model", "usage", "choices"], of: chunk.root)
        if let problem = chunk.dictionary(fields[0]) {
            error = ServiceError.fromErrorObject(problem)
            effect.isError = true
            return effect
        }
        // Azure's first chunk can carry only prompt_filter_results with an empty id and model.
        if responseID == nil, let id = chunk.string(fields[1]), !id.isEmpty { responseID = id }
        if model == nil, let name = chunk.string(fields[2]), !name.isEmpty { model = name }
        if let span = fields[3], let usageObject = chunk.dictionary(span) {
            usage = TokenUsage.openAI(usageObject, raw: chunk.text(span))
        }
        if let choices = fields[4] {
            for choice in chunk.elements(of: choices) {
                guard let delta = chunk.member("delta", of: choice) else { continue }
                if chunk.isNonEmptyString(chunk.member("content", of: delta))
                    || chunk.isNonEmptyString(chunk.member("refusal", of: delta))
                    || chunk.isNonEmptyArray(chunk.member("tool_calls", of: delta)) {
                    effect.isContent = true
                }
            }
        }
        return effect
    }

    private mutating func consumeResponses(_ event: SSEEvent) -> EventEffect {
        var effect = EventEffect()
        // response.created and response.completed carry the whole response, generated text included.
        guard let payload = JSONReader(event.data), payload.kind(payload.root) == .object else { return effect }
        let fields = payload.members(["type", "response", "code", "message", "error", "delta"], of: payload.root)
        let type = payload.string(fields[0]) ?? event.event ?? ""
        switch type {
        case "response.created", "response.queued", "response.in_progress":
            if let response = fields[1] { takeIdentity(from: response, in: payload) }
        case "response.completed", "response.incomplete", "response.failed":
            reachedEnd = true
            if let response = fields[1], payload.kind(response) == .object {
                takeIdentity(from: response, in: payload)
                if let span = payload.member("usage", of: response), let usageObject = payload.dictionary(span) {
                    usage = TokenUsage.openAI(usageObject, raw: payload.text(span))
                }
                if type == "response.failed" {
                    let problem = payload.member("error", of: response)
                    error = ServiceError(
                        type: "response.failed",
                        code: payload.string(problem.flatMap { payload.member("code", of: $0) }) ?? "failed",
                        message: payload.string(problem.flatMap { payload.member("message", of: $0) }) ?? "The response failed."
                    )
                    effect.isError = true
                }
            }
        case "error":
            error = ServiceError(type: type, code: payload.string(fields[2]), message: payload.string(fields[3]))
            if let nested = payload.dictionary(fields[4]) { error = ServiceError.fromErrorObject(nested) }
            effect.isError = true
        default:
            if type.hasSuffix(".delta"), payload.isNonEmptyString(fields[5]) {
                effect.isContent = true
            }
        }
        return effect
    }

    private mutating func consumeAnthropic(_ event: SSEEvent) -> EventEffect {
        var effect = EventEffect()
        guard let payload = JSONReader(event.data), payload.kind(payload.root) == .object else { return effect }
        let fields = payload.members(["type", "message", "usage", "delta", "error"], of: payload.root)
        let type = payload.string(fields[0]) ?? event.event ?? ""
        switch type {
        case "message_start":
            if let message = fields[1], payload.kind(message) == .object {
                takeIdentity(from: message, in: payload)
                if let start = payload.dictionary(payload.member("usage", of: message)) { mergeAnthropicUsage(start) }
            }
        case "message_delta":
            if let delta = payload.dictionary(fields[2]) { mergeAnthropicUsage(delta) }
        case "content_block_delta":
            if let delta = fields[3] {
                // The first of these that is a string decides, as the SDKs read a delta.
                let text = payload.members(["text", "partial_json", "thinking"], of: delta)
                    .first { $0.map { payload.kind($0) == .string } ?? false } ?? nil
                if payload.isNonEmptyString(text) { effect.isContent = true }
            }
        case "message_stop":
            reachedEnd = true
        case "error":
            error = ServiceError.fromErrorObject(payload.dictionary(fields[4]) ?? [:])
            effect.isError = true
        default:
            break
        }
        return effect
    }

    private mutating func mergeAnthropicUsage(_ update: [String: Any]) {
        var merged = anthropicUsageJSON.flatMap(JSONValue.object) ?? [:]
        for (key, value) in update where !(value is NSNull) {
            merged[key] = value
        }
        anthropicUsageJSON = JSONValue.text(merged)
        usage = TokenUsage.anthropic(merged, raw: anthropicUsageJSON)
    }
}
