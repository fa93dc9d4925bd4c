import Foundation

/// A calendar day in UTC, counted in days since 1970-01-01.
public struct UTCDay: Sendable, Hashable, Comparable, CustomStringConvertible {
    public static let milliseconds: Int64 = 86_400_000

    public var daysSinceEpoch: Int64

    public init(daysSinceEpoch: Int64) {
        self.daysSinceEpoch = daysSinceEpoch
    }

    /// The day holding the instant `epochMs` (floor division, so instants before 1970 land on the right day too).
    public init(containing epochMs: Int64) {
        let (quotient, remainder) = epochMs.quotientAndRemainder(dividingBy: Self.milliseconds)
        daysSinceEpoch = remainder < 0 ? quotient - 1 : quotient
    }

    public static func today(now: Date = Date()) -> UTCDay {
        UTCDay(containing: Int64((now.timeIntervalSince1970 * 1000).rounded(.down)))
    }

    /// `YYYY-MM-DD`, strictly (a real calendar date, four-digit year).
    public init?(iso text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
              let year = Int64(parts[0]), let month = Int64(parts[1]), let day = Int64(parts[2]),
              (1...12).contains(month), day >= 1, day <= Self.daysIn(month: month, year: year) else { return nil }
        daysSinceEpoch = Self.days(year: year, month: month, day: day)
    }

    /// Epoch milliseconds of the day's first instant.
    public var startMs: Int64 { daysSinceEpoch * Self.milliseconds }
    /// Epoch milliseconds of the next day's first instant (the end of a half-open range).
    public var endMs: Int64 { startMs + Self.milliseconds }

    public func adding(days: Int64) -> UTCDay { UTCDay(daysSinceEpoch: daysSinceEpoch + days) }

    public var description: String {
        let (year, month, day) = Self.civil(daysSinceEpoch)
        return String(format: "%04lld-%02lld-%02lld", year, month, day)
    }

    public static func < (lhs: UTCDay, rhs: UTCDay) -> Bool { lhs.daysSinceEpoch < rhs.daysSinceEpoch }

    // Howard Hinnant's days_from_civil / civil_from_days: exact proleptic Gregorian arithmetic without Calendar.
    static func days(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func civil(_ days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    private static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}
