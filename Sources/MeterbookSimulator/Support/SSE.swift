/// SSE framing.
enum SSE {
    /// `event: NAME` + `data: JSON` + blank line.
    static func event(_ name: String, _ data: JSON) -> String {
        "event: \(name)\ndata: \(data.text)\n\n"
    }

    /// `data: TEXT` + blank line (Chat Completions has no `event:` lines).
    static func data(_ text: String) -> String {
        "data: \(text)\n\n"
    }
}
