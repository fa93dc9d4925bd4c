import Foundation

/// Pulls generated text out of bodies and stream events, for `meterbook call` and the demo.
public enum OutputText {
    public static func fromBody(_ body: Data, api: APIKind) -> String? {
        guard let object = JSONValue.object(body) else { return nil }
        switch api {
        case .chatCompletions:
            let choices = object["choices"] as? [[String: Any]]
            return (choices?.first?["message"] as? [String: Any])?["content"] as? String
        case .messages:
            let blocks = object["content"] as? [[String: Any]] ?? []
            let texts = blocks.compactMap { $0["type"] as? String == "text" ? $0["text"] as? String : nil }
            return texts.isEmpty ? nil : texts.joined()
        case .responses:
            if let text = object["output_text"] as? String { return text }
            let items = object["output"] as? [[String: Any]] ?? []
            let texts = items.flatMap { item in
                (item["content"] as? [[String: Any]] ?? []).compactMap { $0["type"] as? String == "output_text" ? $0["text"] as? String : nil }
            }
            return texts.isEmpty ? nil : texts.joined()
        default:
            return nil
        }
    }

    /// The text an event adds to the answer, if any.
    public static func delta(in event: SSEEvent, api: APIKind) -> String? {
        guard event.data != "[DONE]", let object = JSONValue.object(event.data) else { return nil }
        switch api {
        case .chatCompletions:
            let choices = object["choices"] as? [[String: Any]]
            return (choices?.first?["delta"] as? [String: Any])?["content"] as? String
        case .messages:
            guard object["type"] as? String == "content_block_delta" else { return nil }
            return (object["delta"] as? [String: Any])?["text"] as? String
        case .responses:
            guard object["type"] as? String == "response.output_text.delta" else { return nil }
            return object["delta"] as? String
        default:
            return nil
        }
    }
}
