/// Error bodies in each service's shape (WIRE.md D).
enum ServiceErrors {
    /// An error the simulator sends: status, body, and any headers that go with it.
    struct Rendered {
        var status: Int
        var body: JSON
        var headers: [(String, String)] = []
    }

    static let serverErrorMessage = "The server had an error while processing your request. Sorry about that!"

    /// Azure API Management shape: `{"error":{"code":"429","message":...}}` (code is a string).
    static func azure(code: String, message: String) -> JSON {
        ["error": ["code": .string(code), "message": .string(message)]]
    }

    /// OpenAI shape, as Azure relays it from the model service.
    static func openAI(message: String, type: String, param: String?, code: String?) -> JSON {
        ["error": ["message": .string(message), "type": .string(type), "param": .orNull(param), "code": .orNull(code)]]
    }

    /// Anthropic shape: `{"type":"error","error":{"type":...,"message":...},"request_id":"req_..."}`.
    static func anthropic(type: String, message: String, requestID: String?) -> JSON {
        ["type": "error", "error": ["type": .string(type), "message": .string(message)], "request_id": .orNull(requestID)]
    }

    static let unauthorizedMessage =
        "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource."

    /// Azure's prompt content-filter rejection, as observed (key `innererror`).
    static var azureContentFilter: JSON {
        func safe() -> JSON { ["filtered": false, "severity": "safe"] }
        return [
            "error": [
                "message":
                    "The response was filtered due to the prompt triggering Azure OpenAI's content management policy. Please modify your prompt and retry. To learn more about our content filtering policies please read our documentation: https://go.microsoft.com/fwlink/?linkid=2198766",
                "type": nil,
                "param": "prompt",
                "code": "content_filter",
                "status": 400,
                "innererror": [
                    "code": "ResponsibleAIPolicyViolation",
                    "content_filter_result": [
                        "hate": safe(),
                        "jailbreak": ["filtered": true, "detected": true],
                        "self_harm": safe(),
                        "sexual": safe(),
                        "violence": safe(),
                    ],
                ],
            ]
        ]
    }

    /// What an Azure Application Gateway in front of the service sends when the backend is down.
    static let htmlBadGateway =
        "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>Microsoft-Azure-Application-Gateway/v2</center>\r\n</body>\r\n</html>\r\n"

    /// The error a fault produces; nil for faults that answer 200 (success, streams, malformed bodies).
    static func render(_ fault: SimulatedFault, anthropic: Bool, requestID: String?) -> Rendered? {
        switch fault {
        case .ok, .delay, .truncatedJSON, .wrongShape, .htmlBadGateway, .streamCut:
            return nil
        case .throttle(let ms, let seconds):
            var headers: [(String, String)] = []
            if let ms { headers.append(("retry-after-ms", String(ms))) }
            if let seconds { headers.append(("retry-after", String(seconds))) }
            let wait = seconds ?? ms.map { max(1, ($0 + 999) / 1000) } ?? 1
            let body =
                anthropic
                ? ServiceErrors.anthropic(
                    type: "rate_limit_error",
                    message: "This request would exceed your organization's rate limit. Please try again in \(wait) seconds.",
                    requestID: requestID)
                : ServiceErrors.azure(code: "429", message: "Rate limit is exceeded. Try again in \(wait) seconds.")
            return Rendered(status: 429, body: body, headers: headers)
        case .serverError(let status):
            return Rendered(status: status, body: serverErrorBody(status: status, anthropic: anthropic, requestID: requestID))
        case .midStreamError, .responseFailed:
            // Only streams fail after a 200; a non-streaming request gets the plain 500.
            return Rendered(status: 500, body: serverErrorBody(status: 500, anthropic: anthropic, requestID: requestID))
        case .noRetryServerError:
            return Rendered(
                status: 500, body: serverErrorBody(status: 500, anthropic: anthropic, requestID: requestID),
                headers: [("x-should-retry", "false")])
        case .badRequest:
            let body =
                anthropic
                ? ServiceErrors.anthropic(type: "invalid_request_error", message: "messages: at least one message is required", requestID: requestID)
                : ServiceErrors.openAI(
                    message: "Invalid value for 'temperature': expected a number between 0 and 2, got 3.5.",
                    type: "invalid_request_error", param: "temperature", code: "invalid_value")
            return Rendered(status: 400, body: body)
        case .contentFilter:
            if anthropic {
                return Rendered(
                    status: 400,
                    body: ServiceErrors.anthropic(type: "invalid_request_error", message: "Output blocked by content filtering policy", requestID: requestID))
            }
            return Rendered(
                status: 400, body: azureContentFilter,
                headers: [("x-ms-rai-invoked", "true"), ("ms-azureml-model-error-reason", "model_error"), ("ms-azureml-model-error-statuscode", "400")])
        case .unauthorized:
            return Rendered(status: 401, body: unauthorized(anthropic: anthropic, requestID: requestID))
        }
    }

    static func unauthorized(anthropic: Bool, requestID: String?) -> JSON {
        anthropic
            ? ServiceErrors.anthropic(type: "authentication_error", message: "invalid x-api-key", requestID: requestID)
            : ServiceErrors.azure(code: "401", message: unauthorizedMessage)
    }

    static func serverErrorBody(status: Int, anthropic: Bool, requestID: String?) -> JSON {
        if anthropic {
            return status == 529
                ? ServiceErrors.anthropic(type: "overloaded_error", message: "Overloaded", requestID: requestID)
                : ServiceErrors.anthropic(type: "api_error", message: "Internal server error", requestID: requestID)
        }
        switch status {
        case 500:
            return ServiceErrors.openAI(message: serverErrorMessage, type: "server_error", param: nil, code: nil)
        case 502:
            return ServiceErrors.azure(code: "BadGateway", message: "The upstream model service returned an invalid response.")
        case 503:
            return ServiceErrors.azure(
                code: "ServiceUnavailable",
                message: "The service is temporarily unable to process your request. Please try again later.")
        case 504:
            return ServiceErrors.azure(code: "Timeout", message: "The operation was timeout.")
        default:
            return ServiceErrors.azure(code: String(status), message: "The server had an error while processing your request.")
        }
    }
}
