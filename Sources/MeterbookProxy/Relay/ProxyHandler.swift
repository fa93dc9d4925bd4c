import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Meterbook

/// Forwards one client request upstream and relays the answer, recording the attempt on the way.
struct ProxyHandler: Sendable {
    let configuration: ProxyConfiguration
    let router: UpstreamRouter
    let recorder: Recorder
    let tracker: CallTracker
    let metrics: ProxyMetrics
    let transport: CurlTransport
    let logger: Logger

    func handle(_ request: Request, context: ProxyRequestContext) async -> Response {
        guard let target = router.route(path: request.uri.path, query: request.uri.query) else {
            metrics.rejected("no_upstream")
            let names = router.names.map { "/\($0)/..." }.joined(separator: ", ")
            return ProxyError(status: 404, code: "no_upstream", type: "not_found_error",
                              message: "No upstream serves this path; start it with one of: \(names).").response
        }
        let injecting = target.upstream.credential != nil
        if let key = configuration.accessKey, !AccessKey.presented(in: request.headers, matches: key, acceptAPIKeyHeaders: injecting) {
            metrics.rejected("unauthorized")
            return ProxyError(status: 401, code: "proxy_unauthorized", type: "authentication_error",
                              message: "This proxy needs its access key: send it in the x-meterbook-key header"
                                + (injecting ? " or as the SDK's API key." : ".")).response
        }

        var request = request
        let body: Data
        do {
            body = Data(buffer: try await request.collectBody(upTo: configuration.maxBodyBytes))
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            metrics.rejected("body_too_large")
            return ProxyError(status: 413, code: "request_too_large", type: "request_too_large",
                              message: "The request body is larger than the proxy's limit of \(configuration.maxBodyBytes) bytes (proxy.max_body_bytes).").response
        } catch {
            metrics.rejected("body_unreadable")
            return ProxyError(status: 400, code: "body_unreadable", type: "invalid_request_error",
                              message: "The proxy could not read the request body: it was cut short.").response
        }

        let method = request.method.rawValue
        var forwarded = ForwardedHeaders.request(request.headers, injectingCredential: injecting)
        // Classified once, from the client's body: adding include_usage changes neither model nor stream.
        let description = RequestDescription(method: method, url: target.url, body: body)
        var upstreamBody = body
        let stripsUsage = configuration.includeUsage && description.api == .chatCompletions && description.stream
            && !ChatStreamOptions.hasIncludeUsage(body)
        if stripsUsage {
            upstreamBody = ChatStreamOptions.ensuringIncludeUsage(body)
        }

        var injected: [(String, String)] = []
        if let credential = target.upstream.credential {
            do {
                injected = try await credential.headers(for: description.provider)
                for (name, value) in injected {
                    forwarded.headers.replaceOrAdd(name: name, value: value)
                }
            } catch {
                metrics.rejected("credential")
                // Entra ID errors say why each credential failed and never hold a token; of any other error only
                // its type, as a token provider's message could echo a secret.
                let reason = (error as? CredentialChainError)?.description ?? (error as? CredentialError)?.description
                    ?? "\(type(of: error))"
                logger.error("the upstream credential failed", metadata: ["error": "\(reason)"])
                return ProxyError(status: 502, code: "upstream_credential", type: "proxy_error",
                                  message: "The proxy could not get a credential for the upstream: \(reason)").response
            }
        }

        let key = CallTracker.Key(method: method, path: request.uri.path, body: body)
        let assignment = tracker.begin(key: key, retryCount: forwarded.retryCount, clientCallID: forwarded.clientCallID)
        if assignment.continuesCall {
            recorder.clearFinal(callID: assignment.callID, before: assignment.attempt)
        }
        forwarded.headers.replaceOrAdd(name: "x-ms-client-request-id", value: assignment.callID)

        let sendsBody = !upstreamBody.isEmpty || !["GET", "HEAD", "DELETE", "OPTIONS"].contains(method)
        let outbound = TransportRequest(
            method: method, url: target.url, headers: forwarded.headers, body: sendsBody ? upstreamBody : nil,
            connectTimeout: configuration.connectTimeout, timeout: configuration.timeout)
        let observer = AttemptObserver(
            request: description, callID: assignment.callID, attempt: assignment.attempt,
            requestBytes: upstreamBody.count, tags: forwarded.tags, costPolicy: configuration.costPolicy)

        metrics.started()
        let attempt = UpstreamAttempt(events: transport.execute(outbound), observer: observer) { [tracker, recorder, metrics] record in
            var record = record
            record.final = tracker.finish(callID: record.callID, attempt: record.attempt)
            recorder.record(record)
            metrics.observe(record)
            metrics.ended()
        }

        switch await attempt.head() {
        case .failed(let error):
            // The message names host and cause only; no header ever goes into a transport error.
            logger.warning("the upstream did not answer", metadata: [
                "call_id": "\(assignment.callID)", "error_code": "\(error.code.rawValue)", "error": "\(error.message)",
            ])
            switch error.code {
            case .timeout: return ProxyError.timeout(error.message).response
            default: return ProxyError.unreachable(error.message).response
            }
        case .received(let head):
            let eventStream = attempt.isEventStream
            if stripsUsage, eventStream { attempt.stripUsageChunk() }
            var headers = ForwardedHeaders.response(head.headers, keepContentLength: !(stripsUsage && eventStream))
            if head.status == 401, let credential = target.upstream.credential, await credential.invalidate(after: injected) {
                // The rejected token is dropped, so the next attempt carries a fresh one. The proxy does not retry
                // (the SDK does); on a call's first attempt it tells the SDK a retry can help, as the SDKs do not
                // retry a 401 on their own. A later attempt's 401 goes back as upstream sent it: one refresh per call.
                if assignment.attempt == 1, !head.headers.contains("x-should-retry") {
                    headers[HTTPField.Name("x-should-retry")!] = "true"
                }
            }
            let body: ResponseBody
            if eventStream, let watcher = try? await context.channel.pipeline.handler(type: ClientHangUpWatcher.self).get() {
                // A stream stops the moment the client leaves, even while upstream is silent.
                body = ResponseBody { writer in
                    try await watcher.cancelling {
                        try await attempt.relay(to: &writer)
                    }
                }
            } else {
                body = ResponseBody { writer in try await attempt.relay(to: &writer) }
            }
            return Response(status: HTTPResponse.Status(code: head.status), headers: headers, body: body)
        }
    }
}
