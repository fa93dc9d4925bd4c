import Foundation

/// One JSON document, checked once against the grammar and then read in place: members and elements are found
/// by skipping over bytes, and only the values asked for become Swift values.
///
/// Metering reads a handful of fields (id, model, usage, the first delta) out of bodies and stream events whose
/// bulk is generated text; building the whole object tree with `JSONSerialization` for that was the largest
/// single cost of a proxied call.
struct JSONReader {
    /// Where a value sits in the document: byte offsets from the start.
    typealias Span = Range<Int>

    enum Kind: Equatable {
        case object, array, string, number, bool, null
    }

    private let bytes: [UInt8]
    /// The top-level value.
    let root: Span

    /// Nil unless `data` is exactly one valid JSON value (RFC 8259; surrounding whitespace allowed).
    init?(_ data: Data) {
        self.init(bytes: [UInt8](data))
    }

    init?(_ text: String) {
        self.init(bytes: Array(text.utf8))
    }

    private init?(bytes: [UInt8]) {
        let end = bytes.withUnsafeBufferPointer { buffer -> Int? in
            var validator = Validator(bytes: buffer)
            return validator.validateDocument()
        }
        guard let end else { return nil }
        self.bytes = bytes
        var start = 0
        while Self.isWhitespace(bytes[start]) { start += 1 }
        root = start..<end
    }

    // MARK: Reading

    func kind(_ span: Span) -> Kind {
        switch bytes[span.lowerBound] {
        case UInt8(ascii: "{"): .object
        case UInt8(ascii: "["): .array
        case UInt8(ascii: "\""): .string
        case UInt8(ascii: "t"), UInt8(ascii: "f"): .bool
        case UInt8(ascii: "n"): .null
        default: .number
        }
    }

    /// The value of `key` in the object at `span` (the last one, as `JSONSerialization` keeps); nil when `span`
    /// is not an object or has no such member.
    func member(_ key: String, of span: Span) -> Span? {
        guard kind(span) == .object else { return nil }
        let wanted = [Array(key.utf8)]
        var found: Span?
        forEachMember(of: span) { name, value in
            if index(of: name, in: wanted) != nil { found = value }
        }
        return found
    }

    /// The values of several keys of the object at `span`, in the order of `keys`, found in one pass over it
    /// (each member lookup skips over every value before it, generated text included).
    func members(_ keys: [String], of span: Span) -> [Span?] {
        var found = [Span?](repeating: nil, count: keys.count)
        guard kind(span) == .object else { return found }
        let wanted = keys.map { Array($0.utf8) }
        forEachMember(of: span) { name, value in
            if let index = index(of: name, in: wanted) { found[index] = value }
        }
        return found
    }

    /// The raw text of the value at `path` (object keys from the top) in `data`: nil when absent, or when `data` is
    /// not valid JSON. Kept as sent, so `usage_json` stores the usage object exactly as the service wrote it.
    static func rawValue(at path: [String], in data: Data) -> String? {
        guard let reader = JSONReader(data), let span = reader.value(at: path) else { return nil }
        return reader.text(span)
    }

    /// The byte offsets (from `data.startIndex`) of the value at `path`; nil as for `rawValue`.
    static func range(at path: [String], in data: Data) -> Span? {
        JSONReader(data)?.value(at: path)
    }

    /// The value at a path of object keys from `span` (the root by default).
    func value(at path: String..., from span: Span? = nil) -> Span? {
        value(at: path, from: span)
    }

    func value(at path: [String], from span: Span? = nil) -> Span? {
        var current = span ?? root
        for key in path {
            guard let next = member(key, of: current) else { return nil }
            current = next
        }
        return current
    }

    /// The elements of the array at `span`; empty when it is not an array.
    func elements(of span: Span) -> [Span] {
        guard kind(span) == .array else { return [] }
        var result: [Span] = []
        var index = span.lowerBound + 1
        while true {
            index = skipWhitespace(from: index)
            if bytes[index] == UInt8(ascii: "]") { return result }
            let end = skipValue(from: index)
            result.append(index..<end)
            index = skipWhitespace(from: end)
            if bytes[index] == UInt8(ascii: ",") { index += 1 }
        }
    }

    /// The decoded text of a string value; a number's literal text; nil for anything else.
    func string(_ span: Span?) -> String? {
        guard let span else { return nil }
        switch kind(span) {
        case .string:
            let inner = span.lowerBound + 1..<span.upperBound - 1
            if !bytes[inner].contains(UInt8(ascii: "\\")) {
                return String(decoding: bytes[inner], as: UTF8.self)
            }
            return try? JSONDecoder().decode(String.self, from: Data(bytes[span]))
        case .number:
            return text(span)
        default:
            return nil
        }
    }

    /// Whether the value is a string with at least one character.
    func isNonEmptyString(_ span: Span?) -> Bool {
        guard let span, kind(span) == .string else { return false }
        return span.count > 2
    }

    /// Whether the value is an array with at least one element.
    func isNonEmptyArray(_ span: Span?) -> Bool {
        guard let span, kind(span) == .array else { return false }
        return bytes[skipWhitespace(from: span.lowerBound + 1)] != UInt8(ascii: "]")
    }

    /// The value exactly as it appears in the document.
    func text(_ span: Span) -> String {
        String(decoding: bytes[span], as: UTF8.self)
    }

    /// The object at `span` as `JSONSerialization` would give it; for the small objects (usage, errors) the
    /// existing readers take as dictionaries.
    func dictionary(_ span: Span?) -> [String: Any]? {
        guard let span, kind(span) == .object else { return nil }
        if let simple = simpleValue(span) as? [String: Any] { return simple }
        return (try? JSONSerialization.jsonObject(with: Data(bytes[span]))) as? [String: Any]
    }

    /// The value built directly when it holds only what usage and error objects hold: objects, arrays, integers
    /// of up to 18 digits, strings without escapes, booleans and nulls. Nil for anything else (fractions,
    /// exponents, escapes, big numbers), which `dictionary` leaves to `JSONSerialization`; for these values
    /// both give the same `Int`, `String`, `Bool` and `NSNull` leaves (tested).
    private func simpleValue(_ span: Span) -> Any? {
        switch kind(span) {
        case .object:
            var object: [String: Any] = [:]
            var simple = true
            forEachMember(of: span) { name, value in
                guard simple, !bytes[name].contains(UInt8(ascii: "\\")), let element = simpleValue(value) else {
                    simple = false
                    return
                }
                object[String(decoding: bytes[name], as: UTF8.self)] = element
            }
            return simple ? object : nil
        case .array:
            var array: [Any] = []
            for element in elements(of: span) {
                guard let value = simpleValue(element) else { return nil }
                array.append(value)
            }
            return array
        case .string:
            let inner = span.lowerBound + 1..<span.upperBound - 1
            return bytes[inner].contains(UInt8(ascii: "\\")) ? nil : String(decoding: bytes[inner], as: UTF8.self)
        case .number:
            let literal = bytes[span]
            let digits = literal.first == UInt8(ascii: "-") ? literal.dropFirst() : literal[...]
            guard digits.count <= 18, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
            let magnitude = digits.reduce(0) { $0 * 10 + Int($1 - 0x30) }
            return literal.first == UInt8(ascii: "-") ? -magnitude : magnitude
        case .bool:
            return bytes[span.lowerBound] == UInt8(ascii: "t")
        case .null:
            return NSNull()
        }
    }

    // MARK: Skipping (the document is valid, so no bounds or grammar checks)

    private func forEachMember(of span: Span, _ body: (Span, Span) -> Void) {
        var index = span.lowerBound + 1
        while true {
            index = skipWhitespace(from: index)
            if bytes[index] == UInt8(ascii: "}") { return }
            let nameEnd = skipString(from: index)
            let name = index + 1..<nameEnd - 1
            index = skipWhitespace(from: nameEnd) + 1  // the colon
            index = skipWhitespace(from: index)
            let valueEnd = skipValue(from: index)
            body(name, index..<valueEnd)
            index = skipWhitespace(from: valueEnd)
            if bytes[index] == UInt8(ascii: ",") { index += 1 }
        }
    }

    /// Which of `keys` a member name is: its raw bytes compared with each key of the same length, or, for a name
    /// with escapes, its decoded text. Runs for every member of every stream event.
    private func index(of name: Span, in keys: [[UInt8]]) -> Int? {
        if bytes[name].contains(UInt8(ascii: "\\")) {
            guard let decoded = string(name.lowerBound - 1..<name.upperBound + 1) else { return nil }
            return keys.firstIndex(of: Array(decoded.utf8))
        }
        return bytes.withUnsafeBufferPointer { all in
            keys.firstIndex { key in
                guard key.count == name.count else { return false }
                if key.isEmpty { return true }
                return key.withUnsafeBufferPointer { key in memcmp(all.baseAddress! + name.lowerBound, key.baseAddress!, key.count) == 0 }
            }
        }
    }

    private func skipWhitespace(from start: Int) -> Int {
        var index = start
        while index < bytes.count, Self.isWhitespace(bytes[index]) { index += 1 }
        return index
    }

    private func skipString(from start: Int) -> Int {
        var index = start + 1
        while true {
            switch bytes[index] {
            case UInt8(ascii: "\\"): index += 2
            case UInt8(ascii: "\""): return index + 1
            default: index += 1
            }
        }
    }

    private func skipValue(from start: Int) -> Int {
        switch bytes[start] {
        case UInt8(ascii: "\""):
            return skipString(from: start)
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            var depth = 0
            var index = start
            while true {
                switch bytes[index] {
                case UInt8(ascii: "\""):
                    index = skipString(from: index)
                    continue
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if depth == 0 { return index + 1 }
                default:
                    break
                }
                index += 1
            }
        default:
            var index = start
            while index < bytes.count, !Self.endsScalar(bytes[index]) { index += 1 }
            return index
        }
    }

    fileprivate static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }

    private static func endsScalar(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: ",") || byte == UInt8(ascii: "}") || byte == UInt8(ascii: "]") || isWhitespace(byte)
    }
}

// MARK: - Validation

extension JSONReader {
    /// Checks the grammar of RFC 8259 in one pass, without building anything.
    private struct Validator {
        /// As deep as `JSONSerialization` goes; also keeps the recursion off the end of the stack.
        static let maximumDepth = 512

        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0

        /// The end of the top-level value when the whole buffer is one value and whitespace.
        mutating func validateDocument() -> Int? {
            skipWhitespace()
            guard value(depth: 0) else { return nil }
            let end = index
            skipWhitespace()
            return index == bytes.count ? end : nil
        }

        private func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }

        private mutating func skipWhitespace() {
            while let byte = peek(), JSONReader.isWhitespace(byte) { index += 1 }
        }

        private mutating func value(depth: Int) -> Bool {
            guard depth < Self.maximumDepth, let byte = peek() else { return false }
            switch byte {
            case UInt8(ascii: "{"): return object(depth: depth + 1)
            case UInt8(ascii: "["): return array(depth: depth + 1)
            case UInt8(ascii: "\""): return string()
            case UInt8(ascii: "t"): return literal("true")
            case UInt8(ascii: "f"): return literal("false")
            case UInt8(ascii: "n"): return literal("null")
            default: return number()
            }
        }

        private mutating func object(depth: Int) -> Bool {
            index += 1
            skipWhitespace()
            if peek() == UInt8(ascii: "}") {
                index += 1
                return true
            }
            while true {
                skipWhitespace()
                if peek() == UInt8(ascii: "}") {  // after a comma: a trailing comma, which JSONSerialization accepts too
                    index += 1
                    return true
                }
                guard peek() == UInt8(ascii: "\""), string() else { return false }
                skipWhitespace()
                guard peek() == UInt8(ascii: ":") else { return false }
                index += 1
                skipWhitespace()
                guard value(depth: depth) else { return false }
                skipWhitespace()
                switch peek() {
                case UInt8(ascii: ","): index += 1
                case UInt8(ascii: "}"):
                    index += 1
                    return true
                default: return false
                }
            }
        }

        private mutating func array(depth: Int) -> Bool {
            index += 1
            skipWhitespace()
            if peek() == UInt8(ascii: "]") {
                index += 1
                return true
            }
            while true {
                skipWhitespace()
                if peek() == UInt8(ascii: "]") {  // after a comma: a trailing comma, as for objects
                    index += 1
                    return true
                }
                guard value(depth: depth) else { return false }
                skipWhitespace()
                switch peek() {
                case UInt8(ascii: ","): index += 1
                case UInt8(ascii: "]"):
                    index += 1
                    return true
                default: return false
                }
            }
        }

        private mutating func string() -> Bool {
            index += 1
            while let byte = peek() {
                index += 1
                switch byte {
                case UInt8(ascii: "\""):
                    return true
                case UInt8(ascii: "\\"):
                    guard let escaped = peek() else { return false }
                    index += 1
                    switch escaped {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
                         UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                        continue
                    case UInt8(ascii: "u"):
                        for _ in 0..<4 {
                            guard let digit = peek(), digit.isHexDigit else { return false }
                            index += 1
                        }
                    default:
                        return false
                    }
                case ..<0x20:
                    return false
                default:
                    continue
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

        private mutating func number() -> Bool {
            if peek() == UInt8(ascii: "-") { index += 1 }
            guard let first = peek() else { return false }
            switch first {
            case UInt8(ascii: "0"): index += 1
            case UInt8(ascii: "1")...UInt8(ascii: "9"): skipDigits()
            default: return false
            }
            if peek() == UInt8(ascii: ".") {
                index += 1
                guard skipDigits() else { return false }
            }
            if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
                index += 1
                if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { index += 1 }
                guard skipDigits() else { return false }
            }
            return true
        }

        @discardableResult
        private mutating func skipDigits() -> Bool {
            let start = index
            while let byte = peek(), byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") { index += 1 }
            return index > start
        }
    }
}

private extension UInt8 {
    var isHexDigit: Bool {
        (self >= UInt8(ascii: "0") && self <= UInt8(ascii: "9"))
            || (self >= UInt8(ascii: "a") && self <= UInt8(ascii: "f"))
            || (self >= UInt8(ascii: "A") && self <= UInt8(ascii: "F"))
    }
}
