/// libcurl's timing breakdown and byte counts for one transfer.
///
/// Durations are milliseconds from the start of the transfer. On a reused connection
/// `dnsMs`, `connectMs` and `tlsMs` are 0 because no lookup, connect or handshake happened.
public struct TransportMetrics: Sendable, Equatable {
    /// Name resolution time.
    public var dnsMs: Double?
    /// TCP connect time, excluding DNS.
    public var connectMs: Double?
    /// TLS handshake time, excluding TCP connect; nil for plain HTTP.
    public var tlsMs: Double?
    /// Start to first response byte.
    public var ttfbMs: Double?
    /// Start to end of transfer.
    public var totalMs: Double?
    /// Request body bytes sent.
    public var requestBytes: Int
    /// Response body bytes received, after transfer decoding.
    public var responseBytes: Int
    /// Whether the transfer reused a kept-alive connection.
    public var reusedConnection: Bool
    /// "1.1", "2", ... ; nil when no response arrived.
    public var httpVersion: String?

    public init(
        dnsMs: Double? = nil,
        connectMs: Double? = nil,
        tlsMs: Double? = nil,
        ttfbMs: Double? = nil,
        totalMs: Double? = nil,
        requestBytes: Int = 0,
        responseBytes: Int = 0,
        reusedConnection: Bool = false,
        httpVersion: String? = nil
    ) {
        self.dnsMs = dnsMs
        self.connectMs = connectMs
        self.tlsMs = tlsMs
        self.ttfbMs = ttfbMs
        self.totalMs = totalMs
        self.requestBytes = requestBytes
        self.responseBytes = responseBytes
        self.reusedConnection = reusedConnection
        self.httpVersion = httpVersion
    }
}
