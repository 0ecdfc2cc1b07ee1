import SalesReports

/// Date text without a `ReportDate` at hand.
enum ReportDateText {
    static func iso(dayNumber: Int) -> String { ReportDate(dayNumber: dayNumber).isoText }
}
