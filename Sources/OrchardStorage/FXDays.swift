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

    /// Rewrites `fx_days` from `fx_rates`.
    static func rebuild(on connection: any SQLDatabase) async throws {
        let rows = try await connection.raw(
            "SELECT currency, day, per_eur, source FROM fx_rates ORDER BY currency, day"
        ).all()
        // One rate per currency and day; the ECB's own where another source has one too.
        var published: [String: [(day: Int, text: String, perEUR: String, ecb: Bool)]] = [:]
        for row in rows {
            let currency = try row.decode(column: "currency", as: String.self)
            let dayText = try row.decode(column: "day", as: String.self)
            guard let day = ReportDate(dayText)?.dayNumber else { continue }
            let ecb = try row.decode(column: "source", as: String.self) == "ECB"
            let rate = (day, dayText, try row.decode(column: "per_eur", as: String.self), ecb)
            if let last = published[currency]?.last, last.day == day {
                if ecb { published[currency]![published[currency]!.count - 1] = rate }
            } else {
                published[currency, default: []].append(rate)
            }
        }
        try await connection.raw("DELETE FROM fx_days").run()
        var batch: [SQLQueryString] = []
        func flush() async throws {
            guard !batch.isEmpty else { return }
            try await connection.raw(
                "INSERT INTO fx_days (currency, day, per_eur, rate_day) VALUES "
                    + batch.joined(separator: ", ")
            ).run()
            batch.removeAll(keepingCapacity: true)
        }
        for (currency, rates) in published.sorted(by: { $0.key < $1.key }) {
            for (index, rate) in rates.enumerated() {
                let next = index + 1 < rates.count ? rates[index + 1].day : Int.max
                let end = min(next - 1, rate.day + maximumRateAge)
                guard rate.day <= end else { continue }
                for day in rate.day...end {
                    batch.append(
                        "(\(bind: currency), \(bind: ReportDate(dayNumber: day).isoText), CAST(\(bind: rate.perEUR) AS DOUBLE PRECISION), \(bind: rate.text))"
                    )
                    if batch.count == 1_000 { try await flush() }
                }
            }
        }
        try await flush()
    }
}
