import Testing

@testable import SalesReports

@Suite("Day arithmetic on report dates")
struct ReportDateDaysTests {
    @Test("day numbers round-trip over four centuries, leap days included")
    func roundTrip() {
        // given / when / then
        var date = ReportDate(year: 1900, month: 1, day: 1)!
        #expect(date.dayNumber == -25_567)
        for _ in 0..<146_097 {
            let next = date.adding(days: 1)
            #expect(next.dayNumber == date.dayNumber + 1)
            #expect(ReportDate(dayNumber: next.dayNumber) == next)
            date = next
        }
        #expect(date == ReportDate(year: 2300, month: 1, day: 1)!)
        #expect(ReportDate(year: 1970, month: 1, day: 1)!.dayNumber == 0)
        #expect(
            ReportDate(year: 2024, month: 2, day: 28)!.adding(days: 1) == ReportDate(year: 2024, month: 2, day: 29)!)
    }

    @Test("weekdays and the Sunday that names a week's report")
    func weeks() {
        let tuesday = ReportDate(year: 2023, month: 7, day: 18)!
        #expect(tuesday.weekday == 2)
        #expect(tuesday.sundayEndingWeek == ReportDate(year: 2023, month: 7, day: 23)!)
        let sunday = ReportDate(year: 2023, month: 7, day: 23)!
        #expect(sunday.sundayEndingWeek == sunday)
        #expect(
            ReportDate(year: 2024, month: 12, day: 30)!.sundayEndingWeek == ReportDate(year: 2025, month: 1, day: 5)!)
        #expect(tuesday.compactText == "20230718")
    }

    @Test("a report's period is told from its first and last day, a week that starts on the 1st included")
    func frequencyFromDates() {
        func day(_ month: Int, _ day: Int, _ year: Int = 2026) -> ReportDate {
            ReportDate(year: year, month: month, day: day)!
        }
        #expect(ReportFrequency(begin: day(6, 1), end: day(6, 1)) == .daily)
        // 2026-06-01 is a Monday: the week ends on Sunday the 7th
        #expect(ReportFrequency(begin: day(6, 1), end: day(6, 7)) == .weekly)
        #expect(ReportFrequency(begin: day(6, 8), end: day(6, 14)) == .weekly)
        #expect(ReportFrequency(begin: day(6, 1), end: day(6, 30)) == .monthly)
        #expect(ReportFrequency(begin: day(2, 1), end: day(2, 28)) == .monthly)
        #expect(ReportFrequency(begin: day(1, 1), end: day(12, 31)) == .yearly)
    }
}
