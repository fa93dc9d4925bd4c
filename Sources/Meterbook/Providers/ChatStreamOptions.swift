import Foundation

/// A streamed Chat Completions request returns no usage unless it asks with `stream_options.include_usage`.
/// This is the one change Meterbook makes to a caller's body, done on the bytes so the rest stays as sent.
public enum ChatStreamOptions {
    /// Whether the body explicitly set `stream_options.include_usage` (to true or false).
    public static func hasIncludeUsage(_ body: Data) -> Bool {
        JSONReader.range(at: ["stream_options", "include_usage"], in: body) != nil
    }

    /// The body with `"include_usage":true` added when `stream_options.include_usage` is absent;
    /// unchanged when it is present (either value) or the body is not a JSON object.
    public static func ensuringIncludeUsage(_ body: Data) -> Data {
        guard let document = JSONReader(body), document.kind(document.root) == .object else { return body }
        let base = body.startIndex
        // Inserted right after an object's opening brace, with a comma when the object has members.
        func inserting(_ member: String, into object: JSONReader.Span) -> Data {
            let isEmpty = body[(base + object.lowerBound + 1)..<(base + object.upperBound - 1)].allSatisfy(isWhitespace)
            var result = body
            result.insert(contentsOf: Data((member + (isEmpty ? "" : ",")).utf8), at: base + object.lowerBound + 1)
            return result
        }
        guard let options = document.member("stream_options", of: document.root) else {
            return inserting("\"stream_options\":{\"include_usage\":true}", into: document.root)
        }
        guard document.kind(options) == .object, document.member("include_usage", of: options) == nil else { return body }
        return inserting("\"include_usage\":true", into: options)
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }
}
