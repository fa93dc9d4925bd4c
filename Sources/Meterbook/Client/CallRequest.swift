import Foundation

/// One logical call: the API, the caller's JSON body (sent untouched), and what to record with it.
public struct CallRequest: Sendable {
    public var api: APIKind
    /// The JSON body exactly as the API takes it. `"stream": true` makes it a streaming call.
    public var body: Data
    /// The deployment for the URL in the deployment-path style; other styles read `model` from the body.
    public var deployment: String?
    /// Labels stored with every attempt (app, user, feature, ...).
    public var tags: [String: String]
    /// Extra request headers (sent, never stored).
    public var headers: HTTPHeaders
    /// Used as the call id and sent as `x-ms-client-request-id`; a UUID is made when nil.
    public var callID: String?
    /// Overrides the client's `maxRetries` for this call.
    public var maxRetries: Int?

    public init(api: APIKind, body: Data, deployment: String? = nil, tags: [String: String] = [:],
                headers: HTTPHeaders = [:], callID: String? = nil, maxRetries: Int? = nil) {
        self.api = api
        self.body = body
        self.deployment = deployment
        self.tags = tags
        self.headers = headers
        self.callID = callID
        self.maxRetries = maxRetries
    }

    /// A call whose body is an `Encodable` value, encoded as JSON.
    public init<Body: Encodable>(api: APIKind, json: Body, deployment: String? = nil, tags: [String: String] = [:]) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        self.init(api: api, body: try encoder.encode(json), deployment: deployment, tags: tags)
    }

    // MARK: The quick-start calls

    /// A Responses API call with one text input.
    public static func responses(deployment: String, input: String, stream: Bool = false, maxOutputTokens: Int? = nil,
                                 tags: [String: String] = [:]) -> CallRequest {
        var body: [String: Any] = ["model": deployment, "input": input]
        if stream { body["stream"] = true }
        if let maxOutputTokens { body["max_output_tokens"] = maxOutputTokens }
        return CallRequest(api: .responses, body: jsonData(body), deployment: deployment, tags: tags)
    }

    /// A Chat Completions call with one user message.
    public static func chat(deployment: String, message: String, stream: Bool = false, maxTokens: Int? = nil,
                            tags: [String: String] = [:]) -> CallRequest {
        var body: [String: Any] = ["model": deployment, "messages": [["role": "user", "content": message]]]
        if stream { body["stream"] = true }
        if let maxTokens { body["max_completion_tokens"] = maxTokens }
        return CallRequest(api: .chatCompletions, body: jsonData(body), deployment: deployment, tags: tags)
    }

    /// A Messages API call (Claude) with one user message.
    public static func messages(model: String, message: String, stream: Bool = false, maxTokens: Int = 1024,
                                tags: [String: String] = [:]) -> CallRequest {
        var body: [String: Any] = ["model": model, "max_tokens": maxTokens, "messages": [["role": "user", "content": message]]]
        if stream { body["stream"] = true }
        return CallRequest(api: .messages, body: jsonData(body), deployment: model, tags: tags)
    }

    /// An Embeddings call.
    public static func embeddings(deployment: String, input: String, tags: [String: String] = [:]) -> CallRequest {
        CallRequest(api: .embeddings, body: jsonData(["model": deployment, "input": input]), deployment: deployment, tags: tags)
    }

    private static func jsonData(_ object: [String: Any]) -> Data {
        (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
    }
}
