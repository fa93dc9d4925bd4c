import Foundation

/// Small helpers for reading loosely typed JSON from `JSONSerialization` (every field is optional on the wire).
enum JSONValue {
    static func object(_ data: Data) -> [String: Any]? {
        guard !data.isEmpty else { return nil }
        return (try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])) as? [String: Any]
    }

    static func object(_ text: String) -> [String: Any]? { object(Data(text.utf8)) }

    static func int(_ value: Any?) -> Int? {
        switch value {
        case let number as NSNumber:
            return number.intValue
        case let string as String:
            return Int(string)
        default:
            return nil
        }
    }

    static func string(_ value: Any?) -> String? {
        switch value {
        case let string as String: return string
        case let number as NSNumber: return number.stringValue
        default: return nil
        }
    }

    static func dict(_ value: Any?) -> [String: Any]? { value as? [String: Any] }

    /// Serialises with sorted keys, for objects Meterbook assembles itself (merged Anthropic stream usage).
    static func text(_ object: [String: Any]) -> String? {
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else {
            return nil
        }
        return String(decoding: data, as: UTF8.self)
    }
}
