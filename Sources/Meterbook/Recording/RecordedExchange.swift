import Foundation

/// A call made with another HTTP stack, handed to `Recorder.record(_:)` to get the same row the client records.
public struct RecordedExchange: Sendable {
    public var method: String
    public var url: String
    /// Used for `x-ms-client-request-id` (the call id) only; never stored.
    public var requestHeaders: HTTPHeaders
    public var requestBody: Data?
    /// nil when no HTTP response arrived (`transportError` then says why).
    public var status: Int?
    public var responseHeaders: HTTPHeaders
    /// The JSON body, or the raw `text/event-stream` bytes of a streamed response.
    public var responseBody: Data
    public var startedAt: Date
    /// Send to last byte.
    public var latencyMs: Double
    public var ttfbMs: Double?
    /// Streams: send to first content delta, when the caller measured it.
    public var ttftMs: Double?
    public var dnsMs: Double?
    public var connectMs: Double?
    public var tlsMs: Double?
    /// Set when the transfer failed; a cut stream has a status, a body so far, and this.
    public var transportError: TransportError?
    public var callID: String?
    public var attempt: Int
    public var final: Bool
    public var tags: [String: String]

    public init(
        method: String = "POST", url: String, requestHeaders: HTTPHeaders = [:], requestBody: Data? = nil,
        status: Int?, responseHeaders: HTTPHeaders = [:], responseBody: Data = Data(),
        startedAt: Date, latencyMs: Double, ttfbMs: Double? = nil, ttftMs: Double? = nil,
        dnsMs: Double? = nil, connectMs: Double? = nil, tlsMs: Double? = nil,
        transportError: TransportError? = nil, callID: String? = nil, attempt: Int = 1, final: Bool = true,
        tags: [String: String] = [:]
    ) {
        self.method = method
        self.url = url
        self.requestHeaders = requestHeaders
        self.requestBody = requestBody
        self.status = status
        self.responseHeaders = responseHeaders
        self.responseBody = responseBody
        self.startedAt = startedAt
        self.latencyMs = latencyMs
        self.ttfbMs = ttfbMs
        self.ttftMs = ttftMs
        self.dnsMs = dnsMs
        self.connectMs = connectMs
        self.tlsMs = tlsMs
        self.transportError = transportError
        self.callID = callID
        self.attempt = attempt
        self.final = final
        self.tags = tags
    }

    /// The row this exchange records: the same `AttemptObserver` the client uses, fed the whole exchange at once.
    public func attemptRecord(costPolicy: CostPolicy = .builtin) -> AttemptRecord {
        let description = RequestDescription(method: method, url: url, body: requestBody)
        let callID = callID ?? requestHeaders["x-ms-client-request-id"].flatMap { $0.isEmpty ? nil : $0 } ?? CallID.make()
        var observer = AttemptObserver(
            request: description, callID: callID, attempt: attempt, requestBytes: requestBody?.count ?? 0,
            tags: tags, costPolicy: costPolicy, startedAt: startedAt, startNanos: 0
        )
        let nanos = { (ms: Double) in UInt64(max(0, ms) * 1_000_000) }
        let metrics = TransportMetrics(
            dnsMs: dnsMs, connectMs: connectMs, tlsMs: tlsMs, ttfbMs: ttfbMs, totalMs: latencyMs,
            requestBytes: requestBody?.count ?? 0, responseBytes: responseBody.count
        )
        if let status {
            observer.receiveHead(TransportHead(status: status, headers: responseHeaders, httpVersion: "1.1"), atNanos: nanos(ttfbMs ?? latencyMs))
            if !responseBody.isEmpty { observer.receiveBody(responseBody, atNanos: nanos(ttftMs ?? ttfbMs ?? latencyMs)) }
        }
        var record: AttemptRecord
        if var error = transportError {
            error.metrics = metrics
            record = observer.fail(error, atNanos: nanos(latencyMs))
        } else {
            record = observer.finish(metrics: metrics, atNanos: nanos(latencyMs))
        }
        record.ttftMs = ttftMs
        record.final = final
        return record
    }
}

extension Recorder {
    /// Records a call made with another HTTP stack, exactly as the client would have; returns the row queued.
    @discardableResult
    public func record(_ exchange: RecordedExchange, costPolicy: CostPolicy = .builtin) -> AttemptRecord {
        let record = exchange.attemptRecord(costPolicy: costPolicy)
        self.record(record)
        return record
    }
}
