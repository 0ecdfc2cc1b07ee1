public import Foundation

/// Apple's report calendar as Orchard reads it: which day is the newest one reported, and the
/// days a weekly, monthly or yearly report covers. Report days are calendar days; Orchard takes
/// them in UTC, as Connect Sandbox does (docs/REPORTS.md).
public struct ReportCalendar: Sendable {
    private let now: @Sendable () -> Date

    /// - Parameter now: the clock; injected so that tests and the sandbox can move it.
    public init(now: @escaping @Sendable () -> Date) {
        self.now = now
    }

    /// The newest day Apple may have reported: yesterday, as Sales reports appear the next morning.
    public var latestDay: ReportDate { Self.latestDay(at: now()) }

    /// The newest day Apple may have reported at `date`.
    public static func latestDay(at date: Date) -> ReportDate {
        ReportDate(containing: date).adding(days: -1)
    }
}

extension ReportDate {
    /// 1970-01-01, where day numbers start; also what a report row without a date is read as.
    public static let epoch = ReportDate(dayNumber: 0)

    /// The first day of `month` of `year`, both clamped to what a `ReportDate` holds (1...12, 1...9999).
    public init(firstDayOfMonth month: Int, year: Int) {
        self.year = min(max(year, 1), 9_999)
        self.month = min(max(month, 1), 12)
        day = 1
    }

    /// The calendar day (UTC) that `date` falls in.
    public init(containing date: Date) {
        self.init(dayNumber: Int((date.timeIntervalSince1970 / 86_400).rounded(.down)))
    }

    /// Midnight UTC at the start of the day.
    public var startDate: Date {
        Date(timeIntervalSince1970: TimeInterval(dayNumber) * 86_400)
    }

    /// The first day of this day's month.
    public var firstOfMonth: ReportDate { adding(days: 1 - day) }

    /// The last day of this day's month.
    public var lastOfMonth: ReportDate { adding(days: ReportDate.daysIn(month: month, year: year) - day) }

    /// January 1 of this day's year.
    public var firstOfYear: ReportDate { ReportDate(dayNumber: dayNumber - dayOfYear + 1) }

    /// December 31 of this day's year.
    public var lastOfYear: ReportDate { firstOfYear.adding(days: 364 + (ReportDate.daysIn(month: 2, year: year) - 28)) }

    /// The Monday that starts this day's Monday-to-Sunday week.
    public var mondayOfWeek: ReportDate { adding(days: -((weekday + 6) % 7)) }

    /// 1 for January 1.
    public var dayOfYear: Int {
        (1..<month).reduce(day) { $0 + ReportDate.daysIn(month: $1, year: year) }
    }

    /// The last day a report of `frequency` starting on this day covers (a fiscal report: its calendar year).
    public func periodEnd(_ frequency: ReportFrequency) -> ReportDate {
        switch frequency {
        case .daily: self
        case .weekly: adding(days: 6)
        case .monthly: lastOfMonth
        case .yearly, .fiscal: lastOfYear
        }
    }
}
