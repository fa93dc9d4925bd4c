import Foundation

/// A JSON document with keys kept in the order given: report, check, trace and price output follow CONTRACT.md's
/// field order, which JSONSerialization and JSONEncoder do not promise.
public indirect enum JSONNode: Sendable, Equatable {
    case null
    case bool(Bool)
    case integer(Int64)
    case number(Double)
    case string(String)
    case array([JSONNode])
    case object([(String, JSONNode)])

    public static func == (lhs: JSONNode, rhs: JSONNode) -> Bool {
        lhs.render(pretty: false) == rhs.render(pretty: false)
    }

    public static func int(_ value: Int?) -> JSONNode { value.map { .integer(Int64($0)) } ?? .null }
    public static func double(_ value: Double?) -> JSONNode { value.map { .number($0) } ?? .null }
    public static func text(_ value: String?) -> JSONNode { value.map { .string($0) } ?? .null }

    /// Compact, or indented by two spaces with arrays of scalars kept on one line.
    public func render(pretty: Bool = true) -> String {
        var output = ""
        write(to: &output, pretty: pretty, indent: 0)
        return output
    }

    private func write(to output: inout String, pretty: Bool, indent: Int) {
        switch self {
        case .null: output += "null"
        case .bool(let value): output += value ? "true" : "false"
        case .integer(let value): output += String(value)
        case .number(let value): output += value.isFinite ? value.description : "null"
        case .string(let value): JSONNode.writeString(value, to: &output)
        case .array(let items):
            if items.isEmpty { output += "[]"; return }
            let inline = !pretty || items.allSatisfy(\.isScalar)
            output += "["
            for (index, item) in items.enumerated() {
                if index > 0 { output += inline && pretty ? ", " : "," }
                if !inline { output += "\n" + String(repeating: "  ", count: indent + 1) }
                item.write(to: &output, pretty: pretty, indent: indent + 1)
            }
            if !inline { output += "\n" + String(repeating: "  ", count: indent) }
            output += "]"
        case .object(let members):
            if members.isEmpty { output += "{}"; return }
            output += "{"
            for (index, (key, value)) in members.enumerated() {
                if index > 0 { output += "," }
                if pretty { output += "\n" + String(repeating: "  ", count: indent + 1) }
                JSONNode.writeString(key, to: &output)
                output += pretty ? ": " : ":"
                value.write(to: &output, pretty: pretty, indent: indent + 1)
            }
            if pretty { output += "\n" + String(repeating: "  ", count: indent) }
            output += "}"
        }
    }

    private var isScalar: Bool {
        switch self {
        case .array, .object: return false
        default: return true
        }
    }

    /// Appends `value` as a JSON string literal (the simulator writes its bodies with this too).
    package static func writeString(_ value: String, to output: inout String) {
        output += "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case _ where scalar.value < 0x20:
                output += String(format: "\\u%04x", scalar.value)
            default: output.unicodeScalars.append(scalar)
            }
        }
        output += "\""
    }
}
