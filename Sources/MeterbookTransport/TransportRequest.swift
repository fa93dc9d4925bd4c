import Foundation

/// One HTTP request for the transport to send.
public struct TransportRequest: Sendable {
    public var method: String
    /// Absolute URL, `http` or `https`.
    public var url: String
    public var headers: HTTPHeaders
    public var body: Data?
    /// Seconds allowed to establish the connection (DNS + TCP + TLS).
    public var connectTimeout: Double
    /// Seconds allowed for the whole transfer; 0 means no limit.
    public var timeout: Double

    public init(
        method: String,
        url: String,
        headers: HTTPHeaders = [:],
        body: Data? = nil,
        connectTimeout: Double = 5,
        timeout: Double = 600
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.connectTimeout = connectTimeout
        self.timeout = timeout
    }
}
