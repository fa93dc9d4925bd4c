/// Identifier formats as the real services mint them, drawn from a seeded generator.
enum Identifiers {
    static let hexDigits = Array("0123456789abcdef")
    static let base62 = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")

    static func random(_ count: Int, from alphabet: [Character], using rng: inout SeededGenerator) -> String {
        var out = ""
        out.reserveCapacity(count)
        for _ in 0..<count { out.append(rng.pick(alphabet)) }
        return out
    }

    /// A lowercase version-4 UUID string.
    static func uuid(using rng: inout SeededGenerator) -> String {
        var bytes = (0..<16).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        bytes[6] = (bytes[6] & 0x0F) | 0x40
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        var out = ""
        for (index, byte) in bytes.enumerated() {
            if [4, 6, 8, 10].contains(index) { out += "-" }
            out.append(hexDigits[Int(byte >> 4)])
            out.append(hexDigits[Int(byte & 0x0F)])
        }
        return out
    }

    /// Responses API id: `resp_` + 48 hex digits.
    static func responseID(using rng: inout SeededGenerator) -> String {
        "resp_" + random(48, from: hexDigits, using: &rng)
    }

    /// Responses API output item id: `msg_` + 48 hex digits.
    static func outputItemID(using rng: inout SeededGenerator) -> String {
        "msg_" + random(48, from: hexDigits, using: &rng)
    }

    /// Chat Completions id: `chatcmpl-` + 29 alphanumerics.
    static func chatCompletionID(using rng: inout SeededGenerator) -> String {
        "chatcmpl-" + random(29, from: base62, using: &rng)
    }

    /// Anthropic message id: `msg_01` + 22 base62 characters.
    static func anthropicMessageID(using rng: inout SeededGenerator) -> String {
        "msg_01" + random(22, from: base62, using: &rng)
    }

    /// Anthropic request id: `req_011C` + 24 base62 characters.
    static func anthropicRequestID(using rng: inout SeededGenerator) -> String {
        "req_011C" + random(24, from: base62, using: &rng)
    }
}
