/// One JSON object per line, keys in column order. The `tags` column, stored as a JSON object, is embedded as an
/// object (not a string) so `jq '.tags.app'` works; every other text is a JSON string.
public struct NDJSONRowEncoder: RowEncoder, Sendable {
    /// Every column's `,"name":` prefix in one buffer (the first with `{`), sliced by `keyRanges`: an export
    /// writes one per cell, and one flat buffer costs no reference counting per cell.
    private var keyBytes: [UInt8] = []
    private var keyRanges: [Range<Int>] = []
    private var objectColumns: [Bool] = []
    private var column = 0

    public init() {}

    public mutating func begin(columns: [String], sink: ByteSink) throws {
        keyBytes = []
        keyRanges = []
        for (index, name) in columns.enumerated() {
            let start = keyBytes.count
            keyBytes.append(contentsOf: ((index == 0 ? "{" : ",") + "\"" + name + "\":").utf8)
            keyRanges.append(start..<keyBytes.count)
        }
        objectColumns = columns.map { $0 == "tags" }
    }

    public mutating func beginRow(sink: ByteSink) throws {
        column = 0
    }

    public mutating func cell(_ value: CellValue, sink: ByteSink) throws {
        let range = keyRanges[column]
        try keyBytes.withUnsafeBufferPointer { try sink.append(UnsafeBufferPointer(rebasing: $0[range])) }
        switch value {
        case .null: try sink.appendNull()
        case .integer(let number): try sink.append(integer: number)
        case .real(let number): try sink.append(real: number)
        case .text(let bytes):
            if objectColumns[column], Self.isObject(bytes) {
                try sink.append(bytes)
            } else {
                try sink.append(jsonString: bytes)
            }
        }
        column += 1
    }

    public mutating func endRow(sink: ByteSink) throws {
        if column == 0 { try sink.append(UInt8(ascii: "{")) }
        try sink.append(UInt8(ascii: "}"))
        try sink.append(UInt8(ascii: "\n"))
    }

    /// Meterbook writes `tags` with JSONSerialization, so braces at both ends and no newline mean a JSON object.
    static func isObject(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        bytes.count >= 2 && bytes.first == UInt8(ascii: "{") && bytes.last == UInt8(ascii: "}") && !bytes.contains(0x0A)
    }
}
