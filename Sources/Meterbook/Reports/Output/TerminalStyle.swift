/// ANSI styling for the terminal table.
enum TerminalStyle {
    static func bold(_ text: String) -> String { "\u{1B}[1m" + text + "\u{1B}[0m" }
    static func dim(_ text: String) -> String { "\u{1B}[2m" + text + "\u{1B}[0m" }

    /// Yellow above zero, red from 5%.
    static func severity(_ text: String, rate: Double) -> String {
        if rate >= 0.05 { return "\u{1B}[31m" + text + "\u{1B}[0m" }
        if rate > 0 { return "\u{1B}[33m" + text + "\u{1B}[0m" }
        return text
    }
}
