/// A transfer that did not complete: no connection, a timeout, a cut connection, or cancellation.
///
/// The message never contains request headers (they may carry secrets).
public struct TransportError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// The host name could not be resolved.
        case dns
        /// TCP connect failed or was refused.
        case connect
        /// The TLS handshake or certificate check failed.
        case tls
        /// The connect or total timeout elapsed.
        case timeout
        /// The connection broke while sending or receiving (including a body cut short).
        case connectionLost
        /// The caller cancelled (Swift task cancellation or the consumer stopped reading).
        case cancelled
        /// The URL or request was malformed.
        case invalidRequest
        /// Anything else libcurl reported.
        case other
    }

    public var code: Code
    /// A readable sentence, e.g. "Could not connect to 127.0.0.1 port 9: Connection refused".
    public var message: String
    /// libcurl's CURLcode, when libcurl produced the error.
    public var curlCode: Int?
    /// Timings gathered before the failure.
    public var metrics: TransportMetrics

    public init(code: Code, message: String, curlCode: Int? = nil, metrics: TransportMetrics = TransportMetrics()) {
        self.code = code
        self.message = message
        self.curlCode = curlCode
        self.metrics = metrics
    }

    public var description: String { "transport error (\(code.rawValue)): \(message)" }
}
