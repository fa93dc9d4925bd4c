import Meterbook

/// A JSON value that keeps object keys in the order they were written.
///
/// The simulator builds every response body with this instead of `JSONEncoder`, because
/// the wire formats are compared byte for byte and `JSONEncoder` neither keeps key order
/// nor writes `null` for absent optionals.
indirect enum JSON: Sendable {
    case object([(String, JSON)])
    case array([JSON])
    case string(String)
    case int(Int)
    case double(Double)
    case bool(Bool)
    case null

    /// Compact JSON text: no spaces, keys in insertion order.
    var text: String {
        var out = ""
        write(into: &out)
        return out
    }

    func write(into out: inout String) {
        switch self {
        case .object(let members):
            out += "{"
            for (index, (key, value)) in members.enumerated() {
                if index > 0 { out += "," }
                JSONNode.writeString(key, to: &out)
                out += ":"
                value.write(into: &out)
            }
            out += "}"
        case .array(let items):
            out += "["
            for (index, item) in items.enumerated() {
                if index > 0 { out += "," }
                item.write(into: &out)
            }
            out += "]"
        case .string(let value):
            JSONNode.writeString(value, to: &out)
        case .int(let value):
            out += String(value)
        case .double(let value):
            // Swift prints the shortest round-tripping form ("0.25", "1e-05"), which is valid JSON.
            out += value.isFinite ? String(value) : "null"
        case .bool(let value):
            out += value ? "true" : "false"
        case .null:
            out += "null"
        }
    }

    /// `.int(value)` or `.null`.
    static func orNull(_ value: Int?) -> JSON { value.map { .int($0) } ?? .null }
    /// `.string(value)` or `.null`.
    static func orNull(_ value: String?) -> JSON { value.map { .string($0) } ?? .null }
}

extension JSON: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByNilLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    init(stringLiteral value: String) { self = .string(value) }
    init(integerLiteral value: Int) { self = .int(value) }
    init(booleanLiteral value: Bool) { self = .bool(value) }
    init(nilLiteral: ()) { self = .null }
    init(arrayLiteral elements: JSON...) { self = .array(elements) }
    /// Dictionary literals keep their written order, which is what makes this type useful.
    init(dictionaryLiteral elements: (String, JSON)...) { self = .object(elements) }
}
