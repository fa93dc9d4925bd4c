/// The operation an attempt performed, as stored in the `api` column.
public enum APIKind: String, Sendable, Codable, CaseIterable {
    case responses = "responses"
    case chatCompletions = "chat.completions"
    case embeddings = "embeddings"
    case messages = "messages"
    case messagesCountTokens = "messages.count_tokens"
    case responsesRetrieve = "responses.retrieve"
    case responsesCancel = "responses.cancel"
    case responsesDelete = "responses.delete"
    case other = "other"

    /// The path suffix after the API root (`/openai/v1`, `/openai/deployments/NAME`, `/anthropic/v1`).
    var pathSuffix: String {
        switch self {
        case .responses: return "/responses"
        case .chatCompletions: return "/chat/completions"
        case .embeddings: return "/embeddings"
        case .messages: return "/messages"
        case .messagesCountTokens: return "/messages/count_tokens"
        case .responsesRetrieve, .responsesCancel, .responsesDelete, .other: return ""
        }
    }
}
