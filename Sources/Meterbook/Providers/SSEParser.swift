import Foundation

/// An incremental text/event-stream parser: feed bytes as they arrive, get complete events back.
///
/// Follows the WHATWG rules: lines end in CRLF, LF or CR (also when split across chunks),
/// `data:` lines join with "\n", one leading space after the colon is dropped, `:` lines are comments,
/// and a blank line dispatches the event.
public struct SSEParser: Sendable {
    private var line: [UInt8] = []
    private var lastByteWasCR = false
    private var eventName: String?
    private var dataLines: [String] = []
    private var hasData = false
    private var lastEventID: String?

    public init() {}

    public mutating func feed(_ bytes: Data) -> [SSEEvent] {
        var events: [SSEEvent] = []
        bytes.withUnsafeBytes { raw in
            var index = 0
            while index < raw.count {
                let byte = raw[index]
                if byte == UInt8(ascii: "\n") {
                    index += 1
                    if lastByteWasCR {
                        lastByteWasCR = false
                        continue
                    }
                    endLine(into: &events)
                } else if byte == UInt8(ascii: "\r") {
                    index += 1
                    lastByteWasCR = true
                    endLine(into: &events)
                } else {
                    // The rest of the line in one append: a byte at a time was most of the parser's cost.
                    lastByteWasCR = false
                    var end = index + 1
                    while end < raw.count, raw[end] != UInt8(ascii: "\n"), raw[end] != UInt8(ascii: "\r") { end += 1 }
                    line.append(contentsOf: raw[index..<end])
                    index = end
                }
            }
        }
        return events
    }

    /// Call at end of stream: an event that was not closed by a blank line is still delivered,
    /// because a service that drops the final blank line has still sent the event.
    public mutating func finish() -> [SSEEvent] {
        var events: [SSEEvent] = []
        if !line.isEmpty { endLine(into: &events) }
        if let event = dispatch() { events.append(event) }
        return events
    }

    private mutating func endLine(into events: inout [SSEEvent]) {
        defer { line.removeAll(keepingCapacity: true) }
        if line.isEmpty {
            if let event = dispatch() { events.append(event) }
            return
        }
        if line.first == UInt8(ascii: ":") { return }
        let field: String
        var value: String
        if let colon = line.firstIndex(of: UInt8(ascii: ":")) {
            field = String(decoding: line[..<colon], as: UTF8.self)
            var start = line.index(after: colon)
            if start < line.endIndex, line[start] == UInt8(ascii: " ") { start = line.index(after: start) }
            value = String(decoding: line[start...], as: UTF8.self)
        } else {
            field = String(decoding: line, as: UTF8.self)
            value = ""
        }
        switch field {
        case "event": eventName = value
        case "data":
            dataLines.append(value)
            hasData = true
        case "id":
            if !value.contains("\0") { lastEventID = value }
        default:
            value = ""  // `retry` and unknown fields are ignored
        }
    }

    private mutating func dispatch() -> SSEEvent? {
        defer {
            eventName = nil
            dataLines.removeAll(keepingCapacity: true)
            hasData = false
        }
        guard hasData else { return nil }
        return SSEEvent(event: eventName, data: dataLines.joined(separator: "\n"), id: lastEventID)
    }
}
