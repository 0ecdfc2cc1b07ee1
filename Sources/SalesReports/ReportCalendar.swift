public import Foundation

/// Apple's report calendar as Orchard reads it: which day is the newest one reported, and the
/// days a weekly, monthly or yearly report covers. Report days are calendar days in Pacific time
/// (America/Los_Angeles, daylight saving included), and Apple publishes a day's Sales reports by
/// 5 am Pacific the next morning (docs/REPORTS.md).
public struct ReportCalendar: Sendable {
    private let now: @Sendable () -> Date

    /// The time zone of Apple's report days.
    public static let timeZone = TimeZone(identifier: "America/Los_Angeles") ?? TimeZone(secondsFromGMT: -8 * 3_600)!

    /// The hour (in ``timeZone``) by which Apple publishes the previous day's daily reports: Apple's
    /// own "not available yet" answer says "by 5 am Pacific Time".
    public static let publicationHour = 5

    /// - Parameter now: the clock; injected so that tests and the sandbox can move it.
    public init(now: @escaping @Sendable () -> Date) {
        self.now = now
    }

    /// The newest day Apple may have reported: yesterday (Pacific) once the publication hour has
    /// passed, the day before until then.
    public var latestDay: ReportDate { Self.latestDay(at: now()) }

    /// The newest day Apple may have reported at `date`.
    public static func latestDay(at date: Date) -> ReportDate {
        let today = ReportDate(containing: date, in: timeZone)
        return today.adding(days: date < today.start(in: timeZone, hour: publicationHour) ? -2 : -1)
    }

    /// When Apple publishes the daily reports of `day`: the publication hour of the next day.
    public static func publication(of day: ReportDate) -> Date {
        day.adding(days: 1).start(in: timeZone, hour: publicationHour)
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

    /// The calendar day that `date` falls in, in `zone`.
    public init(containing date: Date, in zone: TimeZone) {
        self.init(containing: date.addingTimeInterval(TimeInterval(zone.secondsFromGMT(for: date))))
    }

    /// Midnight UTC at the start of the day.
    public var startDate: Date {
        Date(timeIntervalSince1970: TimeInterval(dayNumber) * 86_400)
    }

    /// The moment the clocks of `zone` read `hour`:00 on this day (on a day whose clocks skip that
    /// hour, the moment after the skip).
    public func start(in zone: TimeZone, hour: Int = 0) -> Date {
        // The wall time read as UTC, corrected by the zone's offset; a second pass settles the
        // offset when daylight saving changes between the two.
        let wall = startDate.addingTimeInterval(TimeInterval(hour * 3_600))
        var moment = wall.addingTimeInterval(-TimeInterval(zone.secondsFromGMT(for: wall)))
        moment = wall.addingTimeInterval(-TimeInterval(zone.secondsFromGMT(for: moment)))
        return moment
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
