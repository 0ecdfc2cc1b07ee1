/// A calendar day as written in a report, without time zone (Apple's report days are
/// Pacific-time based for the Americas; the file does not say which, so none is assumed).
public struct ReportDate: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The year, e.g. `2020`.
    public let year: Int
    /// The month, 1...12.
    public let month: Int
    /// The day of the month, 1...31 (valid for the month and year).
    public let day: Int

    /// Creates a date, or `nil` when the day does not exist (e.g. 02/30, 02/29/2023).
    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month), day >= 1,
            day <= ReportDate.daysIn(month: month, year: year)
        else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses `MM/DD/YYYY` (Sales and Financial reports) or `YYYY-MM-DD` (subscription reports).
    public init?(_ text: some StringProtocol) {
        var bytes = Array(text.utf8)
        guard let date = bytes.withUnsafeMutableBytes({ FieldParser.date(UnsafeRawBufferPointer($0)) }) else {
            return nil
        }
        self = date
    }

    /// ISO 8601 `YYYY-MM-DD`.
    public var description: String { isoText }

    /// `YYYY-MM-DD`, as subscription reports write dates.
    public var isoText: String {
        "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }

    /// `MM/DD/YYYY`, as Sales and Financial reports write dates.
    public var usText: String {
        "\(pad(month, 2))/\(pad(day, 2))/\(pad(year, 4))"
    }

    /// Orders chronologically.
    public static func < (lhs: ReportDate, rhs: ReportDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    private func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }
}
