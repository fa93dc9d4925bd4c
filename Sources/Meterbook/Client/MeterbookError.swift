/// A call that did not succeed, as the caller sees it. The message says what failed and carries the ids
/// support needs; it never contains a key, a token or an auth header.
public struct MeterbookError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// The service answered with an error status.
        case httpError = "http_error"
        /// A 2xx whose body is not what the API promises (truncated, not JSON, wrong shape).
        case invalidResponse = "invalid_response"
        /// A stream sent an error event or stopped before its end.
        case streamError = "stream_error"
        /// No response: DNS, connect, TLS, timeout, connection lost.
        case transportError = "transport_error"
        /// The request could not be built (endpoint, body, missing settings).
        case invalidRequest = "invalid_request"
        /// The credential could not produce a token.
        case authentication
    }

    public var code: Code
    public var message: String
    /// HTTP status of the final attempt, when one arrived.
    public var status: Int?
    public var serviceError: ServiceError?
    public var callID: String?
    /// Attempts made (1 + retries).
    public var attempts: Int
    /// The final attempt's row, when it was recorded.
    public var record: AttemptRecord?

    public init(_ code: Code, _ message: String, status: Int? = nil, serviceError: ServiceError? = nil,
                callID: String? = nil, attempts: Int = 0, record: AttemptRecord? = nil) {
        self.code = code
        self.message = message
        self.status = status
        self.serviceError = serviceError
        self.callID = callID
        self.attempts = attempts
        self.record = record
    }

    public var description: String {
        var text = message
        var details: [String] = []
        if let status, status > 0 { details.append("HTTP \(status)") }
        if attempts > 1 { details.append("\(attempts) attempts") }
        if let callID { details.append("call id \(callID)") }
        if let apim = record?.apimRequestID { details.append("apim-request-id \(apim)") }
        if let requestID = record?.requestID ?? record?.upstreamRequestID { details.append("request id \(requestID)") }
        if !details.isEmpty { text += " (" + details.joined(separator: ", ") + ")" }
        return text
    }

    /// The caller-facing error for a finished attempt that did not succeed.
    static func from(_ record: AttemptRecord, attempts: Int) -> MeterbookError {
        let service = ServiceError(type: record.errorType, code: record.errorCode, message: record.errorMessage)
        let detail = record.errorMessage ?? record.errorCode ?? "no details"
        let code: Code
        let message: String
        switch record.outcome {
        case .httpError where record.errorType == "invalid_response" && (200..<300).contains(record.status):
            code = .invalidResponse
            message = "\(record.api.rawValue) returned an unusable response: \(detail)"
        case .httpError:
            code = .httpError
            let kind = [record.errorType, record.errorCode].compactMap { $0 }.first.map { " (\($0))" } ?? ""
            message = "\(record.api.rawValue) failed with HTTP \(record.status)\(kind): \(detail)"
        case .streamError:
            code = .streamError
            message = "\(record.api.rawValue) stream failed: \(detail)"
        case .transportError, .cancelled, .ok:
            code = .transportError
            message = "Could not reach \(record.endpoint): \(detail)"
        }
        return MeterbookError(code, message, status: record.status, serviceError: service,
                              callID: record.callID, attempts: attempts, record: record)
    }
}
