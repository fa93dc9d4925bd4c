import Foundation

/// Follows one HTTP attempt from request to end and produces its row. Fed by the client, the recorder API
/// and the proxy alike, so an attempt records the same whichever way it was made. A value type with no I/O.
public struct AttemptObserver: Sendable {
    /// One SSE event of a 2xx stream and what it meant.
    public struct ObservedEvent: Sendable {
        public var event: SSEEvent
        public var effect: ResponseAnalyzer.EventEffect
    }

    public private(set) var head: TransportHead?
    /// The response body, for non-streaming responses (streams are parsed as they pass, not kept).
    public private(set) var body = Data()
    public private(set) var analyzer: ResponseAnalyzer
    /// Whether the response is a 2xx `text/event-stream`.
    public private(set) var isEventStream = false
    public var callID: String { record.callID }

    private var record: AttemptRecord
    private var parser = SSEParser()
    private let costPolicy: CostPolicy
    private let startNanos: UInt64
    private var headNanos: UInt64?
    private var firstContentNanos: UInt64?
    private var receivedBytes = 0

    /// Starts observing an attempt sent now.
    public init(
        request: RequestDescription, callID: String, attempt: Int, requestBytes: Int,
        tags: [String: String] = [:], costPolicy: CostPolicy = .builtin,
        startedAt: Date = Date(), startNanos: UInt64 = DispatchTime.now().uptimeNanoseconds
    ) {
        record = AttemptRecord(
            callID: callID, attempt: attempt, final: true,
            startedAt: Int64((startedAt.timeIntervalSince1970 * 1000).rounded()),
            provider: request.provider, api: request.api, endpoint: request.endpoint, deployment: request.deployment,
            method: request.method, path: request.path, apiVersion: request.apiVersion, stream: request.stream,
            status: 0, outcome: .ok, tags: tags
        )
        record.requestBytes = requestBytes
        analyzer = ResponseAnalyzer(api: request.api, provider: request.provider)
        self.costPolicy = costPolicy
        self.startNanos = startNanos
    }

    public mutating func receiveHead(_ head: TransportHead, atNanos now: UInt64 = DispatchTime.now().uptimeNanoseconds) {
        self.head = head
        headNanos = now
        let contentType = head.headers["content-type"]?.lowercased() ?? ""
        isEventStream = (200..<300).contains(head.status) && contentType.hasPrefix("text/event-stream")
    }

    /// Takes a body chunk; for a 2xx event stream, returns the events it completed.
    @discardableResult
    public mutating func receiveBody(_ chunk: Data, atNanos now: UInt64 = DispatchTime.now().uptimeNanoseconds) -> [ObservedEvent] {
        receivedBytes += chunk.count
        guard isEventStream else {
            body.append(chunk)
            return []
        }
        return observe(parser.feed(chunk), atNanos: now)
    }

    private mutating func observe(_ events: [SSEEvent], atNanos now: UInt64) -> [ObservedEvent] {
        events.map { event in
            let effect = analyzer.consume(event)
            if effect.isContent, firstContentNanos == nil { firstContentNanos = now }
            return ObservedEvent(event: event, effect: effect)
        }
    }

    /// The transfer completed: the row, with the outcome judged from status, body or stream.
    public mutating func finish(metrics: TransportMetrics?, atNanos now: UInt64 = DispatchTime.now().uptimeNanoseconds) -> AttemptRecord {
        guard let head else {
            return fail(TransportError(code: .other, message: "The transfer ended without a response.", metrics: metrics ?? TransportMetrics()), atNanos: now)
        }
        record.status = head.status
        if (200..<300).contains(head.status) {
            if isEventStream {
                _ = observe(parser.finish(), atNanos: now)
                if let problem = analyzer.error {
                    setError(.streamError, problem)
                } else if !analyzer.reachedEnd {
                    setError(.streamError, ServiceError(
                        type: "stream_incomplete", code: "stream_incomplete",
                        message: "The stream ended before its terminal event; the answer may be cut short."
                    ))
                } else {
                    record.outcome = .ok
                }
            } else if case .invalid(let problem) = analyzer.analyze(body: body) {
                setError(.httpError, problem)
            }
        } else {
            let problem = ServiceError.parse(body: body, status: head.status, contentType: head.headers["content-type"])
            setError(.httpError, problem)
            if record.upstreamRequestID == nil, let object = JSONValue.object(body) {
                record.upstreamRequestID = JSONValue.string(object["request_id"])
            }
        }
        return complete(metrics: metrics, atNanos: now)
    }

    /// The transfer failed: cancelled, no response, or cut mid-body.
    public mutating func fail(_ error: TransportError, atNanos now: UInt64 = DispatchTime.now().uptimeNanoseconds) -> AttemptRecord {
        let problem = ServiceError(type: "transport", code: error.code.rawValue, message: error.message)
        if let head { record.status = head.status }
        if error.code == .cancelled {
            setError(.cancelled, ServiceError(type: "cancelled", code: "cancelled", message: "The caller cancelled the attempt."))
            if isEventStream { _ = observe(parser.finish(), atNanos: now) }
        } else if isEventStream {
            _ = observe(parser.finish(), atNanos: now)
            setError(.streamError, analyzer.error ?? problem)
        } else {
            setError(.transportError, problem)
        }
        return complete(metrics: error.metrics, atNanos: now)
    }

    /// The caller cancelled before the transfer reported anything more.
    public mutating func cancel(atNanos now: UInt64 = DispatchTime.now().uptimeNanoseconds) -> AttemptRecord {
        fail(TransportError(code: .cancelled, message: "cancelled"), atNanos: now)
    }

    private mutating func setError(_ outcome: Outcome, _ problem: ServiceError) {
        record.outcome = outcome
        record.errorType = problem.type
        record.errorCode = problem.code
        record.errorMessage = problem.message.map { String($0.prefix(AttemptRecord.maxErrorMessageLength)) }
    }

    private mutating func complete(metrics: TransportMetrics?, atNanos now: UInt64) -> AttemptRecord {
        if let head { ResponseHeaderFields.apply(head.headers, to: &record) }
        record.latencyMs = milliseconds(since: startNanos, to: now)
        record.ttfbMs = metrics?.ttfbMs.flatMap { $0 > 0 ? $0 : nil } ?? headNanos.map { milliseconds(since: startNanos, to: $0) }
        record.ttftMs = firstContentNanos.map { milliseconds(since: startNanos, to: $0) }
        record.dnsMs = metrics?.dnsMs
        record.connectMs = metrics?.connectMs
        record.tlsMs = metrics?.tlsMs
        record.responseBytes = receivedBytes
        record.model = analyzer.model
        record.responseID = analyzer.responseID
        if let usage = analyzer.usage { record.setUsage(usage) }
        record.costUSD = costPolicy.cost(usage: analyzer.usage, reportedModel: analyzer.model, deployment: record.deployment)
        return record
    }

    private func milliseconds(since start: UInt64, to end: UInt64) -> Double {
        Double(end &- start) / 1_000_000
    }
}

/// The correlation IDs, region, rate-limit and retry-after headers of a response.
enum ResponseHeaderFields {
    static func apply(_ headers: HTTPHeaders, to record: inout AttemptRecord) {
        record.requestID = nonEmpty(headers["x-request-id"])
        record.apimRequestID = nonEmpty(headers["apim-request-id"])
        if let anthropicID = nonEmpty(headers["request-id"]) { record.upstreamRequestID = anthropicID }
        record.region = nonEmpty(headers["x-ms-region"])
        record.retryAfterMs = RetryAfter.milliseconds(in: headers)
        record.ratelimitRemainingRequests = count(headers["x-ratelimit-remaining-requests"] ?? headers["anthropic-ratelimit-requests-remaining"])
        record.ratelimitRemainingTokens = count(headers["x-ratelimit-remaining-tokens"] ?? headers["anthropic-ratelimit-tokens-remaining"])
    }

    private static func nonEmpty(_ value: String?) -> String? {
        guard let value = value.map({ $0.trimmingWhitespace() }), !value.isEmpty else { return nil }
        return value
    }

    /// Azure answers -1 when it does not know; that is stored as unknown.
    private static func count(_ value: String?) -> Int? {
        guard let value = value.flatMap({ Int($0.trimmingWhitespace()) }), value >= 0 else { return nil }
        return value
    }

}
