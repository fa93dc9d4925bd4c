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
    ///
    /// Bytes are copied by the run, not one at a time: each complete event is a slice of the chunk (after any
    /// held start of it from earlier chunks), and only the tail of an unfinished event is held back.
    mutating func feed(_ chunk: Data) -> Data {
        var output = Data()
        chunk.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            let bytes = raw.bindMemory(to: UInt8.self)
            var eventStart = 0
            var index = 0
            while index < bytes.count {
                let byte = bytes[index]
                if lfMayFollow {
                    lfMayFollow = false
                    if byte == Self.lf {
                        // The LF of the last event's CRLF blank line.
                        if !lastEventRemoved { output.append(byte) }
                        index += 1
                        eventStart = index
                        continue
                    }
                }
                guard byte == Self.lf || byte == Self.cr else {
                    lastWasCR = false
                    lineIsEmpty = false
                    index += 1
                    continue
                }
                if byte == Self.lf, lastWasCR {
                    // The LF of a CRLF: the CR already ended the line.
                    lastWasCR = false
                } else if lineIsEmpty {
                    // A blank line: the event is complete.
                    completeEvent(UnsafeBufferPointer(rebasing: bytes[eventStart...index]), into: &output)
                    eventStart = index + 1
                    lfMayFollow = byte == Self.cr
                    lastWasCR = false
                } else {
                    lineIsEmpty = true
                    lastWasCR = byte == Self.cr
                }
                index += 1
            }
            if eventStart < bytes.count { event.append(contentsOf: bytes[eventStart...]) }
        }
        return output
    }

    /// The stream ended: what is left (an event without its blank line) goes out as it came, unless it is
    /// the usage chunk.
    mutating func finish() -> Data {
        lfMayFollow = false
        guard !event.isEmpty else { return Data() }
        var output = Data()
        completeEvent(UnsafeBufferPointer(start: nil, count: 0), into: &output)
        return output
    }

    /// Whether a `"usage"` key in the bytes is followed by anything but `null`.
    static func hasNonNullUsage(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBufferPointer(hasNonNullUsage)
    }

    static func hasNonNullUsage(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let key: StaticString = #""usage""#
        let null: StaticString = "null"
        func matches(_ pattern: StaticString, at start: Int) -> Bool {
            guard start + pattern.utf8CodeUnitCount <= bytes.count else { return false }
            for offset in 0..<pattern.utf8CodeUnitCount where bytes[start + offset] != pattern.utf8Start[offset] { return false }
            return true
        }
        var index = 0
        while index + key.utf8CodeUnitCount <= bytes.count {
            guard bytes[index] == UInt8(ascii: "\""), matches(key, at: index) else {
                index += 1
                continue
            }
            var cursor = index + key.utf8CodeUnitCount
            while cursor < bytes.count, bytes[cursor] == 0x20 || bytes[cursor] == 0x09 || bytes[cursor] == UInt8(ascii: ":") { cursor += 1 }
            if !matches(null, at: cursor) { return true }
            index = cursor
        }
        return false
    }

    /// Ends the event made of the held bytes followed by `last`, the rest of it in the current chunk.
    private mutating func completeEvent(_ last: UnsafeBufferPointer<UInt8>, into output: inout Data) {
        defer {
            event.removeAll(keepingCapacity: true)
            lineIsEmpty = true
        }
        if !event.isEmpty { event.append(contentsOf: last) }
        let whole = event.isEmpty ? last : nil
        // Most events carry no usage at all, or `"usage":null`: pass them without parsing.
        let mayBeUsage = whole.map(Self.hasNonNullUsage) ?? Self.hasNonNullUsage(event)
        if mayBeUsage {
            var parser = SSEParser()
            let bytes = whole.map { Data(buffer: $0) } ?? Data(event)
            let events = parser.feed(bytes) + parser.finish()
            lastEventRemoved = events.count == 1 && ChatStreamOptions.isUsageChunk(events[0])
        } else {
            lastEventRemoved = false
        }
        if lastEventRemoved {
            removed += 1
        } else if let whole {
            output.append(whole)
        } else {
            output.append(contentsOf: event)
        }
    }
}
