import ConnectSandbox
import SalesReports
import Testing

/// Apple's fiscal calendar (docs/SANDBOX.md): 5-4-4 weeks a quarter, the year ending on the
/// last Saturday of September, the 53rd week in period 3. Dates from published calendars.
@Suite("Apple fiscal calendar")
struct FiscalPeriodTests {
    @Test(
        "known fiscal periods",
        arguments: [
            (2021, 1, "2020-09-27", "2020-10-31"), (2021, 3, "2020-11-29", "2020-12-26"),
            (2021, 4, "2020-12-27", "2021-01-30"), (2022, 1, "2021-09-26", "2021-10-30"),
            (2023, 3, "2022-11-27", "2022-12-31"), (2023, 12, "2023-09-03", "2023-09-30"),
            (2024, 1, "2023-10-01", "2023-11-04"), (2024, 4, "2023-12-31", "2024-02-03"),
            (2024, 12, "2024-09-01", "2024-09-28"), (2026, 4, "2025-12-28", "2026-01-31"),
        ])
    func boundaries(year: Int, period: Int, start: String, end: String) throws {
        // given
        let expectedStart = try #require(ReportDate(start))
        let expectedEnd = try #require(ReportDate(end))

        // when
        let fiscal = try #require(FiscalPeriod(year: year, period: period))

        // then
        #expect(fiscal.start == expectedStart)
        #expect(fiscal.end == expectedEnd)
        #expect(fiscal.start.weekday == 0 && fiscal.end.weekday == 6)
        #expect(FiscalPeriod(containing: expectedStart) == fiscal)
        #expect(FiscalPeriod(containing: expectedEnd) == fiscal)
    }

    @Test("a year's periods are contiguous, 52 or 53 weeks, from the day after the last Saturday of September")
    func years() throws {
        for year in 2015...2035 {
            // given
            let periods = (1...12).compactMap { FiscalPeriod(year: year, period: $0) }

            // when
            let weeks = (periods.last!.end.dayNumber - periods.first!.start.dayNumber + 1) / 7

            // then
            #expect(periods.count == 12)
            #expect(zip(periods, periods.dropFirst()).allSatisfy { $0.end.adding(days: 1) == $1.start })
            #expect(weeks == 52 || weeks == 53)
            #expect(periods.last!.end.month == 9 && periods.last!.end.day > 23 && periods.last!.end.weekday == 6)
            #expect((periods[0].calendarYear, periods[0].calendarMonth) == (year - 1, 10))
        }
        #expect(FiscalPeriod(year: 2024, period: 13) == nil)
    }
}
