package import AppStoreConnect
package import Foundation
package import Logging
package import OrchardStorage
import SalesReports

/// Keeps the ECB's reference rates current (docs/JOBS.md, `refresh_fx_rates`): fetches the ECB's
/// published XML (`ORCHARD_FX_URL`; the daily file by default, the 90-day or full-history XML work
/// too) and stores the days it does not hold yet, or holds with other rates; the same file again
/// changes nothing.
package struct ExchangeRateFeed: Sendable {
    package let url: URL
    let transport: HTTPTransport
    let rates: FXRateStore
    let logger: Logger

    /// The ECB's daily reference rates, published around 16:00 CET on TARGET business days.
    package static let defaultURL = URL(string: "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml")!

    package init(url: URL, transport: HTTPTransport, database: OrchardDatabase, logger: Logger) {
        self.url = url
        self.transport = transport
        rates = FXRateStore(database: database)
        self.logger = logger
    }

    package struct Failure: Error, CustomStringConvertible, Sendable {
        package var description: String
    }

    /// Fetches and stores; returns how many rates were stored (0: nothing new).
    @discardableResult
    package func refresh() async throws -> Int {
        let response: TransportResponse
        do {
            response = try await transport.send(TransportRequest(method: .get, url: url, timeout: .seconds(30)))
        } catch {
            throw Failure(description: "the ECB's rates could not be fetched from \(url.absoluteString): \(error)")
        }
        guard response.status == 200 else {
            throw Failure(description: "\(url.absoluteString) answered \(response.status)")
        }
        let days = try Self.parse(String(decoding: response.body, as: UTF8.self), source: url.absoluteString)
        let changed = try await changedDays(days)
        guard !changed.isEmpty else { return 0 }
        let stored = try await rates.importECB(text: Self.csv(changed), name: url.absoluteString)
        logger.notice(
            "new ECB reference rates stored",
            metadata: [
                "days": "\(changed.map(\.day).sorted().joined(separator: ","))", "rates": "\(stored)",
            ])
        return stored
    }

    /// One day of the ECB's XML: `<Cube time="YYYY-MM-DD">` and its `<Cube currency rate>`s.
    package struct Day: Sendable, Equatable {
        package var day: String
        package var rates: [String: String]

        package init(day: String, rates: [String: String]) {
            self.day = day
            self.rates = rates
        }
    }

    /// Reads the ECB's XML (`gesmes:Envelope` with `Cube` elements); anything else is an error that
    /// names what is wrong, never an empty success.
    package static func parse(_ text: String, source: String) throws -> [Day] {
        guard text.contains("<Cube") else {
            throw Failure(description: "\(source) is not the ECB's reference rates XML (no Cube element)")
        }
        var days: [Day] = []
        for element in text.components(separatedBy: "<Cube").dropFirst() {
            let tag = element.prefix { $0 != ">" }
            if let day = attribute("time", in: tag) {
                guard ReportDate(day)?.isoText == day else {
                    throw Failure(description: "\(source): '\(day)' is not a YYYY-MM-DD date")
                }
                days.append(Day(day: day, rates: [:]))
            } else if let currency = attribute("currency", in: tag), let rate = attribute("rate", in: tag) {
                guard !days.isEmpty, currency.count == 3, currency.allSatisfy({ $0.isASCII && $0.isUppercase }),
                    Decimal(string: rate).map({ $0 > 0 }) == true, rate.allSatisfy({ $0.isNumber || $0 == "." })
                else {
                    throw Failure(description: "\(source): '\(currency)' '\(rate)' is not a currency and a rate")
                }
                days[days.count - 1].rates[currency] = rate
            }
        }
        guard !days.isEmpty, days.allSatisfy({ !$0.rates.isEmpty }) else {
            throw Failure(description: "\(source) holds no day with rates")
        }
        return days
    }

    static func attribute(_ name: String, in tag: Substring) -> String? {
        for quote in ["'", "\""] {
            guard let start = tag.range(of: "\(name)=\(quote)") else { continue }
            let rest = tag[start.upperBound...]
            guard let end = rest.firstIndex(of: Character(quote)) else { return nil }
            return String(rest[..<end])
        }
        return nil
    }

    /// The days whose rates are not stored as they are in the file.
    func changedDays(_ days: [Day]) async throws -> [Day] {
        guard let first = days.map(\.day).min(), let last = days.map(\.day).max() else { return [] }
        let held = try await rates.stored(from: first, to: last).mapValues { $0.mapValues { Decimal(string: $0) } }
        return days.filter { day in
            let mine = day.rates.mapValues { Decimal(string: $0) }
            return held[day.day].map { stored in
                mine.count != stored.count || mine.contains { stored[$0.key] != $0.value }
            }
                ?? true
        }
    }

    /// The days as the ECB's CSV, which `FXRateStore.importECB` reads.
    static func csv(_ days: [Day]) -> String {
        let currencies = Set(days.flatMap(\.rates.keys)).sorted()
        var lines = ["Date," + currencies.joined(separator: ",")]
        for day in days.sorted(by: { $0.day > $1.day }) {
            lines.append(([day.day] + currencies.map { day.rates[$0] ?? "N/A" }).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
