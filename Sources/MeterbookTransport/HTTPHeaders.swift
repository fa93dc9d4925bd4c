/// An ordered list of HTTP header fields with case-insensitive lookup.
///
/// Order and duplicates are kept because a proxy must forward headers as it got them.
public struct HTTPHeaders: Sendable, Equatable, Sequence, ExpressibleByDictionaryLiteral {
    public struct Field: Sendable, Equatable {
        public var name: String
        public var value: String
        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    public private(set) var fields: [Field]

    public init(_ fields: [Field] = []) {
        self.fields = fields
    }

    public init(dictionaryLiteral elements: (String, String)...) {
        self.fields = elements.map { Field(name: $0.0, value: $0.1) }
    }

    public var isEmpty: Bool { fields.isEmpty }

    /// The first value for `name`, compared case-insensitively.
    public subscript(name: String) -> String? {
        fields.first { Self.sameName($0.name, name) }?.value
    }

    /// All values for `name`, compared case-insensitively.
    public func values(for name: String) -> [String] {
        fields.filter { Self.sameName($0.name, name) }.map(\.value)
    }

    public func contains(_ name: String) -> Bool { self[name] != nil }

    public mutating func add(name: String, value: String) {
        fields.append(Field(name: name, value: value))
    }

    /// Replaces every field named `name` with one field holding `value`.
    public mutating func replaceOrAdd(name: String, value: String) {
        remove(name)
        add(name: name, value: value)
    }

    public mutating func remove(_ name: String) {
        fields.removeAll { Self.sameName($0.name, name) }
    }

    /// Removes every field whose lowercased name satisfies `predicate`.
    public mutating func removeAll(where predicate: (String) -> Bool) {
        fields.removeAll { predicate($0.name.lowercased()) }
    }

    public func makeIterator() -> IndexingIterator<[Field]> { fields.makeIterator() }

    /// Compares two field names case-insensitively: ASCII letters byte by byte, in place, without lowercased
    /// copies (this runs for every header of every attempt); names with non-ASCII bytes, which are not HTTP tokens,
    /// fall back to Unicode lowercasing.
    public static func sameName(_ a: String, _ b: String) -> Bool {
        let verdict = a.utf8.withContiguousStorageIfAvailable { left in
            b.utf8.withContiguousStorageIfAvailable { right in asciiVerdict(left, right) }
        }
        switch verdict ?? nil {
        case .some(.some(let same)): return same
        case .some(.none): return a.lowercased() == b.lowercased()
        case .none: return asciiVerdict(Array(a.utf8), Array(b.utf8)) ?? (a.lowercased() == b.lowercased())
        }
    }

    /// Whether two ASCII names match; nil when either has a non-ASCII byte.
    private static func asciiVerdict<Bytes: RandomAccessCollection<UInt8>>(_ left: Bytes, _ right: Bytes) -> Bool?
    where Bytes.Index == Int {
        if left.count == right.count {
            for (x, y) in zip(left, right) where !sameByte(x, y) {
                return x < 0x80 && y < 0x80 ? false : nil
            }
            return true
        }
        return left.allSatisfy({ $0 < 0x80 }) && right.allSatisfy({ $0 < 0x80 }) ? false : nil
    }

    private static func sameByte(_ x: UInt8, _ y: UInt8) -> Bool {
        x == y || (x | 0x20 == y | 0x20 && (0x61...0x7A).contains(x | 0x20))
    }
}
