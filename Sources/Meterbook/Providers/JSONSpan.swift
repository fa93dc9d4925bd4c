import Foundation

/// Finds the raw bytes of a value inside a JSON document without re-serialising it,
/// so `usage_json` can keep the usage object exactly as the service sent it.
enum JSONSpan {
    /// The raw text of the value at `path` (object keys from the top), or nil when absent or malformed.
    static func rawValue(at path: [String], in data: Data) -> String? {
        guard let range = range(at: path, in: data) else { return nil }
        return String(decoding: data[data.startIndex + range.lowerBound..<data.startIndex + range.upperBound], as: UTF8.self)
    }

    /// The text of a raw JSON string value (as `rawValue` gives it); nil when it is not a string.
    static func decodedString(_ raw: String) -> String? {
        let utf8 = raw.utf8
        guard utf8.count >= 2, utf8.first == UInt8(ascii: "\""), utf8.last == UInt8(ascii: "\"") else { return nil }
        if !utf8.contains(UInt8(ascii: "\\")) { return String(raw.dropFirst().dropLast()) }
        return try? JSONDecoder().decode(String.self, from: Data(utf8))
    }

    /// The byte offsets (from `data.startIndex`) of the value at `path`.
    static func range(at path: [String], in data: Data) -> Range<Int>? {
        data.withUnsafeBytes { raw -> Range<Int>? in
            var scanner = Scanner(bytes: raw.bindMemory(to: UInt8.self))
            return scanner.find(path: path[...])
        }
    }

    private struct Scanner {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0

        init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

        mutating func find(path: ArraySlice<String>) -> Range<Int>? {
            skipWhitespace()
            guard let key = path.first else {
                let start = index
                guard skipValue() else { return nil }
                return start..<index
            }
            guard peek() == UInt8(ascii: "{") else { return nil }
            index += 1
            while true {
                skipWhitespace()
                if peek() == UInt8(ascii: "}") { return nil }
                guard let name = readString() else { return nil }
                skipWhitespace()
                guard peek() == UInt8(ascii: ":") else { return nil }
                index += 1
                skipWhitespace()
                if name == key { return find(path: path.dropFirst()) }
                guard skipValue() else { return nil }
                skipWhitespace()
                if peek() == UInt8(ascii: ",") { index += 1 } else { return nil }
            }
        }

        func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }

        mutating func skipWhitespace() {
            while let b = peek(), b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 { index += 1 }
        }

        /// Reads a string token and returns its contents; escapes are decoded only as far as key matching needs.
        mutating func readString() -> String? {
            guard peek() == UInt8(ascii: "\"") else { return nil }
            let start = index
            guard skipString() else { return nil }
            let inner = UnsafeBufferPointer(rebasing: bytes[start + 1..<index - 1])
            // Keys rarely hold escapes; a JSONDecoder per key was most of the cost of reading a request body.
            if !inner.contains(UInt8(ascii: "\\")) { return String(decoding: inner, as: UTF8.self) }
            let raw = Data(UnsafeBufferPointer(rebasing: bytes[start..<index]))
            return (try? JSONDecoder().decode(String.self, from: raw))
        }

        mutating func skipString() -> Bool {
            index += 1
            while let b = peek() {
                index += 1
                if b == UInt8(ascii: "\\") {
                    index += 1
                } else if b == UInt8(ascii: "\"") {
                    return true
                }
            }
            return false
        }

        mutating func skipValue() -> Bool {
            guard let b = peek() else { return false }
            switch b {
            case UInt8(ascii: "\""):
                return skipString()
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                var depth = 0
                while let c = peek() {
                    switch c {
                    case UInt8(ascii: "\""):
                        guard skipString() else { return false }
                        continue
                    case UInt8(ascii: "{"), UInt8(ascii: "["):
                        depth += 1
                    case UInt8(ascii: "}"), UInt8(ascii: "]"):
                        depth -= 1
                        if depth == 0 {
                            index += 1
                            return true
                        }
                    default:
                        break
                    }
                    index += 1
                }
                return false
            default:
                let start = index
                while let c = peek(), c != UInt8(ascii: ","), c != UInt8(ascii: "}"), c != UInt8(ascii: "]"),
                      c != 0x20, c != 0x0A, c != 0x0D, c != 0x09 {
                    index += 1
                }
                return index > start
            }
        }
    }
}
