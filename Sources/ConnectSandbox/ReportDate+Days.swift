package import Foundation
package import SalesReports

extension ReportDate {
    /// The UTC calendar day of `date` (sandbox days are UTC days).
    package init(containing date: Date) {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down))
        self.init(dayNumber: seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400)
    }

    /// Midnight UTC at the start of the day.
    package var startDate: Date {
        Date(timeIntervalSince1970: TimeInterval(dayNumber) * 86_400)
    }
}

/// Date text without a `ReportDate` at hand.
enum ReportDateText {
    static func iso(dayNumber: Int) -> String { ReportDate(dayNumber: dayNumber).isoText }
}
