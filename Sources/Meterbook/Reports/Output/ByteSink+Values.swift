/// Numbers and JSON strings written straight into the buffer, without building a String per cell.
extension ByteSink {
    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    public func append(integer value: Int64) throws {
        if value == 0 { return try append(UInt8(ascii: "0")) }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var magnitude = value.magnitude
        var count = 0
        try withUnsafeMutableBytes(of: &digits) { raw in
            while magnitude > 0 {
                raw[19 - count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                count += 1
            }
            if value < 0 { try append(UInt8(ascii: "-")) }
            try append(UnsafeBufferPointer(start: raw.baseAddress!.assumingMemoryBound(to: UInt8.self) + 20 - count, count: count))
        }
    }

    /// The shortest text that reads back as the same Double (`0.1`, `1e-05`): valid in JSON and CSV alike.
    public func append(real value: Double) throws {
        guard value.isFinite else { return try append("null") }
        try append(value.description)
    }

    /// A JSON string literal: quotes, backslashes and control characters escaped; UTF-8 passed through.
    public func append(jsonString bytes: UnsafeBufferPointer<UInt8>) throws {
        // One pass straight into the buffer; at worst every byte becomes \u00XX.
        let written = try write(upTo: 6 * bytes.count + 2) { out in
            var position = 0
            out[0] = 0x22
            position = 1
            for byte in bytes {
                if byte >= 0x20, byte != 0x22, byte != 0x5C {
                    out[position] = byte
                    position += 1
                    continue
                }
                out[position] = 0x5C
                switch byte {
                case 0x22, 0x5C:
                    out[position + 1] = byte
                    position += 2
                case 0x0A:
                    out[position + 1] = UInt8(ascii: "n")
                    position += 2
                case 0x0D:
                    out[position + 1] = UInt8(ascii: "r")
                    position += 2
                case 0x09:
                    out[position + 1] = UInt8(ascii: "t")
                    position += 2
                default:
                    let hex = Self.hexDigits
                    out[position + 1] = UInt8(ascii: "u")
                    out[position + 2] = 0x30
                    out[position + 3] = 0x30
                    out[position + 4] = hex[Int(byte >> 4)]
                    out[position + 5] = hex[Int(byte & 0xF)]
                    position += 6
                }
            }
            out[position] = 0x22
            return position + 1
        }
        if written { return }
        try append(UInt8(ascii: "\""))
        var runStart = 0
        for index in 0..<bytes.count {
            let byte = bytes[index]
            guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
            if index > runStart { try append(UnsafeBufferPointer(rebasing: bytes[runStart..<index])) }
            switch byte {
            case UInt8(ascii: "\""): try append("\\\"")
            case UInt8(ascii: "\\"): try append("\\\\")
            case 0x0A: try append("\\n")
            case 0x0D: try append("\\r")
            case 0x09: try append("\\t")
            default:
                let hex = Self.hexDigits
                try append([UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            }
            runStart = index + 1
        }
        if bytes.count > runStart { try append(UnsafeBufferPointer(rebasing: bytes[runStart..<bytes.count])) }
        try append(UInt8(ascii: "\""))
    }

    public func append(jsonString text: String) throws {
        var text = text
        try text.withUTF8 { try append(jsonString: $0) }
    }
}
