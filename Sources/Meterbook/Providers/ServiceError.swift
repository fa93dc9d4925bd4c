import Foundation

/// The error a service reported, from an error body or a stream's error event.
public struct ServiceError: Sendable, Equatable {
    public var type: String?
    public var code: String?
    public var message: String?

    public init(type: String? = nil, code: String? = nil, message: String? = nil) {
        self.type = type
        self.code = code
        self.message = message
    }

    /// Parses an error response body in Azure's / OpenAI's shape (`{"error":{code,message,type,innererror}}`),
    /// Anthropic's (`{"type":"error","error":{type,message}}`), or anything else (an HTML gateway page, plain text).
    static func parse(body: Data, status: Int, contentType: String?) -> ServiceError {
        if let object = JSONValue.object(body) {
            if let error = JSONValue.dict(object["error"]) {
                return fromErrorObject(error)
            }
            if let message = JSONValue.string(object["message"]) {
                // Some gateways (APIM) answer `{"statusCode":401,"message":"..."}`.
                return ServiceError(type: nil, code: JSONValue.string(object["code"] ?? object["statusCode"]), message: message)
            }
            return ServiceError(
                type: "invalid_response", code: String(status),
                message: "HTTP \(status) with a JSON body that holds no error object: \(preview(body))"
            )
        }
        let kind = (contentType?.split(separator: ";").first.map(String.init)) ?? "unknown content type"
        let text = pageSummary(body)
        return ServiceError(
            type: "invalid_response", code: String(status),
            message: "HTTP \(status) with a non-JSON body (\(kind))" + (text.isEmpty ? "" : ": \(text)")
        )
    }

    /// An `error` object: Azure/OpenAI (`code`, `type`, `message`, `innererror`) or Anthropic (`type`, `message`).
    static func fromErrorObject(_ error: [String: Any]) -> ServiceError {
        let inner = JSONValue.dict(error["innererror"] ?? error["inner_error"] ?? error["innerError"])
        var type = JSONValue.string(error["type"])
        var code = JSONValue.string(error["code"])
        if type == nil { type = JSONValue.string(inner?["code"]) }
        // Anthropic errors carry only a type; use it as the code too so errors group by code across services.
        if code == nil { code = type }
        return ServiceError(type: type, code: code, message: JSONValue.string(error["message"]))
    }

    /// The readable text of an HTML or plain-text page: its `<title>` or first words, without markup.
    private static func pageSummary(_ body: Data) -> String {
        let text = String(decoding: body.prefix(4096), as: UTF8.self)
        if let start = text.range(of: "<title>", options: .caseInsensitive),
           let end = text.range(of: "</title>", options: .caseInsensitive, range: start.upperBound..<text.endIndex) {
            return text[start.upperBound..<end.lowerBound].trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let stripped = text.replacingOccurrences(of: "<[^>]*>", with: " ", options: .regularExpression)
        let words = stripped.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
        return String(words.prefix(200))
    }

    static func preview(_ body: Data) -> String {
        let text = String(decoding: body.prefix(160), as: UTF8.self)
        return body.count > 160 ? text + "…" : text
    }
}
