package import SalesReports

/// A period ("fiscal month") of Apple's fiscal calendar, which Payments and Financial Reports
/// follow: weeks run Sunday to Saturday; fiscal year `N` ends on the last Saturday of September
/// of `N` and starts the day after year `N − 1` ends; each quarter is a 5-week month followed
/// by two 4-week months (5-4-4), and in a 53-week year period 3 (December, the end of the first
/// quarter) has the extra week. Period 1 is October of calendar year `N − 1`. Sources: docs/SANDBOX.md.
package struct FiscalPeriod: Sendable, Hashable {
    package let year: Int
    /// 1 (October) ... 12 (September).
    package let period: Int
    package let start: ReportDate
    package let end: ReportDate

    /// Period `period` (1...12) of fiscal year `year`, or `nil` outside the calendar.
    package init?(year: Int, period: Int) {
        guard (1...12).contains(period), (1901...9998).contains(year) else { return nil }
        let yearStart = Self.lastDay(ofYear: year - 1).adding(days: 1)
        let longYear = Self.lastDay(ofYear: year).dayNumber - yearStart.dayNumber + 1 == 53 * 7
        var weeks = 0
        for earlier in 1..<period { weeks += Self.weeks(in: earlier, longYear: longYear) }
        self.year = year
        self.period = period
        start = yearStart.adding(days: weeks * 7)
        end = start.adding(days: Self.weeks(in: period, longYear: longYear) * 7 - 1)
    }

    /// The period that contains `day`.
    package init(containing day: ReportDate) {
        let year = day > Self.lastDay(ofYear: day.year) ? day.year + 1 : day.year
        var period = 12
        while period > 1, let candidate = FiscalPeriod(year: year, period: period), candidate.start > day {
            period -= 1
        }
        self = FiscalPeriod(year: year, period: period)!
    }

    /// The calendar month the period is named after: period 1 of fiscal 2027 is October 2026.
    package var calendarYear: Int { period <= 3 ? year - 1 : year }
    package var calendarMonth: Int { (period + 8) % 12 + 1 }

    /// The days as a report period, published like a calendar month's reports.
    package var reportPeriod: ReportPeriod { ReportPeriod(monthlyFrom: start, to: end) }

    /// The last Saturday of September of `year`: the last day of fiscal year `year`.
    static func lastDay(ofYear year: Int) -> ReportDate {
        let september30 = ReportDate(firstDayOfMonth: 10, year: year).adding(days: -1)
        return september30.adding(days: -((september30.weekday + 1) % 7))
    }

    private static func weeks(in period: Int, longYear: Bool) -> Int {
        if period == 3 && longYear { return 5 }
        return period % 3 == 1 ? 5 : 4
    }
}
