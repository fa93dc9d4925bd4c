import Foundation

extension ChatStreamOptions {
    /// Whether `event` is the extra chunk that `stream_options.include_usage` adds before `[DONE]`: usage set
    /// (not null) and `choices` empty. Leaving it out gives the stream a caller gets when it did not ask for usage.
    ///
    /// A chunk that carries usage next to choices is not that extra chunk, so it is never matched.
    public static func isUsageChunk(_ event: SSEEvent) -> Bool {
        guard event.event == nil || event.event == "message" else { return false }
        guard let chunk = JSONReader(event.data) else { return false }
        let fields = chunk.members(["usage", "choices"], of: chunk.root)
        guard let usage = fields[0], chunk.kind(usage) != .null else { return false }
        guard let choices = fields[1] else { return true }
        return chunk.kind(choices) == .array && !chunk.isNonEmptyArray(choices)
    }
}
