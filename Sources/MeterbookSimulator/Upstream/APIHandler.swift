import HTTPTypes
import Hummingbird

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Answers the simulated API routes: validates the request as the real service would, picks the
/// fault (scripted first, then random mode), renders the answer, and records it in the served log.
struct APIHandler: Sendable {
    let core: SimulatorCore

    func handle(_ request: Request, route: APIRoute, body: [UInt8]) async -> Response {
        let headers = request.headers
        let parsed = ParsedRequest(body: body, api: route.api)
        var attempt = ServedAttempt(
            path: request.uri.path, query: request.uri.query, api: route.api.rawValue,
            deployment: route.pathDeployment ?? parsed?.model, stream: parsed?.stream ?? false, status: 0, fault: "ok",
            clientRequestID: headers.value("x-ms-client-request-id"),
            retryCount: headers.value("x-stainless-retry-count").flatMap { Int($0) })

        // Checked in the order the services apply them: credentials, route, headers, body.
        // Any non-empty key is accepted, and no key value is ever stored or echoed.
        let hasCredentials = ["api-key", "x-api-key", "authorization"].contains { headers.value($0) != nil }
        if !hasCredentials {
            return reject(attempt, route: route, status: 401, fault: "unauthorized") {
                ServiceErrors.unauthorized(anthropic: route.isAnthropic, requestID: $0)
            }
        }
        if route.requiresAPIVersion, (request.uri.queryParameters["api-version"] ?? "").isEmpty {
            return reject(attempt, route: route, status: 404, fault: "notFound") { _ in
                ServiceErrors.azure(code: "404", message: "Resource not found")
            }
        }
        if route.isAnthropic, headers.value("anthropic-version") == nil {
            return reject(attempt, route: route, status: 400, fault: "badRequest") {
                ServiceErrors.anthropic(type: "invalid_request_error", message: "anthropic-version: header is required", requestID: $0)
            }
        }
        guard let parsed else {
            return reject(attempt, route: route, status: 400, fault: "badRequest") {
                route.isAnthropic
                    ? ServiceErrors.anthropic(type: "invalid_request_error", message: "The request body is not valid JSON.", requestID: $0)
                    : ServiceErrors.openAI(
                        message:
                            "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)",
                        type: "invalid_request_error", param: nil, code: nil)
            }
        }
        guard let deployment = attempt.deployment, !deployment.isEmpty else {
            return reject(attempt, route: route, status: 400, fault: "badRequest") {
                route.isAnthropic
                    ? ServiceErrors.anthropic(type: "invalid_request_error", message: "model: Field required", requestID: $0)
                    : ServiceErrors.openAI(
                        message: "Missing required parameter: 'model'.", type: "invalid_request_error", param: "model",
                        code: "missing_required_parameter")
            }
        }

        let configuration = core.configuration
        let (index, scripted) = core.beginAttempt(deployment: deployment, consumeScript: true)
        // Separate streams for faults and content, so random mode does not change ids or text.
        var faultRNG = SeededGenerator(seed: configuration.seed, UInt64(index), 1)
        var rng = SeededGenerator(seed: configuration.seed, UInt64(index), 2)
        let randomFault = Self.randomFault(configuration, anthropic: route.isAnthropic, using: &faultRNG)
        let fault = scripted ?? randomFault
        var latencyMs = faultRNG.int(in: configuration.latencyMs)
        if case .delay(let ms) = fault { latencyMs += max(0, ms) }

        let plan = makePlan(index: index, route: route, request: parsed, deployment: deployment, fault: fault, using: &rng)
        let reachedModel = fault.reachesModel
        var rateLimit = core.chargeRateLimit(
            deployment: deployment, limits: plan.profile.limits,
            tokens: plan.usage.input + (reachedModel ? plan.usage.output : 0))
        if case .throttle = fault { rateLimit.remainingTokens = 0 }
        let served = ResponseHeaders(
            anthropic: route.isAnthropic, clientRequestID: attempt.clientRequestID, profile: plan.profile,
            reachedModel: reachedModel, rateLimit: rateLimit, using: &rng)
        attempt.requestID = served.requestID
        attempt.apimRequestID = served.apimRequestID
        attempt.upstreamRequestID = served.upstreamRequestID
        attempt.fault = fault.name

        let response = render(plan, headers: served, attempt: &attempt)
        core.record(attempt, index: index)
        if latencyMs > 0 { try? await Task.sleep(for: .milliseconds(latencyMs)) }
        return response
    }

    /// Random mode: throttles and server errors at the configured rates, otherwise success.
    private static func randomFault(_ configuration: SimulatorConfiguration, anthropic: Bool, using rng: inout SeededGenerator) -> SimulatedFault {
        let roll = rng.unit()
        // 50–300 ms keeps demos quick while still exercising retry-after-ms.
        let retryAfterMs = rng.int(in: 50...300)
        let useServiceUnavailable = rng.chance(0.5)
        if roll < configuration.throttleRate {
            return .throttle(retryAfterMs: retryAfterMs, retryAfterSeconds: 1)
        }
        if roll < configuration.throttleRate + configuration.serverErrorRate {
            return .serverError(status: anthropic ? 529 : (useServiceUnavailable ? 503 : 500))
        }
        return .ok
    }

    private func makePlan(
        index: Int, route: APIRoute, request: ParsedRequest, deployment: String, fault: SimulatedFault,
        using rng: inout SeededGenerator
    ) -> AttemptPlan {
        let profile = DeploymentProfile(deployment: deployment, seed: core.configuration.seed, anthropic: route.isAnthropic)
        let usage = TokenUsage.generate(for: request, api: route.api, reasoningModel: profile.isReasoningModel, using: &rng)
        let deltas = TextGenerator.deltas(unicorn: request.mentionsUnicorn, maxDeltas: usage.visibleOutput, using: &rng)
        let responseID: String
        switch route.api {
        case .responses: responseID = Identifiers.responseID(using: &rng)
        case .chatCompletions: responseID = Identifiers.chatCompletionID(using: &rng)
        case .messages: responseID = Identifiers.anthropicMessageID(using: &rng)
        case .embeddings: responseID = ""
        }
        return AttemptPlan(
            index: index, route: route, request: request, profile: profile, fault: fault, usage: usage, deltas: deltas,
            responseID: responseID, itemID: Identifiers.outputItemID(using: &rng),
            createdAt: Int(Date().timeIntervalSince1970))
    }

    private func renderer(_ api: APIRoute.API) -> any APIRenderer.Type {
        switch api {
        case .responses: ResponsesAPI.self
        case .chatCompletions: ChatCompletionsAPI.self
        case .embeddings: EmbeddingsAPI.self
        case .messages: MessagesAPI.self
        }
    }

    /// Builds the answer for the plan's fault and fills in what was served.
    private func render(_ plan: AttemptPlan, headers: ResponseHeaders, attempt: inout ServedAttempt) -> Response {
        let renderer = renderer(plan.route.api)
        let streaming = plan.request.stream
        let interval = core.configuration.streamChunkIntervalMs
        let hasResponseID = plan.route.api != .embeddings
        attempt.status = 200

        func served(body usage: JSON?, partialAnthropic: Bool = false) {
            attempt.responseID = hasResponseID ? plan.responseID : nil
            attempt.model = plan.profile.model
            if let usage { record(usage: usage, plan: plan, partialAnthropic: partialAnthropic, into: &attempt) }
        }

        let ending: StreamEnding?
        switch plan.fault {
        case .ok, .delay: ending = .complete
        case .midStreamError: ending = .errorEvent
        case .responseFailed: ending = .failed
        case .streamCut: ending = .cut
        default: ending = nil
        }
        if streaming, let ending {
            let stream = renderer.stream(plan, ending: ending)
            served(body: stream.usage, partialAnthropic: ending != .complete)
            return Reply.eventStream(
                stream.events, intervalMs: interval, burst: stream.closingBurst, cut: ending == .cut, headers: headers.fields)
        }

        switch plan.fault {
        case .ok, .delay:
            served(body: renderer.usage(plan))
            return Reply.json(200, renderer.body(plan), headers: headers.fields)
        case .streamCut:
            // Non-streaming: half a body over chunked encoding, then the connection drops.
            let text = renderer.body(plan).text
            attempt.responseID = hasResponseID ? plan.responseID : nil
            return Reply.chunked(
                200, pieces: [String(text.prefix(text.count / 2))], intervalMs: 0, cut: true, contentType: "application/json",
                headers: headers.fields)
        case .truncatedJSON:
            // Cut mid-object; Content-Length is that of the cut body, so the transfer itself is clean.
            let text = renderer.body(plan).text
            attempt.responseID = hasResponseID ? plan.responseID : nil
            return Reply.text(200, String(text.prefix(text.count * 6 / 10)), contentType: "application/json", headers: headers.fields)
        case .wrongShape:
            return Reply.json(200, ["hello": "world"], headers: headers.fields)
        case .htmlBadGateway:
            // A gateway answered, not the service: none of the service's ids or headers.
            attempt.status = 502
            attempt.requestID = nil
            attempt.apimRequestID = nil
            attempt.upstreamRequestID = nil
            return Reply.text(502, ServiceErrors.htmlBadGateway, contentType: "text/html")
        default:
            guard let error = ServiceErrors.render(plan.fault, anthropic: plan.route.isAnthropic, requestID: headers.upstreamRequestID) else {
                return Reply.json(200, renderer.body(plan), headers: headers.fields)
            }
            var fields = headers.fields
            for (name, value) in error.headers { fields.set(name, value) }
            attempt.status = error.status
            return Reply.json(error.status, error.body, headers: fields)
        }
    }

    /// Copies the served usage into the log, normalized as Meterbook stores it.
    private func record(usage: JSON, plan: AttemptPlan, partialAnthropic: Bool, into attempt: inout ServedAttempt) {
        attempt.usageJSON = usage.text
        attempt.inputTokens = plan.usage.input
        switch plan.route.api {
        case .embeddings:
            break
        case .messages:
            attempt.outputTokens = partialAnthropic ? 1 : plan.usage.output
            attempt.cachedInputTokens = plan.usage.cacheRead
            attempt.cacheWriteTokens = plan.usage.cacheWrite
        case .responses, .chatCompletions:
            attempt.outputTokens = plan.usage.output
            attempt.cachedInputTokens = plan.usage.cacheRead
        }
    }

    /// Records and answers a request the service would refuse before doing any work.
    private func reject(
        _ attempt: ServedAttempt, route: APIRoute, status: Int, fault: String, body: (String?) -> JSON
    ) -> Response {
        let (index, _) = core.beginAttempt(deployment: attempt.deployment, consumeScript: false)
        var rng = SeededGenerator(seed: core.configuration.seed, UInt64(index), 2)
        let profile = attempt.deployment.map {
            DeploymentProfile(deployment: $0, seed: core.configuration.seed, anthropic: route.isAnthropic)
        }
        let served = ResponseHeaders(
            anthropic: route.isAnthropic, clientRequestID: attempt.clientRequestID, profile: profile, reachedModel: false,
            rateLimit: nil, using: &rng)
        var attempt = attempt
        attempt.status = status
        attempt.fault = fault
        attempt.requestID = served.requestID
        attempt.apimRequestID = served.apimRequestID
        attempt.upstreamRequestID = served.upstreamRequestID
        core.record(attempt, index: index)
        return Reply.json(status, body(served.upstreamRequestID), headers: served.fields)
    }
}
