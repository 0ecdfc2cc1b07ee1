package import Foundation
package import SalesReports

extension ReportDate {
    /// The day `dayNumber` days after 1970-01-01 (civil-from-days, proleptic Gregorian).
    package init(dayNumber: Int) {
        let z = dayNumber + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        self = ReportDate(year: year, month: month, day: day)!
    }

    /// The UTC calendar day of `date` (sandbox days are UTC days).
    package init(containing date: Date) {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down))
        self.init(dayNumber: seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400)
    }

    /// Days since 1970-01-01.
    package var dayNumber: Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = month > 2 ? month - 3 : month + 9
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// 0 for Sunday through 6 for Saturday.
    package var weekday: Int {
        ((dayNumber + 4) % 7 + 7) % 7
    }

    /// The day `days` later (earlier when negative).
    package func adding(days: Int) -> ReportDate {
        ReportDate(dayNumber: dayNumber + days)
    }

    /// Midnight UTC at the start of the day.
    package var startDate: Date {
        Date(timeIntervalSince1970: TimeInterval(dayNumber) * 86_400)
    }

    /// `YYYYMMDD`, as Reporter and file names write days.
    package var compactText: String {
        String(year * 10_000 + month * 100 + day)
    }
}

/// Date text without a `ReportDate` at hand.
enum ReportDateText {
    static func iso(dayNumber: Int) -> String { ReportDate(dayNumber: dayNumber).isoText }
}
