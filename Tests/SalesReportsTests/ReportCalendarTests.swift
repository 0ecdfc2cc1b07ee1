import Foundation
import Testing

@testable import SalesReports

@Suite("Apple's report calendar as Orchard reads it")
struct ReportCalendarTests {
    static func day(_ text: String) throws -> ReportDate { try #require(ReportDate(text)) }

    static func utc(_ text: String) throws -> Date {
        try #require(ISO8601DateFormatter().date(from: text))
    }

    @Test("the newest report day is yesterday in Pacific time, from 5 am Pacific; the day before until then")
    func latestDay() throws {
        // 2026-12-06 at 05:00 PST is 13:00 UTC
        let published = try Self.utc("2026-12-06T13:00:00Z")
        #expect(ReportCalendar.latestDay(at: published) == (try Self.day("2026-12-05")))
        #expect(ReportCalendar.latestDay(at: published.addingTimeInterval(-1)) == (try Self.day("2026-12-04")))
        #expect(ReportCalendar(now: { published }).latestDay == (try Self.day("2026-12-05")))
        // UTC midnight is still the evening before in California
        let utcMidnight = try Self.utc("2026-12-07T00:30:00Z")
        #expect(ReportCalendar.latestDay(at: utcMidnight) == (try Self.day("2026-12-05")))
        #expect(ReportCalendar.publication(of: try Self.day("2026-12-05")) == published)
        #expect(try Self.day("2026-12-06").startDate == (try Self.utc("2026-12-06T00:00:00Z")))
        #expect(ReportDate(containing: Date(timeIntervalSince1970: -1)) == (try Self.day("1969-12-31")))
        #expect(ReportDate.epoch == (try Self.day("1970-01-01")))
    }

    @Test(
        "both sides of a daylight-saving change: 5 am Pacific is 13:00 UTC in winter and 12:00 UTC in summer",
        arguments: [
            // Clocks go forward on Sunday 2026-03-08 at 02:00 PST: 5 am that day is PDT.
            ("2026-03-07", "2026-03-07T13:00:00Z", "2026-03-06"),
            ("2026-03-08", "2026-03-08T12:00:00Z", "2026-03-07"),
            ("2026-03-09", "2026-03-09T12:00:00Z", "2026-03-08"),
            // Clocks go back on Sunday 2026-11-01 at 02:00 PDT: 5 am that day is PST.
            ("2026-10-31", "2026-10-31T12:00:00Z", "2026-10-30"),
            ("2026-11-01", "2026-11-01T13:00:00Z", "2026-10-31"),
            ("2026-11-02", "2026-11-02T13:00:00Z", "2026-11-01"),
        ])
    func daylightSaving(today: String, fiveAM: String, yesterday: String) throws {
        let moment = try Self.utc(fiveAM)
        let day = try Self.day(today)
        #expect(day.start(in: ReportCalendar.timeZone, hour: 5) == moment)
        #expect(ReportCalendar.publication(of: try Self.day(yesterday)) == moment)
        #expect(ReportCalendar.latestDay(at: moment) == (try Self.day(yesterday)))
        #expect(
            ReportCalendar.latestDay(at: moment.addingTimeInterval(-1)) == (try Self.day(yesterday)).adding(days: -1))
        #expect(ReportDate(containing: moment, in: ReportCalendar.timeZone) == day)
        // the last minute of the Pacific day is the next day in UTC
        let lastMinute = day.adding(days: 1).start(in: ReportCalendar.timeZone).addingTimeInterval(-60)
        #expect(ReportDate(containing: lastMinute, in: ReportCalendar.timeZone) == day)
        #expect(ReportDate(containing: lastMinute) == day.adding(days: 1))
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
