import Foundation
import Testing

@testable import SalesReports

@Suite("Apple's report calendar as Orchard reads it")
struct ReportCalendarTests {
    static func day(_ text: String) throws -> ReportDate { try #require(ReportDate(text)) }

    @Test("the newest report day is yesterday (UTC), whatever the hour")
    func latestDay() throws {
        // given: 2026-12-06 at 00:00:00 and at 23:59:59 UTC
        let midnight = Date(timeIntervalSince1970: 1_796_515_200)
        // then
        #expect(try Self.day("2026-12-06").startDate == midnight)
        #expect(ReportCalendar.latestDay(at: midnight) == (try Self.day("2026-12-05")))
        #expect(ReportCalendar.latestDay(at: midnight.addingTimeInterval(86_399)) == (try Self.day("2026-12-05")))
        #expect(ReportCalendar.latestDay(at: midnight.addingTimeInterval(-1)) == (try Self.day("2026-12-04")))
        #expect(ReportCalendar(now: { midnight }).latestDay == (try Self.day("2026-12-05")))
        #expect(ReportDate(containing: Date(timeIntervalSince1970: -1)) == (try Self.day("1969-12-31")))
        #expect(ReportDate.epoch == (try Self.day("1970-01-01")))
    }

    @Test("months, years and weeks: first and last days, leap years included")
    func periods() throws {
        let leap = try Self.day("2024-02-10")
        #expect(leap.firstOfMonth == (try Self.day("2024-02-01")))
        #expect(leap.lastOfMonth == (try Self.day("2024-02-29")))
        #expect(try Self.day("2023-02-10").lastOfMonth == (try Self.day("2023-02-28")))
        #expect(leap.firstOfYear == (try Self.day("2024-01-01")))
        #expect(leap.lastOfYear == (try Self.day("2024-12-31")))
        #expect(try Self.day("2023-06-30").lastOfYear == (try Self.day("2023-12-31")))
        #expect(leap.dayOfYear == 41)
        #expect(try Self.day("2024-12-31").dayOfYear == 366)
        // 2026-12-06 is a Sunday: its week began on Monday 2026-11-30.
        #expect(try Self.day("2026-12-06").mondayOfWeek == (try Self.day("2026-11-30")))
        #expect(try Self.day("2026-11-30").mondayOfWeek == (try Self.day("2026-11-30")))
        #expect(ReportDate(firstDayOfMonth: 13, year: 2026) == (try Self.day("2026-12-01")))
        #expect(ReportDate(firstDayOfMonth: 10, year: 2025).adding(days: -1) == (try Self.day("2025-09-30")))
    }

    @Test("the last day each report frequency covers")
    func periodEnds() throws {
        let monday = try Self.day("2026-11-30")
        #expect(monday.periodEnd(.daily) == monday)
        #expect(monday.periodEnd(.weekly) == (try Self.day("2026-12-06")))
        #expect(try Self.day("2026-12-01").periodEnd(.monthly) == (try Self.day("2026-12-31")))
        #expect(try Self.day("2026-01-01").periodEnd(.yearly) == (try Self.day("2026-12-31")))
    }
}
