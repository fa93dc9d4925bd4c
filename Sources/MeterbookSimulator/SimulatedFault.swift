/// How the simulator answers one API request.
///
/// Scripted with ``AzureSimulator/enqueue(_:deployment:)`` or `POST /_sim/script`. Over HTTP a fault is
/// JSON: a bare name (`"throttle"`) or an object with a `type` and its parameters
/// (`{"type":"throttle","retryAfterMs":100}`, `{"type":"serverError","status":503}`, `{"type":"delay","ms":250}`);
/// snake_case names and keys (`server_error`, `retry_after_ms`) are accepted too.
public enum SimulatedFault: Sendable, Equatable, Codable {
    /// A normal, successful answer.
    case ok
    /// 429 with `retry-after-ms` and/or `retry-after` headers (neither when both are nil).
    case throttle(retryAfterMs: Int?, retryAfterSeconds: Int?)
    /// A JSON error body with this status (500/502/503/504; 529 is `overloaded_error` on the Anthropic path).
    case serverError(status: Int)
    /// 500 with `x-should-retry: false`.
    case noRetryServerError
    /// 400 `invalid_request_error` in the service's shape.
    case badRequest
    /// 400 Azure content-filter body with `innererror` (Anthropic path: 400 `invalid_request_error`).
    case contentFilter
    /// 401 in the service's shape.
    case unauthorized
    /// 502 with a `text/html` gateway page instead of JSON.
    case htmlBadGateway
    /// 200 `application/json` whose body stops mid-object (Content-Length matches the cut body).
    case truncatedJSON
    /// 200 JSON that is not what the API promises: `{"hello":"world"}`.
    case wrongShape
    /// Streaming: a few deltas, then the API's error event, then a clean end. Non-streaming: 500.
    case midStreamError
    /// Responses streaming: deltas, then `response.failed`. Non-streaming: 500.
    case responseFailed
    /// Streaming: a few deltas, then the connection is closed without a terminal event or final chunk.
    case streamCut
    /// Waits this long before the first byte, then answers normally.
    case delay(ms: Int)

    /// The name used in the served log and on the wire (`"ok"`, `"throttle"`, `"serverError"`, ...).
    public var name: String {
        switch self {
        case .ok: "ok"
        case .throttle: "throttle"
        case .serverError: "serverError"
        case .noRetryServerError: "noRetryServerError"
        case .badRequest: "badRequest"
        case .contentFilter: "contentFilter"
        case .unauthorized: "unauthorized"
        case .htmlBadGateway: "htmlBadGateway"
        case .truncatedJSON: "truncatedJSON"
        case .wrongShape: "wrongShape"
        case .midStreamError: "midStreamError"
        case .responseFailed: "responseFailed"
        case .streamCut: "streamCut"
        case .delay: "delay"
        }
    }

    private enum CodingKeys: String, CodingKey {
        case type, retryAfterMs, retryAfterSeconds, status, ms
        case retryAfterMsSnake = "retry_after_ms"
        case retryAfterSecondsSnake = "retry_after_seconds"
    }

    public init(from decoder: any Decoder) throws {
        if let single = try? decoder.singleValueContainer(), let name = try? single.decode(String.self) {
            self = try SimulatedFault.make(name: name, decoder: nil, codingPath: decoder.codingPath)
            return
        }
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if let name = try container.decodeIfPresent(String.self, forKey: .type) {
            self = try SimulatedFault.make(name: name, decoder: container, codingPath: decoder.codingPath)
            return
        }
        // Also read Swift's synthesized form, {"throttle":{"retryAfterMs":100}}, in case a client encoded it so.
        let wrapper = try decoder.container(keyedBy: AnyKey.self)
        guard let key = wrapper.allKeys.first else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "A fault needs a \"type\"."))
        }
        let inner = try wrapper.nestedContainer(keyedBy: CodingKeys.self, forKey: key)
        self = try SimulatedFault.make(name: key.stringValue, decoder: inner, codingPath: decoder.codingPath)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .type)
        switch self {
        case .throttle(let ms, let seconds):
            try container.encodeIfPresent(ms, forKey: .retryAfterMs)
            try container.encodeIfPresent(seconds, forKey: .retryAfterSeconds)
        case .serverError(let status):
            try container.encode(status, forKey: .status)
        case .delay(let ms):
            try container.encode(ms, forKey: .ms)
        default:
            break
        }
    }

    private static func make(name: String, decoder: KeyedDecodingContainer<CodingKeys>?, codingPath: [any CodingKey]) throws -> SimulatedFault {
        func int(_ keys: CodingKeys...) throws -> Int? {
            guard let decoder else { return nil }
            for key in keys { if let value = try decoder.decodeIfPresent(Int.self, forKey: key) { return value } }
            return nil
        }
        switch name.replacingUnderscores() {
        case "ok": return .ok
        case "throttle":
            return .throttle(retryAfterMs: try int(.retryAfterMs, .retryAfterMsSnake), retryAfterSeconds: try int(.retryAfterSeconds, .retryAfterSecondsSnake))
        case "servererror": return .serverError(status: try int(.status) ?? 500)
        case "noretryservererror": return .noRetryServerError
        case "badrequest": return .badRequest
        case "contentfilter": return .contentFilter
        case "unauthorized": return .unauthorized
        case "htmlbadgateway": return .htmlBadGateway
        case "truncatedjson": return .truncatedJSON
        case "wrongshape": return .wrongShape
        case "midstreamerror": return .midStreamError
        case "responsefailed": return .responseFailed
        case "streamcut": return .streamCut
        case "delay": return .delay(ms: try int(.ms) ?? 0)
        default:
            throw DecodingError.dataCorrupted(.init(codingPath: codingPath, debugDescription: "Unknown fault \"\(name)\"."))
        }
    }
}

/// Any string key, for reading the synthesized enum encoding.
private struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

extension String {
    /// Lowercased with underscores removed, so `server_error`, `serverError` and `ServerError` match.
    fileprivate func replacingUnderscores() -> String {
        String(lowercased().filter { $0 != "_" })
    }
}
