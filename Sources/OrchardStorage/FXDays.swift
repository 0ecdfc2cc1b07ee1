import Foundation
import SQLKit
import SalesReports

/// The rate that applies to each calendar day (`fx_days`), derived from the published rates in
/// `fx_rates`: the nearest earlier published rate, as long as it is at most ``maximumRateAge`` days
/// old. An older rate is not used: a currency the ECB stopped publishing (the rouble since March 2022)
/// is shown in its own currency and flagged, never converted with a stale rate.
package enum FXDays {
    /// Days a published rate stays in use (the ECB skips weekends and TARGET holidays, at most four days in a row).
    package static let maximumRateAge = 45

    /// Rewrites `fx_days` from `fx_rates`, or from `stored` when the caller has every stored rate in
    /// hand already (`[day, currency, per_eur, source]`, as at first start: reading 135,000 rates back
    /// costs seconds).
    static func rebuild(on connection: any SQLDatabase, stored: [[String]]? = nil) async throws {
        var all = stored ?? []
        if stored == nil {
            all = try await connection.raw("SELECT day, currency, per_eur, source FROM fx_rates").all().map { row in
                [
                    try row.decode(column: "day", as: String.self), try row.decode(column: "currency", as: String.self),
                    try row.decode(column: "per_eur", as: String.self),
                    try row.decode(column: "source", as: String.self),
                ]
            }
        }
        // Per currency, its published days in order (one rate per currency and day: the table's key).
        var published: [String: [(day: Int, text: String, perEUR: String)]] = [:]
        for row in all {
            guard let day = ReportDate(row[0])?.dayNumber else { continue }
            published[row[1], default: []].append((day, row[0], row[2]))
        }
        try await connection.raw("DELETE FROM fx_days").run()
        var values: [String] = []
        values.reserveCapacity(5_000)
        for (currency, unordered) in published {
            let rates = unordered.sorted { $0.day < $1.day }
            guard isCode(currency) else { continue }
            for (index, rate) in rates.enumerated() {
                let next = index + 1 < rates.count ? rates[index + 1].day : Int.max
                let end = min(next - 1, rate.day + maximumRateAge)
                guard rate.day <= end, FXRateStore.isPositiveDecimal(rate.perEUR), ReportDate(rate.text) != nil else {
                    continue
                }
                // Checked just above: a code, a plain decimal and an ISO day, safe as literals.
                let tail = "', '\(rate.perEUR)', '\(rate.text)')"
                for day in rate.day...end {
                    values.append("('\(currency)', '" + ReportDate(dayNumber: day).isoText + tail)
                    if values.count == 5_000 {
                        try await insertValues(values, on: connection)
                        values.removeAll(keepingCapacity: true)
                    }
                }
            }
        }
        try await insertValues(values, on: connection)
    }

    private static func insertValues(_ values: [String], on connection: any SQLDatabase) async throws {
        guard !values.isEmpty else { return }
        try await connection.raw(
            SQLQueryString(
                "INSERT INTO fx_days (currency, day, per_eur, rate_day) VALUES " + values.joined(separator: ", "))
        ).run()
    }

    static func isCode(_ text: String) -> Bool {
        text.utf8.count == 3 && text.utf8.allSatisfy { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }
    }

    /// Inserts rows of exchange-rate text (codes, ISO days, plain decimals, source names: every value
    /// checked when the rates were read, and checked again here) as literal multi-row `INSERT`s:
    /// hundreds of thousands of rates at first start, where binding each value costs seconds.
    static func insert(into table: String, columns: [String], rows: [[String]], on connection: any SQLDatabase)
        async throws
    {
        func literal(_ value: String) -> String {
            precondition(
                value.utf8.allSatisfy { byte in
                    (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                        || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
                }, "exchange-rate values are codes, days and decimals")
            return "'" + value + "'"
        }
        let head = "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES "
        for start in stride(from: 0, to: rows.count, by: 5_000) {
            let values = rows[start..<min(start + 5_000, rows.count)].map { row in
                "(" + row.map(literal).joined(separator: ", ") + ")"
            }
            try await connection.raw(SQLQueryString(head + values.joined(separator: ", "))).run()
        }
    }
}
