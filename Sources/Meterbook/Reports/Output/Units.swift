import Foundation

/// Human units for tables: dollars with cents, 12.3k / 4.5M tokens, percentages, milliseconds.
public enum Units {
    public static func dollars(_ value: Double?) -> String {
        guard let value else { return "—" }
        if value == 0 { return "$0.00" }
        if value < 0.01 { return "<$0.01" }
        return "$" + grouped(String(format: "%.2f", value))
    }

    public static func tokens(_ value: Int) -> String {
        let number = Double(value)
        switch abs(number) {
        case ..<1_000: return String(value)
        case ..<999_950: return String(format: "%.1fk", number / 1_000)
        case ..<999_950_000: return String(format: "%.1fM", number / 1_000_000)
        default: return String(format: "%.1fB", number / 1_000_000_000)
        }
    }

    public static func percent(_ value: Double) -> String {
        String(format: "%.1f%%", value * 100)
    }

    public static func milliseconds(_ value: Double?) -> String {
        guard let value else { return "—" }
        return String(format: "%.0f ms", value)
    }

    /// Thousands separators in the integer part: 12345.67 → 12,345.67.
    static func grouped(_ text: String) -> String {
        let parts = text.split(separator: ".", maxSplits: 1)
        var integer = String(parts[0])
        var result = ""
        while integer.count > 3 {
            result = "," + integer.suffix(3) + result
            integer.removeLast(3)
        }
        return integer + result + (parts.count > 1 ? "." + parts[1] : "")
    }
}
