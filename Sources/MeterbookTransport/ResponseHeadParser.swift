/// Turns the header bytes libcurl reports into the final response head.
///
/// libcurl passes every header block it sees: interim `1xx` responses, the final
/// response, and trailers after the body. Each status line starts a new block, so
/// only the block ending with a final (>= 200) status produces a head; anything
/// after that (trailers) is ignored. Input may be split anywhere: bytes are
/// buffered until a line feed.
struct ResponseHeadParser {
    private var lineBuffer: [UInt8] = []
    private var status: Int?
    private var httpVersion = ""
    private var headers = HTTPHeaders()
    private(set) var isComplete = false

    /// Feeds header bytes and returns the head once the final header block has ended.
    mutating func feed<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> TransportHead? {
        var head: TransportHead?
        for byte in bytes where !isComplete {
            if byte == UInt8(ascii: "\n") {
                if let completed = processLine(lineBuffer) { head = completed }
                lineBuffer.removeAll(keepingCapacity: true)
            } else {
                lineBuffer.append(byte)
            }
        }
        return head
    }

    /// The head seen so far, for a transfer that ended without a blank line after its headers.
    func partialHead() -> TransportHead? {
        guard let status, !isComplete else { return nil }
        return TransportHead(status: status, headers: headers, httpVersion: httpVersion)
    }

    private mutating func processLine(_ raw: [UInt8]) -> TransportHead? {
        var line = raw[...]
        if line.last == UInt8(ascii: "\r") { line = line.dropLast() }

        if line.isEmpty {
            guard let status, status >= 200 else {
                // End of an interim block (or stray blank line): wait for the next status line.
                reset()
                return nil
            }
            isComplete = true
            return TransportHead(status: status, headers: headers, httpVersion: httpVersion)
        }

        // Bytes, not String: this runs for every header line of every response.
        if line.starts(with: Self.statusPrefix) {
            reset()
            parseStatusLine(String(decoding: line, as: UTF8.self))
            return nil
        }
        guard status != nil else { return nil }

        if let first = line.first, Self.isOWS(first) {
            // obs-fold: a continuation of the previous field's value.
            appendToLastField(Self.trimmingOWS(line))
            return nil
        }
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { return nil }
        let name = String(decoding: line[..<colon], as: UTF8.self)
        let value = Self.trimmingOWS(line[(colon + 1)...])
        headers.add(name: name, value: value)
        return nil
    }

    private static let statusPrefix = Array("HTTP/".utf8)

    private static func isOWS(_ byte: UInt8) -> Bool { byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }

    /// A header value without the optional whitespace (spaces and tabs) around it.
    private static func trimmingOWS(_ bytes: ArraySlice<UInt8>) -> String {
        guard let start = bytes.firstIndex(where: { !isOWS($0) }), let end = bytes.lastIndex(where: { !isOWS($0) }) else { return "" }
        return String(decoding: bytes[start...end], as: UTF8.self)
    }

    private mutating func parseStatusLine(_ text: String) {
        // "HTTP/1.1 200 OK", "HTTP/2 200 "
        let parts = text.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
        httpVersion = String(parts[0].dropFirst("HTTP/".count))
        status = parts.count > 1 ? Int(parts[1]) : nil
    }

    private mutating func appendToLastField(_ continuation: String) {
        guard let last = headers.fields.last else { return }
        var fields = headers.fields
        fields[fields.count - 1] = HTTPHeaders.Field(name: last.name, value: last.value + " " + continuation)
        headers = HTTPHeaders(fields)
    }

    private mutating func reset() {
        status = nil
        httpVersion = ""
        headers = HTTPHeaders()
    }
}
