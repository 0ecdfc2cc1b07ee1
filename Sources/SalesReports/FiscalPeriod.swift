/// A period ("fiscal month") of Apple's fiscal calendar, which Payments and Financial Reports
/// follow (docs/REPORTS.md, Apple's fiscal calendar): weeks run Sunday to Saturday; fiscal year
/// `N` ends on the last Saturday of September of `N` and starts the day after year `N − 1` ends;
/// each quarter is a 5-week month followed by two 4-week months (5-4-4), and in a 53-week year
/// period 3 (December, the end of the first quarter) has the extra week. Period 1 is October of
/// calendar year `N − 1`.
public struct FiscalPeriod: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let year: Int
    /// 1 (October) ... 12 (September).
    public let period: Int
    public let start: ReportDate
    public let end: ReportDate

    /// Period `period` (1...12) of fiscal year `year`, or `nil` outside the calendar.
    public init?(year: Int, period: Int) {
        guard (1...12).contains(period), (1901...9998).contains(year) else { return nil }
        let yearStart = Self.lastDay(ofYear: year - 1).adding(days: 1)
        let longYear = Self.isLong(year)
        var weeks = 0
        for earlier in 1..<period { weeks += Self.weeks(in: earlier, longYear: longYear) }
        self.year = year
        self.period = period
        start = yearStart.adding(days: weeks * 7)
        end = start.adding(days: Self.weeks(in: period, longYear: longYear) * 7 - 1)
    }

    /// The period that contains `day`.
    public init(containing day: ReportDate) {
        let year = day > Self.lastDay(ofYear: day.year) ? day.year + 1 : day.year
        var period = 12
        while period > 1, let candidate = FiscalPeriod(year: year, period: period), candidate.start > day {
            period -= 1
        }
        self = FiscalPeriod(year: year, period: period)!
    }

    /// The calendar month the period is named after: period 1 of fiscal 2027 is October 2026.
    public var calendarYear: Int { period <= 3 ? year - 1 : year }
    public var calendarMonth: Int { (period + 8) % 12 + 1 }
    /// The fiscal quarter, 1 (October–December) ... 4.
    public var quarter: Int { (period - 1) / 3 + 1 }
    /// The number of days, 28 or 35.
    public var days: Int { end.dayNumber - start.dayNumber + 1 }

    /// The period before this one.
    public var previous: FiscalPeriod { FiscalPeriod(containing: start.adding(days: -1)) }
    /// The period after this one.
    public var next: FiscalPeriod { FiscalPeriod(containing: end.adding(days: 1)) }

    /// Apple pays a fiscal month's proceeds within 45 days of its end: the latest expected day.
    public var paymentDueBy: ReportDate { end.adding(days: 45) }

    /// The name Apple's payments pages use: the calendar month, e.g. `October 2026`.
    public var name: String { "\(Self.monthNames[calendarMonth - 1]) \(calendarYear)" }

    /// `FY2027 P01`.
    public var description: String { "FY\(year) P\(period < 10 ? "0" : "")\(period)" }

    /// Every period of fiscal year `year`.
    public static func periods(ofYear year: Int) -> [FiscalPeriod] {
        (1...12).compactMap { FiscalPeriod(year: year, period: $0) }
    }

    /// `true` for a 53-week fiscal year.
    public static func isLong(_ year: Int) -> Bool {
        lastDay(ofYear: year).dayNumber - lastDay(ofYear: year - 1).dayNumber == 53 * 7
    }

    /// The last Saturday of September of `year`: the last day of fiscal year `year`.
    public static func lastDay(ofYear year: Int) -> ReportDate {
        let september30 = ReportDate(firstDayOfMonth: 10, year: year).adding(days: -1)
        return september30.adding(days: -((september30.weekday + 1) % 7))
    }

    public static func < (lhs: FiscalPeriod, rhs: FiscalPeriod) -> Bool { lhs.start < rhs.start }

    private static func weeks(in period: Int, longYear: Bool) -> Int {
        if period == 3 && longYear { return 5 }
        return period % 3 == 1 ? 5 : 4
    }

    private static let monthNames = [
        "January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November",
        "December",
    ]
}
