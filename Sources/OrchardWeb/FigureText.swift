import Foundation
import OrchardStorage
import SalesReports

/// Money and counts as people and spreadsheets read them.
enum FigureText {
    /// Millionths as a decimal with 2 decimals, rounded half-even: `1234.50`, `-0.07` (SalesReports'
    /// own formatting, as `orchard summarize` writes money).
    static func decimal(micros: Double) -> String {
        DecimalAmount(millionths: Int128(micros.rounded(.toNearestOrEven))).formatted()
    }

    static func decimal(micros: Int64) -> String {
        DecimalAmount(millionths: Int128(micros)).formatted()
    }

    /// A count with thousands separators: `12,480`.
    static func count(_ value: Double) -> String {
        grouped(String(Int64(value.rounded()).magnitude), negative: value < 0)
    }

    /// An amount of `currency` for people: `$9,812.40`, `€12.00`, `1,200.00 CHF`.
    static func money(_ value: Double, _ currency: String) -> String {
        let cents = Int64((value * 100).rounded(.toNearestOrEven))
        let text = grouped(String(cents.magnitude / 100), negative: false) + "." + twoDigits(cents.magnitude % 100)
        let sign = cents < 0 ? "−" : ""
        guard let symbol = symbols[currency] else { return sign + text + " " + currency }
        return sign + symbol + text
    }

    static let symbols = ["USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥"]

    /// A metric's value for people.
    static func value(_ value: Double, metric: MetricsStore.Metric, currency: String) -> String {
        metric.isMoney ? money(value, currency) : count(value)
    }

    /// Short value for chart axes: `12.5k`, `$1.2M`.
    static func compact(_ value: Double, metric: MetricsStore.Metric, currency: String) -> String {
        let magnitude = abs(value)
        let (scaled, suffix): (Double, String) =
            magnitude >= 1_000_000 ? (value / 1_000_000, "M") : magnitude >= 1_000 ? (value / 1_000, "k") : (value, "")
        if suffix.isEmpty {
            // Below a thousand: whole amounts without cents (an axis of $0, $500, $1k), others exact.
            guard metric.isMoney, value != value.rounded() else {
                let count = Self.count(value)
                guard metric.isMoney, let symbol = symbols[currency] else {
                    return metric.isMoney ? count + " " + currency : count
                }
                return count.hasPrefix("−") ? "−" + symbol + count.dropFirst() : symbol + count
            }
            return money(value, currency)
        }
        var number = String(format: "%.1f", scaled)
        if number.hasSuffix(".0") { number.removeLast(2) }
        guard metric.isMoney else { return number + suffix }
        let symbol = symbols[currency]
        return (value < 0 ? "−" : "") + (symbol ?? "") + number.replacingOccurrences(of: "-", with: "") + suffix
            + (symbol == nil ? " " + currency : "")
    }

    private static func twoDigits(_ value: UInt64) -> String { value < 10 ? "0\(value)" : "\(value)" }

    private static func grouped(_ digits: String, negative: Bool) -> String {
        var result = ""
        for (index, character) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { result.append(",") }
            result.append(character)
        }
        return (negative ? "−" : "") + result
    }

    /// `3 Nov 2026`.
    static func day(_ day: ReportDate, year: Bool = true) -> String {
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        return "\(day.day) \(months[day.month - 1])" + (year ? " \(day.year)" : "")
    }

    /// `2 Nov – 1 Dec 2026`.
    static func range(_ from: ReportDate, _ to: ReportDate) -> String {
        from == to ? day(to) : day(from, year: from.year != to.year) + " – " + day(to)
    }
}
