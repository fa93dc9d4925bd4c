import Foundation

/// Numbers and JSON strings written straight into the buffer, without building a String per cell.
extension ByteSink {
    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    public func append(integer value: Int64) throws {
        // At most 20 bytes ("-9223372036854775808"): digits written backwards, then turned around in place.
        _ = try write(upTo: 20) { out in
            var magnitude = value.magnitude
            var count = 0
            repeat {
                out[count] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: magnitude % 10)
                magnitude /= 10
                count += 1
            } while magnitude > 0
            if value < 0 {
                out[count] = UInt8(ascii: "-")
                count += 1
            }
            var low = 0
            var high = count - 1
            while low < high {
                swap(&out[low], &out[high])
                low += 1
                high -= 1
            }
            return count
        }
    }

    /// JSON's `null`, without going through a String.
    public func appendNull() throws {
        _ = try write(upTo: 4) { out in
            out[0] = UInt8(ascii: "n")
            out[1] = UInt8(ascii: "u")
            out[2] = UInt8(ascii: "l")
            out[3] = UInt8(ascii: "l")
            return 4
        }
    }

    /// The shortest text that reads back as the same Double (`0.1`, `1e-05`): valid in JSON and CSV alike. The same
    /// text as `description`, written by the standard library straight into the buffer (no String per number).
    public func append(real value: Double) throws {
        guard value.isFinite else { return try appendNull() }
        var fits = true
        _ = try write(upTo: ASCIIStream.capacity) { out in
            var stream = ASCIIStream(out: out)
            value.write(to: &stream)
            fits = !stream.overflowed
            return fits ? stream.count : 0
        }
        if !fits { try append(value.description) }
    }

    /// A JSON string literal: quotes, backslashes and control characters escaped; UTF-8 passed through.
    public func append(jsonString bytes: UnsafeBufferPointer<UInt8>) throws {
        // One pass straight into the buffer (at worst every byte becomes \u00XX): runs with nothing to escape, found
        // 16 bytes at a time, are copied whole.
        let written = try write(upTo: 6 * bytes.count + 2) { out in
            out[0] = 0x22
            var position = 1
            var runStart = 0
            while true {
                let index = ByteScan.firstIndex(in: bytes, from: runStart, where: ByteScan.needsJSONEscape)
                if index > runStart, let base = bytes.baseAddress {
                    (out + position).update(from: base + runStart, count: index - runStart)
                    position += index - runStart
                }
                guard index < bytes.count else { break }
                position += Self.writeEscape(bytes[index], to: out + position)
                runStart = index + 1
            }
            out[position] = 0x22
            return position + 1
        }
        if written { return }
        // Longer than the whole buffer: escape by runs through `append`.
        try append(UInt8(ascii: "\""))
        var runStart = 0
        var escape: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0, 0)
        while true {
            let index = ByteScan.firstIndex(in: bytes, from: runStart, where: ByteScan.needsJSONEscape)
            if index > runStart { try append(UnsafeBufferPointer(rebasing: bytes[runStart..<index])) }
            guard index < bytes.count else { break }
            try withUnsafeMutableBytes(of: &escape) { raw in
                let out = raw.baseAddress!.assumingMemoryBound(to: UInt8.self)
                try append(UnsafeBufferPointer(start: out, count: Self.writeEscape(bytes[index], to: out)))
            }
            runStart = index + 1
        }
        try append(UInt8(ascii: "\""))
    }

    /// Writes the JSON escape of one byte (2 or 6 bytes) and returns its length.
    @inline(__always)
    private static func writeEscape(_ byte: UInt8, to out: UnsafeMutablePointer<UInt8>) -> Int {
        out[0] = 0x5C
        switch byte {
        case 0x22, 0x5C:
            out[1] = byte
        case 0x0A:
            out[1] = UInt8(ascii: "n")
        case 0x0D:
            out[1] = UInt8(ascii: "r")
        case 0x09:
            out[1] = UInt8(ascii: "t")
        default:
            let hex = hexDigits
            out[1] = UInt8(ascii: "u")
            out[2] = 0x30
            out[3] = 0x30
            out[4] = hex[Int(byte >> 4)]
            out[5] = hex[Int(byte & 0xF)]
            return 6
        }
        return 2
    }

    public func append(jsonString text: String) throws {
        var text = text
        try text.withUTF8 { try append(jsonString: $0) }
    }
}

/// Receives the digits `Double.write(to:)` produces into a fixed buffer. The standard library hands them to
/// `_writeASCII` when a stream has it (no String made); `write(_:)` covers any other path.
private struct ASCIIStream: TextOutputStream {
    /// Longer than any shortest round-trip Double (24 bytes: `-2.2250738585072014e-308`).
    static let capacity = 32
    let out: UnsafeMutablePointer<UInt8>
    var count = 0
    var overflowed = false

    init(out: UnsafeMutablePointer<UInt8>) {
        self.out = out
    }

    mutating func _writeASCII(_ buffer: UnsafeBufferPointer<UInt8>) {
        guard let base = buffer.baseAddress, count + buffer.count <= Self.capacity else {
            overflowed = overflowed || !buffer.isEmpty
            return
        }
        (out + count).update(from: base, count: buffer.count)
        count += buffer.count
    }

    mutating func write(_ string: String) {
        var string = string
        string.withUTF8 { _writeASCII($0) }
    }
}

/// Finds the first byte of interest in text 8 bytes at a time (SWAR: bit tricks on 64-bit words), so the common
/// cell, an id or a name with nothing to quote or escape, is scanned cheaply and copied whole. Each predicate
/// returns a word with the high bit of every flagged byte set; bytes after a flagged one may be flagged wrongly
/// (a borrow runs on), so only the lowest flag is used, and it is exact.
package enum ByteScan {
    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let highs: UInt64 = 0x8080_8080_8080_8080

    @inline(__always)
    private static func equal(_ word: UInt64, _ byte: UInt8) -> UInt64 {
        let diff = word ^ (ones &* UInt64(byte))
        return (diff &- ones) & ~diff & highs
    }

    @inline(__always)
    private static func below(_ word: UInt64, _ byte: UInt8) -> UInt64 {
        (word &- ones &* UInt64(byte)) & ~word & highs
    }

    /// A quote, a backslash or a control character: what a JSON string must escape.
    @inline(__always)
    static func needsJSONEscape(_ word: UInt64) -> UInt64 {
        below(word, 0x20) | equal(word, 0x22) | equal(word, 0x5C)
    }

    /// A comma, a quote, CR or LF: what makes a CSV field need quotes.
    @inline(__always)
    static func needsCSVQuotes(_ word: UInt64) -> UInt64 {
        equal(word, 0x2C) | equal(word, 0x22) | equal(word, 0x0A) | equal(word, 0x0D)
    }

    /// A backslash, tab, LF or CR (what PostgreSQL's COPY text format escapes), or NUL (which its text cannot hold).
    @inline(__always)
    package static func needsCopyEscape(_ word: UInt64) -> UInt64 {
        equal(word, 0x5C) | equal(word, 0x09) | equal(word, 0x0A) | equal(word, 0x0D) | equal(word, 0x00)
    }

    /// A quote: the one byte a quoted CSV field changes (doubled).
    @inline(__always)
    static func isQuote(_ word: UInt64) -> UInt64 {
        equal(word, 0x22)
    }

    /// The index of the first byte at or after `start` that `matches` flags, or `bytes.count`.
    @inline(__always)
    package static func firstIndex(in bytes: UnsafeBufferPointer<UInt8>, from start: Int, where matches: (UInt64) -> UInt64) -> Int {
        guard let base = bytes.baseAddress, start < bytes.count else { return bytes.count }
        let raw = UnsafeRawPointer(base)
        var index = start
        while index + 8 <= bytes.count {
            let flags = matches(UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)))
            if flags != 0 { return index + flags.trailingZeroBitCount / 8 }
            index += 8
        }
        // The last few bytes, in a word padded with a byte no predicate flags.
        let remaining = bytes.count - index
        guard remaining > 0 else { return bytes.count }
        var word: UInt64 = 0x4141_4141_4141_4141
        withUnsafeMutableBytes(of: &word) { $0.baseAddress!.copyMemory(from: raw + index, byteCount: remaining) }
        let flags = matches(UInt64(littleEndian: word))
        return flags == 0 ? bytes.count : min(bytes.count, index + flags.trailingZeroBitCount / 8)
    }
}
