/// One JSON object per line, keys in column order. The `tags` column, stored as a JSON object, is embedded as an
/// object (not a string) so `jq '.tags.app'` works; every other text is a JSON string.
public struct NDJSONRowEncoder: RowEncoder {
    private var keys: [[UInt8]] = []
    private var objectColumns: Set<Int> = []
    private var column = 0

    public init() {}

    public mutating func begin(columns: [String], sink: ByteSink) throws {
        keys = columns.enumerated().map { index, name in
            Array(((index == 0 ? "{" : ",") + "\"" + name + "\":").utf8)
        }
        objectColumns = Set(columns.indices.filter { columns[$0] == "tags" })
    }

    public mutating func beginRow(sink: ByteSink) throws {
        column = 0
    }

    public mutating func cell(_ value: CellValue, sink: ByteSink) throws {
        try sink.append(keys[column])
        switch value {
        case .null: try sink.append("null")
        case .integer(let number): try sink.append(integer: number)
        case .real(let number): try sink.append(real: number)
        case .text(let bytes):
            if objectColumns.contains(column), Self.isObject(bytes) {
                try sink.append(bytes)
            } else {
                try sink.append(jsonString: bytes)
            }
        }
        column += 1
    }

    public mutating func endRow(sink: ByteSink) throws {
        try sink.append(column == 0 ? "{}\n" : "}\n")
    }

    /// Meterbook writes `tags` with JSONSerialization, so braces at both ends and no newline mean a JSON object.
    static func isObject(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        bytes.count >= 2 && bytes.first == UInt8(ascii: "{") && bytes.last == UInt8(ascii: "}") && !bytes.contains(0x0A)
    }
}
