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

    /// Compares two field names case-insensitively. Names are ASCII tokens, compared byte by byte without
    /// lowercasing copies (a lookup runs for every header of every attempt); anything else falls back to
    /// `lowercased()`.
    public static func sameName(_ a: String, _ b: String) -> Bool {
        let left = a.utf8, right = b.utf8
        if left.count == right.count {
            var ascii = true
            for (x, y) in zip(left, right) {
                guard x < 0x80, y < 0x80 else {
                    ascii = false
                    break
                }
                if x != y, x | 0x20 != y | 0x20 || !(0x61...0x7A).contains(x | 0x20) { return false }
            }
            if ascii { return true }
        } else if left.allSatisfy({ $0 < 0x80 }), right.allSatisfy({ $0 < 0x80 }) {
            return false
        }
        return a.lowercased() == b.lowercased()
    }
}
