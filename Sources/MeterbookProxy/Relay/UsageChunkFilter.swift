import Foundation
import Meterbook

/// Removes the usage chunk the proxy asked for (`stream_options.include_usage`) from a Chat Completions
/// stream, so the client gets the stream it asked for. Every other event passes through byte for byte,
/// each as soon as its closing blank line has arrived. A value type with no I/O.
struct UsageChunkFilter: Sendable {
    private static let lf = UInt8(ascii: "\n")
    private static let cr = UInt8(ascii: "\r")

    /// The bytes of the event not yet complete.
    private var event: [UInt8] = []
    private var lineIsEmpty = true
    private var lastWasCR = false
    /// The last event ended with a CR on its blank line: an LF right after it still belongs to that event.
    private var lfMayFollow = false
    private var lastEventRemoved = false
    /// Usage chunks removed so far.
    private(set) var removed = 0

    /// Takes a chunk from upstream; returns the bytes that can go to the client now.
    mutating func feed(_ chunk: Data) -> Data {
        var output = Data()
        chunk.withUnsafeBytes { raw in
            for byte in raw { take(byte, into: &output) }
        }
        return output
    }

    private mutating func take(_ byte: UInt8, into output: inout Data) {
        if lfMayFollow {
            lfMayFollow = false
            if byte == Self.lf {
                if !lastEventRemoved { output.append(byte) }
                return
            }
        }
        event.append(byte)
        if byte == Self.lf, lastWasCR {
            // The LF of a CRLF: the CR already ended the line.
            lastWasCR = false
            return
        }
        guard byte == Self.lf || byte == Self.cr else {
            lastWasCR = false
            lineIsEmpty = false
            return
        }
        if lineIsEmpty {
            // A blank line: the event is complete.
            completeEvent(into: &output)
            lfMayFollow = byte == Self.cr
            lastWasCR = false
        } else {
            lineIsEmpty = true
            lastWasCR = byte == Self.cr
        }
    }

    /// The stream ended: what is left (an event without its blank line) goes out as it came, unless it is
    /// the usage chunk.
    mutating func finish() -> Data {
        lfMayFollow = false
        guard !event.isEmpty else { return Data() }
        var output = Data()
        completeEvent(into: &output)
        return output
    }

    /// Whether a `"usage"` key in the bytes is followed by anything but `null`.
    static func hasNonNullUsage(_ bytes: [UInt8]) -> Bool {
        let key: [UInt8] = Array(#""usage""#.utf8)
        let null: [UInt8] = Array("null".utf8)
        func matches(_ pattern: [UInt8], at start: Int) -> Bool {
            guard start + pattern.count <= bytes.count else { return false }
            for offset in 0..<pattern.count where bytes[start + offset] != pattern[offset] { return false }
            return true
        }
        var index = 0
        while index + key.count <= bytes.count {
            guard matches(key, at: index) else {
                index += 1
                continue
            }
            var cursor = index + key.count
            while cursor < bytes.count, bytes[cursor] == 0x20 || bytes[cursor] == 0x09 || bytes[cursor] == UInt8(ascii: ":") { cursor += 1 }
            if !matches(null, at: cursor) { return true }
            index = cursor
        }
        return false
    }

    private mutating func completeEvent(into output: inout Data) {
        defer {
            event.removeAll(keepingCapacity: true)
            lineIsEmpty = true
        }
        let bytes = Data(event)
        // Most events carry no usage at all, or `"usage":null`: pass them without parsing.
        if Self.hasNonNullUsage(event) {
            var parser = SSEParser()
            let events = parser.feed(bytes) + parser.finish()
            lastEventRemoved = events.count == 1 && ChatStreamOptions.isUsageChunk(events[0])
        } else {
            lastEventRemoved = false
        }
        if lastEventRemoved {
            removed += 1
        } else {
            output.append(bytes)
        }
    }
}
