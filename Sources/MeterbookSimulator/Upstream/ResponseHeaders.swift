import HTTPTypes
import Hummingbird

/// The ids and headers one attempt is served with (WIRE.md C).
struct ResponseHeaders: Sendable {
    /// `x-request-id` (Azure paths).
    var requestID: String?
    /// `apim-request-id`.
    var apimRequestID: String
    /// `request-id` (Anthropic path).
    var upstreamRequestID: String?
    var fields: HTTPFields

    /// Headers for an Azure OpenAI / Foundry path or the Anthropic path.
    /// `profile` is nil when the request was rejected before its deployment was known.
    /// `reachedModel` is false for answers the gateway gives on its own (auth, routing, throttling
    /// and service errors): those carry no model session or served model.
    init(
        anthropic: Bool, clientRequestID: String?, profile: DeploymentProfile?, reachedModel: Bool,
        rateLimit: (remainingRequests: Int, remainingTokens: Int)?, using rng: inout SeededGenerator
    ) {
        var fields = HTTPFields()
        apimRequestID = Identifiers.uuid(using: &rng)
        if anthropic {
            let id = Identifiers.anthropicRequestID(using: &rng)
            requestID = nil
            upstreamRequestID = id
            fields.set("request-id", id)
        } else {
            let id = Identifiers.uuid(using: &rng)
            requestID = id
            upstreamRequestID = nil
            fields.set("x-request-id", id)
        }
        fields.set("apim-request-id", apimRequestID)
        if let profile { fields.set("x-ms-region", profile.region) }
        // Azure answers "Not-Set" when the caller sent no id.
        fields.set("x-ms-client-request-id", clientRequestID ?? "Not-Set")
        if !anthropic, let profile {
            fields.set("x-ms-deployment-name", profile.deployment)
            if reachedModel {
                fields.set("azureml-model-session", profile.modelSession)
                fields.set("x-ms-served-model", profile.model)
            }
            if let rateLimit {
                fields.set("x-ratelimit-limit-requests", String(profile.limits.requests))
                fields.set("x-ratelimit-limit-tokens", String(profile.limits.tokens))
                fields.set("x-ratelimit-remaining-requests", String(rateLimit.remainingRequests))
                fields.set("x-ratelimit-remaining-tokens", String(rateLimit.remainingTokens))
            }
        }
        self.fields = fields
    }
}
