/// Everything decided about one API attempt before its first byte is written.
struct AttemptPlan: Sendable {
    var index: Int
    var route: APIRoute
    var request: ParsedRequest
    var profile: DeploymentProfile
    var fault: SimulatedFault
    var usage: TokenUsage
    /// The reply text as streamed; joined, it is the non-streaming text.
    var deltas: [String]
    /// `resp_...`, `chatcmpl-...` or `msg_01...`; unused for embeddings.
    var responseID: String
    /// Responses API output item id (`msg_...`).
    var itemID: String
    /// Unix seconds for `created` / `created_at`.
    var createdAt: Int

    var text: String { deltas.joined() }
}
