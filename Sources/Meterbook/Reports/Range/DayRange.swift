import Foundation

/// Whole UTC days from `from` through `to`, both included: what `--from` and `--to` select.
public struct DayRange: Sendable, Equatable {
    public var from: UTCDay
    public var to: UTCDay

    public init(from: UTCDay, to: UTCDay) {
        self.from = from
        self.to = to
    }

    /// The half-open range of epoch milliseconds the days cover.
    public var bounds: Range<Int64> { from.startMs..<to.endMs }

    public var dayCount: Int64 { to.daysSinceEpoch - from.daysSinceEpoch + 1 }

    public var description: String { from == to ? "\(from)" : "\(from) to \(to)" }

    /// The forms `--from` and `--to` accept, for error messages.
    public static let acceptedForms = "YYYY-MM-DD, today, yesterday or -Nd (N days ago, e.g. -7d)"

    /// Resolves `--from`/`--to` as given (nil when absent). Defaults: `--to` today; `--from` the day before `--to`,
    /// so a bare command covers yesterday and today.
    public static func resolve(from: String?, to: String?, today: UTCDay = .today()) throws -> DayRange {
        let end = try to.map { try parse($0, option: "--to", today: today) } ?? today
        let start = try from.map { try parse($0, option: "--from", today: today) } ?? end.adding(days: -1)
        guard start <= end else {
            throw ReportInputError("--from \(start) is after --to \(end): give the earlier day to --from.")
        }
        return DayRange(from: start, to: end)
    }

    /// One day expression: `YYYY-MM-DD`, `today`, `yesterday` or `-Nd`.
    public static func parse(_ text: String, option: String, today: UTCDay = .today()) throws -> UTCDay {
        guard let day = day(text, today: today) else {
            throw ReportInputError("\(option) '\(text)' is not a day: use \(acceptedForms).")
        }
        return day
    }

    /// The day an expression names, or nil when it is not one.
    public static func day(_ text: String, today: UTCDay = .today()) -> UTCDay? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        switch trimmed {
        case "today": return today
        case "yesterday": return today.adding(days: -1)
        default: break
        }
        if trimmed.hasPrefix("-"), trimmed.hasSuffix("d"), trimmed.count >= 3,
           let days = Int64(trimmed.dropFirst().dropLast()), (0...100_000).contains(days) {
            return today.adding(days: -days)
        }
        return UTCDay(iso: trimmed)
    }
}
