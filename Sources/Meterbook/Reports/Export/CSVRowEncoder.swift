/// RFC 4180: fields separated by commas, records by CRLF, a field quoted when it holds a comma, quote, CR or LF,
/// quotes doubled inside. Text starting with `=`, `+`, `-`, `@` (or tab / CR, per OWASP) gets a leading `'` so a
/// spreadsheet shows it instead of evaluating it; numbers are written as numbers and never altered.
public struct CSVRowEncoder: RowEncoder, Sendable {
    private var column = 0

    public init() {}

    public mutating func begin(columns: [String], sink: ByteSink) throws {
        try beginRow(sink: sink)
        for name in columns { try cell(text: name, sink: sink) }
        try endRow(sink: sink)
    }

    public mutating func beginRow(sink: ByteSink) throws {
        column = 0
    }

    public mutating func cell(_ value: CellValue, sink: ByteSink) throws {
        if column > 0 { try sink.append(UInt8(ascii: ",")) }
        column += 1
        switch value {
        case .null: break
        case .integer(let number): try sink.append(integer: number)
        case .real(let number): try sink.append(real: number)
        case .text(let bytes): try Self.writeText(bytes, to: sink)
        }
    }

    public mutating func endRow(sink: ByteSink) throws {
        try sink.append(UInt8(ascii: "\r"))
        try sink.append(UInt8(ascii: "\n"))
    }

    /// Whether a spreadsheet would treat a cell starting with this byte as a formula.
    static func isFormulaStart(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "=") || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "@")
            || byte == 0x09 || byte == 0x0D
    }

    /// Whether a field must be quoted: it holds a comma, a quote, CR or LF.
    @inline(__always)
    static func needsQuotes(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        ByteScan.firstIndex(in: bytes, from: 0, where: ByteScan.needsCSVQuotes) < bytes.count
    }

    static func writeText(_ bytes: UnsafeBufferPointer<UInt8>, to sink: ByteSink) throws {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        let neutralise = isFormulaStart(bytes[0])
        if !needsQuotes(bytes) {
            // The usual cell (an id, a name, a path): copied whole.
            if neutralise { try sink.append(UInt8(ascii: "'")) }
            return try sink.append(bytes)
        }
        // Quoted, in one pass straight into the buffer: at worst every byte doubles, plus quotes and the '.
        let written = try sink.write(upTo: 2 * bytes.count + 3) { out in
            out[0] = 0x22
            var position = 1
            if neutralise { out[position] = 0x27; position += 1 }
            var runStart = 0
            while true {
                // Each run ends just after a quote, which is then written once more.
                let quote = ByteScan.firstIndex(in: bytes, from: runStart, where: ByteScan.isQuote)
                let end = min(quote + 1, bytes.count)
                (out + position).update(from: base + runStart, count: end - runStart)
                position += end - runStart
                guard quote < bytes.count else { break }
                out[position] = 0x22
                position += 1
                runStart = end
            }
            out[position] = 0x22
            return position + 1
        }
        if written { return }
        // Longer than the whole buffer: by runs through `append`.
        try sink.append(UInt8(ascii: "\""))
        if neutralise { try sink.append(UInt8(ascii: "'")) }
        var runStart = 0
        while true {
            let quote = ByteScan.firstIndex(in: bytes, from: runStart, where: ByteScan.isQuote)
            let end = min(quote + 1, bytes.count)
            try sink.append(UnsafeBufferPointer(rebasing: bytes[runStart..<end]))
            guard quote < bytes.count else { break }
            try sink.append(UInt8(ascii: "\""))
            runStart = end
        }
        try sink.append(UInt8(ascii: "\""))
    }
}
