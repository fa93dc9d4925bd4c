import Foundation
import GRDB

/// One NDJSON line of an archive (the export's encoding, keyed by column name) turned back into values.
///
/// Lines are read by a scanner made for what the export writes (a flat object of strings, numbers and nulls, with
/// `tags` embedded as an object, kept as its text): JSONSerialization and a GRDB row per line made reading an
/// archive cost about 120 µs per attempt. Anything else in a line goes through JSONSerialization.
struct ArchiveLine {
    /// Columns stored as REAL: a JSON number there is always a Double, elsewhere an integer.
    static let realColumns: Set<String> = ["latency_ms", "ttfb_ms", "ttft_ms", "dns_ms", "connect_ms", "tls_ms", "cost_usd"]

    let values: [String: DatabaseValue]

    init(_ bytes: UnsafeBufferPointer<UInt8>, path: String) throws {
        values = try Self.scannedValues(bytes) ?? Self.foundationValues(bytes, path: path)
    }

    /// The line's values as the export wrote them; nil for a line it would not have written.
    static func scannedValues(_ bytes: UnsafeBufferPointer<UInt8>) -> [String: DatabaseValue]? {
        var scanner = Scanner(bytes)
        return scanner.object()
    }

    /// The line's values through JSONSerialization (any JSON object).
    static func foundationValues(_ bytes: UnsafeBufferPointer<UInt8>, path: String) throws -> [String: DatabaseValue] {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(buffer: bytes))
        } catch {
            throw ArchiveError(.corrupt, "The archive \(path) holds a line that is not JSON: run meterbook archive verify.")
        }
        guard let dictionary = object as? [String: Any] else {
            throw ArchiveError(.corrupt, "The archive \(path) holds a line that is not a JSON object: run meterbook archive verify.")
        }
        var values: [String: DatabaseValue] = [:]
        for (key, value) in dictionary {
            values[key] = Self.databaseValue(value, real: Self.realColumns.contains(key))
        }
        return values
    }

    private static func databaseValue(_ value: Any, real: Bool) -> DatabaseValue {
        switch value {
        case is NSNull: return .null
        case let text as String: return text.databaseValue
        case let number as NSNumber:
            if real { return number.doubleValue.databaseValue }
            return integral(number.doubleValue) ?? number.doubleValue.databaseValue
        case let object as [String: Any]:
            // tags: back to the stored form, a JSON object with sorted keys.
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
            return String(decoding: data, as: UTF8.self).databaseValue
        default: return .null
        }
    }

    /// A whole number as an integer (what the column held), when it is one.
    private static func integral(_ number: Double) -> DatabaseValue? {
        guard number.rounded() == number, abs(number) < 9e15 else { return nil }
        return Int64(number).databaseValue
    }

    var record: AttemptRecord {
        AttemptRecord(columns: Columns(values: values))
    }

    var startedAt: Int64 { Int64.fromDatabaseValue(values["started_at"] ?? .null) ?? 0 }

    private struct Columns: AttemptColumnValues {
        let values: [String: DatabaseValue]
        subscript<Value: DatabaseValueConvertible>(_ column: String) -> Value? {
            values[column].flatMap { Value.fromDatabaseValue($0) }
        }
    }

    /// Reads one line as the export writes it; nil for anything else (the caller then asks JSONSerialization).
    private struct Scanner {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0

        init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

        mutating func object() -> [String: DatabaseValue]? {
            var values: [String: DatabaseValue] = [:]
            values.reserveCapacity(48)
            guard next() == UInt8(ascii: "{") else { return nil }
            if peek() == UInt8(ascii: "}") { index += 1; return end() ? values : nil }
            while true {
                guard next() == UInt8(ascii: "\""), let key = string(), next() == UInt8(ascii: ":"), let value = value(real: ArchiveLine.realColumns.contains(key)) else {
                    return nil
                }
                values[key] = value
                switch next() {
                case UInt8(ascii: ","): continue
                case UInt8(ascii: "}"): return end() ? values : nil
                default: return nil
                }
            }
        }

        private mutating func value(real: Bool) -> DatabaseValue? {
            skipSpace()
            guard let first = peek() else { return nil }
            switch first {
            case UInt8(ascii: "\""):
                index += 1
                return string()?.databaseValue
            case UInt8(ascii: "n"):
                guard literal("null") else { return nil }
                return .null
            case UInt8(ascii: "{"):
                // tags: the object's text as written, which is the stored text.
                let start = index
                guard skipObject() else { return nil }
                return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self).databaseValue
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                return number(real: real)
            default:
                return nil
            }
        }

        /// The rest of a string whose opening quote was read.
        private mutating func string() -> String? {
            let start = index
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") {
                    defer { index += 1 }
                    return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
                }
                if byte == UInt8(ascii: "\\") {
                    index = start
                    return escapedString()
                }
                index += 1
            }
            return nil
        }

        private mutating func escapedString() -> String? {
            var decoded: [UInt8] = []
            var pendingHigh: UInt32?
            while index < bytes.count {
                let byte = bytes[index]
                index += 1
                if byte == UInt8(ascii: "\"") {
                    return pendingHigh == nil ? String(decoding: decoded, as: UTF8.self) : nil
                }
                guard byte == UInt8(ascii: "\\") else { decoded.append(byte); continue }
                guard index < bytes.count else { return nil }
                let escape = bytes[index]
                index += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): decoded.append(escape)
                case UInt8(ascii: "b"): decoded.append(0x08)
                case UInt8(ascii: "f"): decoded.append(0x0C)
                case UInt8(ascii: "n"): decoded.append(0x0A)
                case UInt8(ascii: "r"): decoded.append(0x0D)
                case UInt8(ascii: "t"): decoded.append(0x09)
                case UInt8(ascii: "u"):
                    guard index + 4 <= bytes.count,
                          let unit = UInt32(String(decoding: UnsafeBufferPointer(rebasing: bytes[index..<index + 4]), as: UTF8.self), radix: 16) else { return nil }
                    index += 4
                    if (0xD800...0xDBFF).contains(unit) { pendingHigh = unit; continue }
                    var scalarValue = unit
                    if (0xDC00...0xDFFF).contains(unit) {
                        guard let high = pendingHigh else { return nil }
                        scalarValue = 0x10000 + ((high - 0xD800) << 10) + (unit - 0xDC00)
                        pendingHigh = nil
                    }
                    guard let scalar = Unicode.Scalar(scalarValue) else { return nil }
                    decoded.append(contentsOf: Array(String(Character(scalar)).utf8))
                    continue
                default: return nil
                }
                if pendingHigh != nil { return nil }
            }
            return nil
        }

        private mutating func number(real: Bool) -> DatabaseValue? {
            let start = index
            var whole = true
            while index < bytes.count {
                switch bytes[index] {
                case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "+"): index += 1
                case UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"): whole = false; index += 1
                default:
                    return parse(UnsafeBufferPointer(rebasing: bytes[start..<index]), whole: whole, real: real)
                }
            }
            return parse(UnsafeBufferPointer(rebasing: bytes[start..<index]), whole: whole, real: real)
        }

        private func parse(_ text: UnsafeBufferPointer<UInt8>, whole: Bool, real: Bool) -> DatabaseValue? {
            let string = String(decoding: text, as: UTF8.self)
            if whole, !real, let integer = Int64(string), abs(integer) < 9_000_000_000_000_000 { return integer.databaseValue }
            guard let double = Double(string) else { return nil }
            return real ? double.databaseValue : (ArchiveLine.integral(double) ?? double.databaseValue)
        }

        /// Past a whole object (strings inside may hold braces).
        private mutating func skipObject() -> Bool {
            var depth = 0
            while index < bytes.count {
                let byte = bytes[index]
                index += 1
                switch byte {
                case UInt8(ascii: "{"): depth += 1
                case UInt8(ascii: "}"):
                    depth -= 1
                    if depth == 0 { return true }
                case UInt8(ascii: "\""):
                    while index < bytes.count, bytes[index] != UInt8(ascii: "\"") {
                        index += bytes[index] == UInt8(ascii: "\\") ? 2 : 1
                    }
                    index += 1
                default: break
                }
            }
            return false
        }

        private mutating func literal(_ word: StaticString) -> Bool {
            let count = word.utf8CodeUnitCount
            guard index + count <= bytes.count else { return false }
            for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] { return false }
            index += count
            return true
        }

        private func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }

        private mutating func skipSpace() {
            while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x09 || bytes[index] == 0x0A || bytes[index] == 0x0D { index += 1 }
        }

        /// The next byte that is not white space.
        private mutating func next() -> UInt8? {
            skipSpace()
            guard index < bytes.count else { return nil }
            defer { index += 1 }
            return bytes[index]
        }

        /// Nothing but white space left.
        private mutating func end() -> Bool {
            skipSpace()
            return index == bytes.count
        }
    }
}
