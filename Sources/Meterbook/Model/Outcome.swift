/// How an attempt ended, as stored in the `outcome` column.
public enum Outcome: String, Sendable, Codable, CaseIterable {
    /// A 2xx response whose body (or stream) completed as the API promises.
    case ok
    /// A non-2xx status, or a 2xx whose body is not what the API promises.
    case httpError = "http_error"
    /// No HTTP response: DNS, connect, TLS, timeout, or a connection lost before the response.
    case transportError = "transport_error"
    /// A stream that sent an error event, or stopped before its terminal event.
    case streamError = "stream_error"
    /// The caller cancelled the attempt.
    case cancelled
}
