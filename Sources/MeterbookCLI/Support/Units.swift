import Foundation

/// Human units for terminal tables: dollars with cents, 12.3k / 4.5M tokens, percentages, milliseconds.
enum Units {
    static func dollars(_ value: Double?) -> String {
        guard let value else { return "—" }
        if value == 0 { return "$0.00" }
        if value < 0.01 { return "<$0.01" }
        return String(format: "$%.2f", value)
    }

    static func tokens(_ value: Int) -> String {
        let number = Double(value)
        switch abs(number) {
        case ..<1_000: return String(value)
        case ..<1_000_000: return String(format: "%.1fk", number / 1_000)
        case ..<1_000_000_000: return String(format: "%.1fM", number / 1_000_000)
        default: return String(format: "%.1fB", number / 1_000_000_000)
        }
    }

    static func percent(_ value: Double) -> String {
        String(format: "%.1f%%", value * 100)
    }

    static func milliseconds(_ value: Double?) -> String {
        guard let value else { return "—" }
        return String(format: "%.0f ms", value)
    }
}
