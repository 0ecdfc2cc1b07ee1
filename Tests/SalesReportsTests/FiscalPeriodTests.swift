import SalesReports
import Testing

/// Apple's fiscal calendar (docs/REPORTS.md, Apple's fiscal calendar): 5-4-4 weeks a quarter, the year ending on the
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

    /// Each fiscal year Orchard can hold data for (Apple keeps financial reports for years; the sync
    /// reads back to FY2020) and the next ones: first and last day and length. FY2021–FY2024 are as
    /// published calendars show them; the others follow the rule (docs/REPORTS.md says which).
    @Test(
        "each fiscal year from FY2020 to FY2028",
        arguments: [
            (2020, "2019-09-29", "2020-09-26", 52), (2021, "2020-09-27", "2021-09-25", 52),
            (2022, "2021-09-26", "2022-09-24", 52), (2023, "2022-09-25", "2023-09-30", 53),
            (2024, "2023-10-01", "2024-09-28", 52), (2025, "2024-09-29", "2025-09-27", 52),
            (2026, "2025-09-28", "2026-09-26", 52), (2027, "2026-09-27", "2027-09-25", 52),
            (2028, "2027-09-26", "2028-09-30", 53),
        ])
    func year(year: Int, first: String, last: String, weeks: Int) throws {
        // given
        let expectedFirst = try #require(ReportDate(first))
        let expectedLast = try #require(ReportDate(last))

        // when
        let periods = FiscalPeriod.periods(ofYear: year)

        // then
        #expect(periods.first?.start == expectedFirst)
        #expect(periods.last?.end == expectedLast)
        #expect(FiscalPeriod.isLong(year) == (weeks == 53))
        #expect(periods.map(\.days) == [35, 28, weeks == 53 ? 35 : 28, 35, 28, 28, 35, 28, 28, 35, 28, 28])
        #expect(periods.map(\.quarter) == [1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4])
        #expect(periods.map(\.calendarMonth) == [10, 11, 12, 1, 2, 3, 4, 5, 6, 7, 8, 9])
        #expect(periods[0].name == "October \(year - 1)")
        #expect(periods[4].previous == periods[3] && periods[3].next == periods[4])
        #expect(periods[11].next == FiscalPeriod(year: year + 1, period: 1))
    }

    @Test("Apple pays within 45 days of a fiscal month's end")
    func paymentDue() throws {
        // given: FY2024 period 1 ended on 2023-11-04, paid on 2023-12-07 (published calendar)
        let period = try #require(FiscalPeriod(year: 2024, period: 1))

        // when
        let due = period.paymentDueBy

        // then
        #expect(due == ReportDate("2023-12-19"))
        #expect(try #require(ReportDate("2023-12-07")) <= due)
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
