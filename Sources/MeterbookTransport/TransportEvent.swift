import Foundation

/// The status line and headers of a response (the final one: `100 Continue` and similar are skipped).
public struct TransportHead: Sendable, Equatable {
    public var status: Int
    public var headers: HTTPHeaders
    /// "1.1", "2", ...
    public var httpVersion: String

    public init(status: Int, headers: HTTPHeaders, httpVersion: String) {
        self.status = status
        self.headers = headers
        self.httpVersion = httpVersion
    }
}

/// What a transfer yields, in order: one `.head`, any number of `.body` chunks as they arrive, then one `.end`.
/// A failed transfer throws a `TransportError` instead of yielding `.end`.
public enum TransportEvent: Sendable {
    case head(TransportHead)
    case body(Data)
    case end(TransportMetrics)
}
