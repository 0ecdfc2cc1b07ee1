package import Foundation
import SQLKit
package import SalesReports

/// Daily reference rates (units of a currency per 1 EUR, as the ECB publishes them) and conversion
/// between any two currencies on a day, with the nearest earlier rate at most ``FXDays/maximumRateAge``
/// days old (as the dashboard converts); the answer names the rate date.
package struct FXRateStore: Sendable {
    let database: OrchardDatabase

    package init(database: OrchardDatabase) {
        self.database = database
    }

    package enum Failure: Error, Equatable, Sendable, CustomStringConvertible {
        case malformed(file: String, line: Int, message: String)

        package var description: String {
            switch self {
            case .malformed(let file, let line, let message): "\(file):\(line): \(message)"
            }
        }
    }

    /// A converted amount and the day of the rates used (the older one when two were needed).
    package struct Conversion: Sendable, Equatable {
        package var micros: Int64
        package var rateDate: String?
    }

    /// Loads an ECB-style CSV (`Date,USD,JPY,...`, one day a line, `N/A` where a currency had no rate),
    /// replacing the rates of the days it covers; returns how many rates it stored.
    @discardableResult
    package func importECB(path: String, source: String = "ECB") async throws -> Int {
        try await importECB(text: try String(contentsOfFile: path, encoding: .utf8), name: path, source: source)
    }

    /// The ECB history Orchard ships (since 2010), loaded when it is newer than the stored rates: at
    /// migrate time and at first start. Returns how many rates it stored (0 when nothing was newer).
    @discardableResult
    package func loadShippedRates() async throws -> Int {
        guard let url = Bundle.module.url(forResource: "ecb-reference-rates.csv", withExtension: "gz") else {
            return 0
        }
        let text = String(decoding: try Gzip.decompress(Array(try Data(contentsOf: url))), as: UTF8.self)
        // The file is in date order: its last line names its newest day.
        let lines = text.hasSuffix("\n") ? text.dropLast() : Substring(text)
        let lastLine = lines.lastIndex(of: "\n").map { lines[lines.index(after: $0)...] } ?? lines
        let shippedLast = String(lastLine.prefix(10))
        let storedLast = try await newestDay()
        guard storedLast.map({ $0 < shippedLast }) ?? true else { return 0 }
        return try await importECB(
            text: text, name: "ecb-reference-rates.csv.gz", source: "ECB", unlessStoredThrough: shippedLast)
    }

    /// Loads ECB-style CSV text; `name` names it in errors. With `unlessStoredThrough`, nothing is
    /// loaded (0) when the stored rates already reach that day, as read under the write lock: several
    /// processes started at once (hosts after an upgrade) load the shipped history once, not once each
    /// with the dashboard's euro amounts rebuilt every time.
    package func importECB(
        text: String, name path: String, source: String = "ECB", unlessStoredThrough: String? = nil
    ) async throws -> Int {
        var lines = text.split(omittingEmptySubsequences: true, whereSeparator: \.isNewline).makeIterator()
        guard let headerLine = lines.next() else {
            throw Failure.malformed(file: path, line: 1, message: "the file is empty")
        }
        let header = headerLine.split(separator: ",", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        guard header.first == "Date", header.count > 1,
            header.dropFirst().allSatisfy({ $0.isEmpty || ($0.count == 3 && $0.allSatisfy(\.isUppercase)) })
        else {
            throw Failure.malformed(file: path, line: 1, message: "the header is not Date,USD,JPY,... (ECB layout)")
        }
        var rates: [(day: String, currency: String, perEUR: String)] = []
        var lineNumber = 1
        while let line = lines.next() {
            lineNumber += 1
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            let day = fields[0]
            guard day.count == 10, Self.isISODay(day) else {
                throw Failure.malformed(file: path, line: lineNumber, message: "'\(day)' is not a YYYY-MM-DD date")
            }
            for (index, value) in fields.enumerated().dropFirst() where index < header.count && !header[index].isEmpty {
                guard !value.isEmpty, value != "N/A" else { continue }
                // A plain positive decimal (the ECB writes `1.1172`); checked without Decimal, which is
                // slow for the 135,000 rates of the shipped history.
                guard Self.isPositiveDecimal(value) else {
                    throw Failure.malformed(
                        file: path, line: lineNumber, message: "'\(value)' is not a rate for \(header[index])")
                }
                rates.append((day, header[index], value))
            }
        }
        guard let first = rates.map(\.day).min(), let last = rates.map(\.day).max() else { return 0 }
        guard !source.isEmpty, source.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) else {
            throw Failure.malformed(file: path, line: 0, message: "'\(source)' is not a source name")
        }
        let parsed = rates
        let backend = database.backend
        // Another process's load (135,770 rates and every account's euro amounts) may hold SQLite's
        // write lock longer than its busy timeout: waited for asleep.
        return try await database.withTransaction(waitingAsleep: .seconds(300)) { connection in
            if backend == .postgres {
                // Two processes starting at once both load the shipped rates: one after the other.
                try await connection.raw("LOCK TABLE fx_rates IN EXCLUSIVE MODE").run()
            }
            if let unlessStoredThrough,
                let stored = try await connection.raw(
                    "SELECT MAX(day) AS last FROM fx_rates WHERE source = \(bind: source)"
                ).first()?.decode(column: "last", as: String?.self), stored >= unlessStoredThrough
            {
                return 0
            }
            let wasEmpty =
                try await connection.raw("SELECT COUNT(*) AS n FROM fx_rates").first()?.decode(
                    column: "n", as: Int.self) == 0
            try await connection.raw(
                "DELETE FROM fx_rates WHERE day >= \(bind: first) AND day <= \(bind: last) AND source = \(bind: source)"
            ).run()
            let rows = parsed.map { [$0.day, $0.currency, $0.perEUR, source] }
            try await FXDays.insert(
                into: "fx_rates", columns: ["day", "currency", "per_eur", "source"], rows: rows, on: connection)
            // The rates that apply to each day, and the dashboard's euro amounts from the first
            // day whose rate may have changed.
            try await FXDays.rebuild(on: connection, stored: wasEmpty ? rows : nil)
            try await MetricSlices.rebuild(from: first, on: connection)
            return parsed.count
        }
    }

    /// The newest day with an ECB rate, `nil` when none is stored.
    package func newestDay() async throws -> String? {
        try await database.withConnection { connection in
            try await connection.raw("SELECT MAX(day) AS last FROM fx_rates WHERE source = 'ECB'").first()?
                .decode(column: "last", as: String?.self)
        }
    }

    /// The ECB rates stored for the days `from...to`: per day, per currency, units per euro as stored.
    package func stored(from: String, to: String) async throws -> [String: [String: String]] {
        let rows = try await database.withConnection { connection in
            try await connection.raw(
                """
                SELECT day, currency, per_eur FROM fx_rates
                WHERE source = 'ECB' AND day >= \(bind: from) AND day <= \(bind: to)
                """
            ).all()
        }
        var days: [String: [String: String]] = [:]
        for row in rows {
            days[try row.decode(column: "day", as: String.self), default: [:]][
                try row.decode(column: "currency", as: String.self)] = try row.decode(
                    column: "per_eur", as: String.self)
        }
        return days
    }

    /// Why an amount cannot be converted on a day.
    package enum Unconvertible: Error, Equatable, Sendable, CustomStringConvertible {
        /// No rate of `currency` on or before `day`.
        case noRate(currency: String, day: String)
        /// The nearest earlier rate of `currency` is of `rateDay`, more than ``FXDays/maximumRateAge``
        /// days before `day`: too old to use (the dashboard shows such amounts unconverted).
        case staleRate(currency: String, rateDay: String, day: String)

        package var description: String {
            switch self {
            case .noRate(let currency, let day):
                "no \(currency) rate on or before \(day)"
            case .staleRate(let currency, let rateDay, let day):
                "the last \(currency) rate on or before \(day) is of \(rateDay), more than \(FXDays.maximumRateAge) days earlier: a rate that old is not used (the dashboard shows such amounts unconverted)"
            }
        }
    }

    /// Units of `currency` per EUR on `day`, from the nearest earlier day with a rate, as long as it is
    /// at most ``FXDays/maximumRateAge`` days old (the dashboard's rule); `nil` otherwise. EUR is 1 on
    /// every day.
    package func rate(_ currency: String, on day: ReportDate) async throws -> (perEUR: Decimal, day: String?)? {
        guard case .success(let rate) = try await usableRate(currency, on: day) else { return nil }
        return rate
    }

    /// Converts `micros` of `from` into `to` on `day`, rounded half-even to a millionth, with the rates
    /// the dashboard would use: the nearest earlier ones, at most ``FXDays/maximumRateAge`` days old.
    /// Throws ``Unconvertible`` naming the currency without a usable rate.
    package func convert(micros: Int64, from: String, to: String, on day: ReportDate) async throws -> Conversion {
        if from == to { return Conversion(micros: micros, rateDate: nil) }
        let source = try await usableRate(from, on: day).get()
        let target = try await usableRate(to, on: day).get()
        let dates = [source.day, target.day].compactMap { $0 }
        return Conversion(
            micros: Self.converted(micros, from: source.perEUR, to: target.perEUR), rateDate: dates.min())
    }

    /// The published rates of `currency` that days `from...to` may use (from ``FXDays/maximumRateAge``
    /// days before `from`), oldest first, in one query: ``RatesOfRange/rate(on:)`` then answers as
    /// ``rate(_:on:)`` does for each day, without asking the database again.
    package func rates(_ currency: String, from: ReportDate, to: ReportDate) async throws -> RatesOfRange {
        guard currency != "EUR" else { return RatesOfRange(currency: currency, published: []) }
        let rows = try await database.withConnection { connection in
            try await connection.raw(
                """
                SELECT day, per_eur FROM fx_rates WHERE currency = \(bind: currency)
                  AND day >= \(bind: from.adding(days: -FXDays.maximumRateAge).isoText) AND day <= \(bind: to.isoText)
                ORDER BY day
                """
            ).all()
        }
        return RatesOfRange(
            currency: currency,
            published: try rows.compactMap { row in
                let day = try row.decode(column: "day", as: String.self)
                let text = try row.decode(column: "per_eur", as: String.self)
                return Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")).map { (day, $0) }
            })
    }

    /// One currency's published rates over a range (``rates(_:from:to:)``).
    package struct RatesOfRange: Sendable {
        let currency: String
        let published: [(day: String, perEUR: Decimal)]

        /// Units per EUR on `day`: the nearest earlier published rate at most ``FXDays/maximumRateAge``
        /// days old, as ``FXRateStore/rate(_:on:)``; `nil` without one. EUR is 1.
        package func rate(on day: ReportDate) -> (perEUR: Decimal, day: String?)? {
            if currency == "EUR" { return (1, nil) }
            let text = day.isoText
            var low = 0
            var high = published.count
            while low < high {
                let middle = (low + high) / 2
                if published[middle].day <= text { low = middle + 1 } else { high = middle }
            }
            guard low > 0 else { return nil }
            let found = published[low - 1]
            guard let date = ReportDate(found.day), day.dayNumber - date.dayNumber <= FXDays.maximumRateAge else {
                return nil
            }
            return (found.perEUR, found.day)
        }
    }

    /// `micros` at `from` units per EUR in `to` units per EUR, rounded half-even to a millionth.
    package static func converted(_ micros: Int64, from: Decimal, to: Decimal) -> Int64 {
        var exact = Decimal(micros) * to / from
        var rounded = Decimal()
        NSDecimalRound(&rounded, &exact, 0, .bankers)
        return NSDecimalNumber(decimal: rounded).int64Value
    }

    /// The nearest earlier rate of `currency` on `day`, or why there is none to use.
    private func usableRate(_ currency: String, on day: ReportDate) async throws
        -> Swift.Result<(perEUR: Decimal, day: String?), Unconvertible>
    {
        if currency == "EUR" { return .success((1, nil)) }
        let row = try await database.withConnection { connection in
            try await connection.raw(
                """
                SELECT day, per_eur FROM fx_rates WHERE currency = \(bind: currency) AND day <= \(bind: day.isoText)
                ORDER BY day DESC LIMIT 1
                """
            ).first()
        }
        guard let row,
            let rate = Decimal(
                string: try row.decode(column: "per_eur", as: String.self), locale: Locale(identifier: "en_US_POSIX"))
        else { return .failure(.noRate(currency: currency, day: day.isoText)) }
        let rateDay = try row.decode(column: "day", as: String.self)
        guard let published = ReportDate(rateDay), day.dayNumber - published.dayNumber <= FXDays.maximumRateAge else {
            return .failure(.staleRate(currency: currency, rateDay: rateDay, day: day.isoText))
        }
        return .success((rate, rateDay))
    }

    static func isPositiveDecimal(_ text: String) -> Bool {
        var digits = 0
        var dots = 0
        var nonZero = false
        for byte in text.utf8 {
            if byte == UInt8(ascii: ".") {
                dots += 1
            } else if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                digits += 1
                if byte != UInt8(ascii: "0") { nonZero = true }
            } else {
                return false
            }
        }
        return digits > 0 && dots <= 1 && nonZero && digits <= 20
    }

    private static func isISODay(_ text: String) -> Bool {
        let parts = text.split(separator: "-")
        return parts.count == 3 && parts[0].count == 4 && parts[1].count == 2 && parts[2].count == 2
            && parts.allSatisfy { $0.allSatisfy(\.isNumber) }
    }
}
