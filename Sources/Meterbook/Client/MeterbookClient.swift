import Foundation
import Logging

/// Sends calls to Azure OpenAI, a Foundry project, or Claude on Foundry, retrying as the official SDKs do,
/// and records every HTTP attempt. Recording happens off the call path: it never fails or slows the call.
public final class MeterbookClient: Sendable {
    public let endpoint: Endpoint
    public let options: ClientOptions
    /// nil: calls are sent but not recorded.
    public let recorder: Recorder?
    let credential: Credential
    let costPolicy: CostPolicy
    let transport: CurlTransport
    let logger: Logger

    public init(
        endpoint: Endpoint, credential: Credential, recorder: Recorder?, options: ClientOptions = ClientOptions(),
        costPolicy: CostPolicy = .builtin, transport: CurlTransport = .shared,
        logger: Logger = Logger(label: "meterbook.client")
    ) {
        self.endpoint = endpoint
        self.credential = credential
        self.recorder = recorder
        self.options = options
        self.costPolicy = costPolicy
        self.transport = transport
        self.logger = logger
    }

    /// Sends a non-streaming call and returns its response once the final attempt succeeded.
    /// Throws `MeterbookError` when the call failed (after retries), `CancellationError` when cancelled.
    public func send(_ request: CallRequest) async throws -> CallResponse {
        let prepared = try prepare(request)
        if prepared.description.stream {
            throw MeterbookError(.invalidRequest, "The body asks for a stream (\"stream\": true): use stream(_:) to read it.")
        }
        switch try await run(prepared, handOffStream: false) {
        case .completed(let response): return response
        case .streaming: preconditionFailure("a non-streaming call never hands off a stream")
        }
    }

    /// Starts a streaming call. Retries happen before the stream starts (as in the SDKs); once a 2xx stream
    /// begins, its events arrive as the service sends them. The attempt is recorded when the stream ends,
    /// fails, or is abandoned (as cancelled).
    public func stream(_ request: CallRequest) async throws -> CallStream {
        let prepared = try prepare(request)
        guard prepared.description.stream else {
            throw MeterbookError(.invalidRequest, "The body does not ask for a stream: add \"stream\": true, or use send(_:).")
        }
        switch try await run(prepared, handOffStream: true) {
        case .streaming(let stream): return stream
        case .completed(let response):
            // The service answered a streaming request with a plain body (some gateways do): surface it as an error
            // rather than pretending it was a stream.
            throw MeterbookError(.invalidResponse, "\(request.api.rawValue) answered a streaming request with a non-stream body.",
                                 status: response.status, callID: response.callID, attempts: response.attempts, record: response.record)
        }
    }

    // MARK: Preparing

    struct PreparedCall: Sendable {
        var url: String
        var body: Data
        var headers: HTTPHeaders
        var description: RequestDescription
        var callID: String
        var tags: [String: String]
        var policy: RetryPolicy
    }

    func prepare(_ request: CallRequest) throws -> PreparedCall {
        let url = try endpoint.url(for: request.api, deployment: request.deployment)
        var description = RequestDescription(method: "POST", url: url, body: request.body)
        var body = request.body
        if request.api == .chatCompletions, description.stream {
            body = ChatStreamOptions.ensuringIncludeUsage(body)
        }
        if description.deployment == nil { description.deployment = request.deployment }
        let callID = request.callID ?? request.headers["x-ms-client-request-id"] ?? CallID.make()
        var headers: HTTPHeaders = [
            "Content-Type": "application/json",
            "Accept": description.stream ? "text/event-stream" : "application/json",
            "User-Agent": options.userAgent,
        ]
        if case .claudeOnFoundry(let version) = endpoint.kind { headers.add(name: "anthropic-version", value: version) }
        for field in options.headers { headers.replaceOrAdd(name: field.name, value: field.value) }
        for field in request.headers { headers.replaceOrAdd(name: field.name, value: field.value) }
        headers.replaceOrAdd(name: "x-ms-client-request-id", value: callID)
        return PreparedCall(
            url: url, body: body, headers: headers, description: description, callID: callID,
            tags: options.tags.merging(request.tags) { _, own in own },
            policy: RetryPolicy(maxRetries: max(0, request.maxRetries ?? options.maxRetries), isAnthropic: endpoint.provider.isAnthropic)
        )
    }

    // MARK: The retry loop

    enum CallResult {
        case completed(CallResponse)
        case streaming(CallStream)
    }

    func run(_ call: PreparedCall, handOffStream: Bool) async throws -> CallResult {
        var attempt = 1
        var retriesDone = 0
        var refreshedToken = false
        var freshAuth: [(String, String)]?
        while true {
            let auth: [(String, String)]
            if let fresh = freshAuth {
                auth = fresh
                freshAuth = nil
            } else {
                auth = try await authHeaders(call, attempt: attempt)
            }
            let result = try await perform(call, attempt: attempt, auth: auth, handOffStream: handOffStream)
            switch result {
            case .succeeded(let record, let head, let body):
                recorder?.record(record)
                return .completed(CallResponse(callID: call.callID, status: head.status, headers: head.headers,
                                               body: body, attempts: attempt, record: record))
            case .streaming(let stream):
                return .streaming(stream)
            case .cancelled(let record):
                recorder?.record(record)
                throw CancellationError()
            case .failed(var record, let retryable, let headers):
                // A token the service rejected (revoked, or expired early): drop it and try once more, right away,
                // with a fresh one. Outside the retry budget, as Azure SDKs' bearer-token policy does.
                if record.status == 401, !refreshedToken, await credential.invalidate(after: auth) {
                    logger.debug("token rejected, refreshing", metadata: ["call_id": "\(call.callID)", "attempt": "\(attempt)"])
                    refreshedToken = true
                    do {
                        freshAuth = try await authHeaders(call, attempt: attempt + 1)
                    } catch {
                        // No fresh token: the 401 stays the call's last attempt.
                        recorder?.record(record)
                        throw error
                    }
                    record.final = false
                    recorder?.record(record)
                    attempt += 1
                    continue
                }
                if retryable, retriesDone < call.policy.maxRetries,
                   let delay = call.policy.delay(retriesDone: retriesDone, headers: headers) {
                    logger.debug("retrying call", metadata: ["call_id": "\(call.callID)", "attempt": "\(attempt)", "delay_s": "\(delay)"])
                    do {
                        try await Task.sleep(nanoseconds: UInt64(delay * 1_000_000_000))
                    } catch {
                        // Cancelled while waiting: this attempt was the last one after all.
                        recorder?.record(record)
                        throw CancellationError()
                    }
                    record.final = false
                    recorder?.record(record)
                    attempt += 1
                    retriesDone += 1
                    continue
                }
                recorder?.record(record)
                throw MeterbookError.from(record, attempts: attempt)
            }
        }
    }

    enum AttemptResult {
        case succeeded(AttemptRecord, TransportHead, Data)
        case streaming(CallStream)
        case failed(AttemptRecord, retryable: Bool, headers: HTTPHeaders?)
        case cancelled(AttemptRecord)
    }

    /// The credential's headers for one attempt. A failure names the call only when earlier attempts were recorded
    /// under its id (nothing was sent otherwise, so there is nothing to investigate).
    func authHeaders(_ call: PreparedCall, attempt: Int) async throws -> [(String, String)] {
        let callID = attempt > 1 ? call.callID : nil
        do {
            return try await credential.headers(for: endpoint.provider)
        } catch is CancellationError {
            throw CancellationError()
        } catch let error as CredentialChainError {
            // Meterbook's own credential errors are written to be shown: per credential why, never a secret.
            throw MeterbookError(.authentication, error.description, callID: callID, attempts: attempt - 1)
        } catch let error as CredentialError {
            throw MeterbookError(.authentication, "No Entra ID token: \(error).", callID: callID, attempts: attempt - 1)
        } catch {
            // Only the error's type is shown: a token provider's message could echo a secret.
            throw MeterbookError(.authentication, "The credential could not provide a token (\(type(of: error))): check the token provider's configuration.", callID: callID, attempts: attempt - 1)
        }
    }

    /// Sends one attempt with `auth` headers and reads it to the end (or, for a 2xx stream, to its first byte).
    func perform(_ call: PreparedCall, attempt: Int, auth: [(String, String)], handOffStream: Bool) async throws -> AttemptResult {
        var headers = call.headers
        for (name, value) in auth {
            headers.replaceOrAdd(name: name, value: value)
        }
        let request = TransportRequest(method: "POST", url: call.url, headers: headers, body: call.body,
                                       connectTimeout: options.connectTimeout, timeout: options.timeout)
        var observer = AttemptObserver(request: call.description, callID: call.callID, attempt: attempt,
                                       requestBytes: call.body.count, tags: call.tags, costPolicy: costPolicy)
        var events = transport.execute(request).makeAsyncIterator()
        do {
            while let event = try await events.next() {
                switch event {
                case .head(let head):
                    observer.receiveHead(head)
                    if handOffStream, observer.isEventStream {
                        let stream = StreamAttempt(events: events, observer: observer, recorder: recorder, attempts: attempt)
                        return .streaming(CallStream(callID: call.callID, api: call.description.api, attempt: stream))
                    }
                case .body(let chunk):
                    observer.receiveBody(chunk)
                case .end(let metrics):
                    let record = observer.finish(metrics: metrics)
                    guard let head = observer.head else { return .failed(record, retryable: true, headers: nil) }
                    if record.outcome == .ok { return .succeeded(record, head, observer.body) }
                    let retryable = !(200..<300).contains(head.status) && call.policy.shouldRetry(status: head.status, headers: head.headers)
                    return .failed(record, retryable: retryable, headers: head.headers)
                }
            }
            // The stream finished without `.end`: the task was cancelled.
            return .cancelled(observer.cancel())
        } catch let error as TransportError {
            let record = observer.fail(error)
            if error.code == .cancelled { return .cancelled(record) }
            return .failed(record, retryable: observer.head == nil && call.policy.shouldRetry(error), headers: nil)
        } catch {
            return .cancelled(observer.cancel())
        }
    }
}
