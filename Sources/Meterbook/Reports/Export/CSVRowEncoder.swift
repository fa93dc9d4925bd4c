/// RFC 4180: fields separated by commas, records by CRLF, a field quoted when it holds a comma, quote, CR or LF,
/// quotes doubled inside. Text starting with `=`, `+`, `-`, `@` (or tab / CR, per OWASP) gets a leading `'` so a
/// spreadsheet shows it instead of evaluating it; numbers are written as numbers and never altered.
public struct CSVRowEncoder: RowEncoder {
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
        for byte in bytes where byte <= 0x2C {
            // Most bytes (letters, digits, - . : / {) are above 0x2C and skip this test.
            if byte == 0x2C || byte == 0x22 || byte == 0x0A || byte == 0x0D { return true }
        }
        return false
    }

    static func writeText(_ bytes: UnsafeBufferPointer<UInt8>, to sink: ByteSink) throws {
        let neutralise = bytes.first.map(isFormulaStart) ?? false
        let needsQuotes = needsQuotes(bytes)
        // The usual case, written in one pass into the buffer: at worst every byte doubles, plus quotes and the '.
        let written = try sink.write(upTo: 2 * bytes.count + 3) { out in
            var position = 0
            if needsQuotes { out[position] = 0x22; position += 1 }
            if neutralise { out[position] = 0x27; position += 1 }
            for byte in bytes {
                out[position] = byte
                position += 1
                if needsQuotes, byte == 0x22 {
                    out[position] = 0x22
                    position += 1
                }
            }
            if needsQuotes { out[position] = 0x22; position += 1 }
            return position
        }
        if written { return }
        if needsQuotes { try sink.append(UInt8(ascii: "\"")) }
        if neutralise { try sink.append(UInt8(ascii: "'")) }
        if needsQuotes {
            var runStart = 0
            for index in 0..<bytes.count where bytes[index] == UInt8(ascii: "\"") {
                try sink.append(UnsafeBufferPointer(rebasing: bytes[runStart...index]))
                try sink.append(UInt8(ascii: "\""))
                runStart = index + 1
            }
            if runStart < bytes.count { try sink.append(UnsafeBufferPointer(rebasing: bytes[runStart...])) }
            try sink.append(UInt8(ascii: "\""))
        } else {
            try sink.append(bytes)
        }
    }
}
