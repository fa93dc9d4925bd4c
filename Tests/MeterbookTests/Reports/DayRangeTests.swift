import Foundation
import Testing
@testable import Meterbook

@Suite struct DayRangeTests {
    let today = UTCDay(iso: "2026-03-10")!

    @Test func dayExpressions() throws {
        #expect(DayRange.day("today", today: today) == today)
        #expect(DayRange.day("Yesterday", today: today)?.description == "2026-03-09")
        #expect(DayRange.day("-7d", today: today)?.description == "2026-03-03")
        #expect(DayRange.day("-0d", today: today) == today)
        #expect(DayRange.day("-400d", today: today)?.description == "2025-02-03")
        #expect(DayRange.day("2024-02-29", today: today)?.description == "2024-02-29")
        for bad in ["2023-02-29", "2026-3-1", "2026-13-01", "2026-00-10", "20260301", "last week", "-7", "7d", "-d", "", "2026-03-01T00:00"] {
            #expect(DayRange.day(bad, today: today) == nil, "\(bad)")
        }
    }

    @Test func defaultsAndOrder() throws {
        let standard = try DayRange.resolve(from: nil, to: nil, today: today)
        #expect(standard.description == "2026-03-09 to 2026-03-10")
        #expect(standard.bounds == UTCDay(iso: "2026-03-09")!.startMs..<UTCDay(iso: "2026-03-11")!.startMs)
        #expect(try DayRange.resolve(from: nil, to: "2026-01-05", today: today).description == "2026-01-04 to 2026-01-05")
        #expect(try DayRange.resolve(from: "-7d", to: nil, today: today).dayCount == 8)
        #expect(try DayRange.resolve(from: "today", to: "today", today: today).description == "2026-03-10")
        let reversed = try #require(throws: ReportInputError.self) { try DayRange.resolve(from: "2026-03-05", to: "2026-03-01", today: today) }
        #expect(reversed.message == "--from 2026-03-05 is after --to 2026-03-01: give the earlier day to --from.")
        let bad = try #require(throws: ReportInputError.self) { try DayRange.resolve(from: "soon", to: nil, today: today) }
        #expect(bad.message == "--from 'soon' is not a day: use YYYY-MM-DD, today, yesterday or -Nd (N days ago, e.g. -7d).")
    }

    @Test func civilCalendarRoundTripsAgainstFoundation() throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let formatter = DateFormatter()
        formatter.calendar = calendar
        formatter.timeZone = calendar.timeZone
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyy-MM-dd"
        // 1696 to 9909: Foundation switches to the Julian calendar before 1582 and to eras before year 1.
        for days in stride(from: Int64(-100_000), through: 2_900_000, by: 997) {
            let day = UTCDay(daysSinceEpoch: days)
            let date = Date(timeIntervalSince1970: Double(days) * 86_400)
            #expect(day.description == formatter.string(from: date))
            #expect(UTCDay(iso: day.description) == day)
        }
        #expect(UTCDay(containing: -1).description == "1969-12-31")
        #expect(UTCDay(containing: 0).description == "1970-01-01")
    }

    @Test func groupingNames() throws {
        #expect(try Grouping.parse(["day,deployment", "tag:app", "day"]) == [.day, .deployment, .tag("app")])
        #expect(try Grouping.parse(["Model", " endpoint "]) == [.model, .endpoint])
        let bad = try #require(throws: ReportInputError.self) { try Grouping.parse(["region"]) }
        #expect(bad.message == "--by 'region' is not a grouping: use deployment, day, hour, model, endpoint, tag:KEY, or several joined by commas.")
        #expect(throws: ReportInputError.self) { try Grouping.parse(["tag:"]) }
        #expect(throws: ReportInputError.self) { try UsagePlan(groupingSets: [(1...8).map { Grouping.tag("k\($0)") }]) }
    }
}
