package import Foundation
package import SalesReports

/// SalesReports' `ReportFrequency`, as both Apple interfaces spell it: Reporter `Daily`, the App
/// Store Connect API `DAILY`. Financial reports are cut by ``FiscalPeriod``, never by a frequency.
extension ReportFrequency {
    /// Reads `Daily`/`daily`/`DAILY` (both interfaces' spellings); `nil` for anything else,
    /// including `Fiscal`, which no Sales and Trends request names.
    package init?(name: some StringProtocol) {
        guard let value = ReportFrequency(reporterName: String(name)), value != .fiscal else { return nil }
        self = value
    }

    /// The letter in Apple's file names: `S_D_`, `S_W_`, `S_M_`, `S_Y_`.
    var fileLetter: String { String(rawValue.prefix(1)) }

    /// Days after the period's last day before Apple publishes it (docs/REPORTS.md: weekly reports
    /// arrive on Monday, monthly 5 days after month-end, yearly 6 days after year-end).
    var publicationLagDays: Int {
        switch self {
        case .daily, .weekly: return 1
        case .monthly, .fiscal: return 5
        case .yearly: return 6
        }
    }
}

/// The days one report covers: a day, a Monday-to-Sunday week, a calendar month or year.
package struct ReportPeriod: Sendable, Hashable {
    package let frequency: ReportFrequency
    package let start: ReportDate
    package let end: ReportDate

    /// Why a date argument was refused.
    package enum DateProblem: Error, Sendable {
        /// Not a date at all (code 205 / 400).
        case malformed
        /// A real date in the wrong shape for the frequency, e.g. `YYYYMM` for Daily (code 206).
        case wrongShapeForFrequency
    }

    /// The period of `frequency` that contains `day` (weeks run Monday to Sunday).
    package init(_ frequency: ReportFrequency, containing day: ReportDate) {
        self.frequency = frequency
        switch frequency {
        case .daily:
            start = day
            end = day
        case .weekly:
            start = day.mondayOfWeek
            end = start.periodEnd(.weekly)
        case .monthly:
            start = day.firstOfMonth
            end = day.lastOfMonth
        case .yearly:
            start = day.firstOfYear
            end = day.lastOfYear
        case .fiscal:
            preconditionFailure("financial reports are cut by FiscalPeriod; ReportFrequency(name:) never reads Fiscal")
        }
    }

    /// Days `start...end` published as a monthly report is: an Apple fiscal period.
    init(monthlyFrom start: ReportDate, to end: ReportDate) {
        frequency = .monthly
        self.start = start
        self.end = end
    }

    /// Parses Reporter's date argument: `YYYYMMDD` for Daily and Weekly (any day of the week
    /// selects the week that ends on the following Sunday), `YYYYMM` Monthly, `YYYY` Yearly.
    package static func reporter(_ frequency: ReportFrequency, _ text: String) throws(DateProblem) -> ReportPeriod {
        guard !text.isEmpty, text.allSatisfy(\.isASCII), text.allSatisfy(\.isNumber) else { throw .malformed }
        let digits = Array(text).map { Int(String($0))! }
        func number(_ range: Range<Int>) -> Int { range.reduce(0) { $0 * 10 + digits[$1] } }
        let expected: Int
        switch frequency {
        case .daily, .weekly: expected = 8
        case .monthly, .fiscal: expected = 6
        case .yearly: expected = 4
        }
        guard [4, 6, 8].contains(digits.count) else { throw .malformed }
        guard digits.count == expected else { throw .wrongShapeForFrequency }
        let year = number(0..<4)
        let month = digits.count >= 6 ? number(4..<6) : 1
        let day = digits.count == 8 ? number(6..<8) : 1
        guard let date = ReportDate(year: year, month: month, day: day) else { throw .malformed }
        return ReportPeriod(frequency, containing: date)
    }

    /// Parses the App Store Connect API's `filter[reportDate]`: `YYYY-MM-DD` for daily and
    /// weekly, `YYYY-MM` monthly, `YYYY` yearly.
    package static func api(_ frequency: ReportFrequency, _ text: String) throws(DateProblem) -> ReportPeriod {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard (1...3).contains(parts.count), parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isNumber) }),
            parts[0].count == 4, parts.dropFirst().allSatisfy({ $0.count == 2 })
        else { throw .malformed }
        return try reporter(frequency, parts.joined())
    }

    /// The date in Apple's file name: `YYYYMMDD` (the Sunday for weekly), `YYYYMM`, `YYYY`.
    package var fileDateText: String {
        switch frequency {
        case .daily, .weekly: return end.compactText
        case .monthly, .fiscal: return String(end.compactText.prefix(6))
        case .yearly: return String(end.year)
        }
    }

    /// When Apple would publish this report: `availabilityHour` in `zone` on the publication day.
    package func availableAt(hour availabilityHour: Int, in zone: TimeZone) -> Date {
        end.adding(days: frequency.publicationLagDays).start(in: zone, hour: availabilityHour)
    }

    /// Every day in the period, in order.
    package var days: [ReportDate] {
        (start.dayNumber...end.dayNumber).map(ReportDate.init(dayNumber:))
    }
}

extension FiscalPeriod {
    /// The days as a report period, published like a calendar month's reports.
    package var reportPeriod: ReportPeriod { ReportPeriod(monthlyFrom: start, to: end) }
}
