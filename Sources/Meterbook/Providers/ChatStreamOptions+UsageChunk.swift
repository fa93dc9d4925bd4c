import Foundation

extension ChatStreamOptions {
    /// Whether `event` is the extra chunk that `stream_options.include_usage` adds before `[DONE]`: usage set
    /// (not null) and `choices` empty. Leaving it out gives the stream a caller gets when it did not ask for usage.
    ///
    /// A chunk that carries usage next to choices is not that extra chunk, so it is never matched.
    public static func isUsageChunk(_ event: SSEEvent) -> Bool {
        guard event.event == nil || event.event == "message" else { return false }
        let data = Data(event.data.utf8)
        guard let usage = JSONSpan.rawValue(at: ["usage"], in: data), usage != "null" else { return false }
        guard let choices = JSONSpan.rawValue(at: ["choices"], in: data) else { return true }
        return choices.filter { !$0.isWhitespace } == "[]"
    }
}
