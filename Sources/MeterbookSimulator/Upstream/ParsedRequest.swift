/// The few things the simulator reads from an API request body.
struct ParsedRequest: Sendable {
    var model: String?
    var stream: Bool
    /// Chat: `stream_options.include_usage`.
    var includeUsage: Bool
    /// `max_output_tokens` / `max_completion_tokens` / `max_tokens`, whichever the API uses.
    var maxOutputTokens: Int?
    var bodyBytes: Int
    /// Picks the unicorn bedtime story.
    var mentionsUnicorn: Bool
    /// Embeddings: the inputs, as text (token arrays become their count in words).
    var embeddingInputs: [EmbeddingInput]
    /// Embeddings: `encoding_format`.
    var base64Embeddings: Bool

    struct EmbeddingInput: Sendable {
        var seedText: String
        var tokens: Int
    }

    /// Reads `body`; nil when it is not a JSON object.
    init?(body: [UInt8], api: APIRoute.API) {
        guard let json = JSONValue.parse(body), case .object = json else { return nil }
        self.model = json["model"]?.stringValue
        self.bodyBytes = body.count
        self.stream = api != .embeddings && json["stream"]?.boolValue == true
        self.includeUsage = json["stream_options"]?["include_usage"]?.boolValue == true
        switch api {
        case .responses: self.maxOutputTokens = json["max_output_tokens"]?.intValue
        case .chatCompletions: self.maxOutputTokens = json["max_completion_tokens"]?.intValue ?? json["max_tokens"]?.intValue
        case .messages: self.maxOutputTokens = json["max_tokens"]?.intValue
        case .embeddings: self.maxOutputTokens = nil
        }
        self.mentionsUnicorn = String(decoding: body, as: UTF8.self).lowercased().contains("unicorn")
        self.base64Embeddings = json["encoding_format"]?.stringValue == "base64"
        self.embeddingInputs = ParsedRequest.embeddingInputs(json["input"])
    }

    private static func embeddingInputs(_ input: JSONValue?) -> [EmbeddingInput] {
        func one(_ value: JSONValue) -> EmbeddingInput {
            switch value {
            case .string(let text):
                return EmbeddingInput(seedText: text, tokens: max(1, (text.utf8.count + 3) / 4))
            case .array(let tokens):
                return EmbeddingInput(seedText: "tokens:\(tokens.count)", tokens: max(1, tokens.count))
            default:
                return EmbeddingInput(seedText: "", tokens: 1)
            }
        }
        guard let input else { return [one(.string(""))] }
        if case .array(let items) = input, let first = items.first {
            // A list of strings or of token arrays is several inputs; a list of numbers is one tokenized input.
            if case .number = first { return [one(input)] }
            return items.map(one)
        }
        return [one(input)]
    }
}
