/// Numbers and JSON strings written straight into the buffer, without building a String per cell.
extension ByteSink {
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
                let hex: [UInt8] = Array("0123456789abcdef".utf8)
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
