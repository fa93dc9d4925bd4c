import Foundation

/// A streamed Chat Completions request returns no usage unless it asks with `stream_options.include_usage`.
/// This is the one change Meterbook makes to a caller's body, done on the bytes so the rest stays as sent.
public enum ChatStreamOptions {
    /// Whether the body explicitly set `stream_options.include_usage` (to true or false).
    public static func hasIncludeUsage(_ body: Data) -> Bool {
        JSONSpan.range(at: ["stream_options", "include_usage"], in: body) != nil
    }

    /// The body with `"include_usage":true` added when `stream_options.include_usage` is absent;
    /// unchanged when it is present (either value) or the body is not a JSON object.
    public static func ensuringIncludeUsage(_ body: Data) -> Data {
        guard !hasIncludeUsage(body) else { return body }
        let base = body.startIndex
        if let options = JSONSpan.range(at: ["stream_options"], in: body) {
            guard body[base + options.lowerBound] == UInt8(ascii: "{") else { return body }
            let isEmptyObject = body[(base + options.lowerBound + 1)..<(base + options.upperBound - 1)]
                .allSatisfy(isWhitespace)
            var result = body
            result.insert(contentsOf: Data(("\"include_usage\":true" + (isEmptyObject ? "" : ",")).utf8), at: base + options.lowerBound + 1)
            return result
        }
        guard let open = body.firstIndex(where: { !isWhitespace($0) }),
              body[open] == UInt8(ascii: "{") else { return body }
        let hasMembers = body[(open + 1)...].contains { !isWhitespace($0) && $0 != UInt8(ascii: "}") }
        var result = body
        result.insert(contentsOf: Data(("\"stream_options\":{\"include_usage\":true}" + (hasMembers ? "," : "")).utf8), at: open + 1)
        return result
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }
}
