import Foundation
import SQLKit
import SalesReports

/// The metric and product slices of the days whose rollups are one report's own rows
/// (``RollupRows``), added up in memory instead of grouped again in SQL: the rules of
/// ``MetricSlices``' `INSERT ... SELECT`, row for row. A currency with a rate that day becomes euros
/// (each rollup row's money divided by the rate, the sum rounded once to a millionth, as the
/// database's `ROUND` does); one without keeps its code; `rate_day` is the earliest rate used.
/// In-app purchases convert each product group's exact sum once, where the SQL converts each fact:
/// the two agree to the millionth but for a sum that lands on a rounding boundary.
struct OwnSlices {
    /// The rate that applies to one currency on one day (`fx_days`).
    struct Rate: Sendable {
        var perEUR: Double
        var rateDay: Int
    }

    let rows: RollupRows
    let accountID: Int64
    let backend: OrchardDatabase.Backend

    /// Rates of `days` by currency and ISO day.
    static func rates(days: [String], on connection: any SQLDatabase) async throws -> [String: [String: Rate]] {
        guard !days.isEmpty else { return [:] }
        let list =
            SQLQueryString("(") + days.map { "\(bind: $0)" as SQLQueryString }.joined(separator: ", ")
            + SQLQueryString(")")
        var rates: [String: [String: Rate]] = [:]
        for row in try await connection.raw(
            "SELECT currency, day, per_eur, rate_day FROM fx_days WHERE day IN " + list
        ).all() {
            let rateDay = try row.decode(column: "rate_day", as: String.self)
            guard let rateDayNumber = ReportDate(rateDay)?.dayNumber else {
                throw StoredValueError(column: "fx_days.rate_day", value: rateDay)
            }
            rates[try row.decode(column: "day", as: String.self), default: [:]][
                try row.decode(column: "currency", as: String.self)] = Rate(
                    perEUR: try row.decode(column: "per_eur", as: Double.self), rateDay: rateDayNumber)
        }
        return rates
    }

    /// What a currency becomes on one day: its slice currency (an index into ``Conversion/names``),
    /// the rate when it converts, and the day of that rate.
    private struct Converted {
        var currency: Int
        var perEUR: Double?
        var rateDay: Int?
    }

    /// The slice currencies of the report's currencies on each of its days.
    private struct Conversion {
        var names: [String] = []
        /// By day id, then currency id.
        var table: [[Converted]] = []

        init(rows: RollupRows, rates: [String: [String: Rate]]) {
            var ids: [String: Int] = [:]
            func id(_ name: String) -> Int {
                if let known = ids[name] { return known }
                ids[name] = names.count
                names.append(name)
                return names.count - 1
            }
            for day in rows.days {
                let dayRates = rates[day.isoText] ?? [:]
                table.append(
                    rows.currencies.map { currency in
                        guard let rate = dayRates[currency] else { return Converted(currency: id(currency)) }
                        return Converted(
                            currency: id("EUR"), perEUR: currency == "EUR" ? nil : rate.perEUR, rateDay: rate.rateDay)
                    })
            }
        }

        /// `micros` as the slice adds it: converted by the rate, or as it is.
        @inline(__always)
        static func amount(_ micros: Int64, _ converted: Converted) -> Double {
            guard let perEUR = converted.perEUR else { return Double(micros) }
            return Double(micros) / perEUR
        }

        /// The earlier of two rate days (`nil` for none).
        @inline(__always)
        static func earliest(_ left: Int?, _ right: Int?) -> Int? {
            guard let left else { return right }
            guard let right else { return left }
            return min(left, right)
        }
    }

    /// Writes the slices of `days` (all of them the report's own days) into `metric_slices` and
    /// `product_slices`, after deleting what those days had. `false`, with nothing written, when a sum
    /// does not fit a stored integer (the SQL rebuild then reports it).
    func write(
        days: Set<ReportDate>, on connection: any SQLDatabase, driver: OrchardDatabase.DriverConnection
    ) async throws -> Bool {
        let texts = days.map(\.isoText).sorted()
        let conversion = Conversion(rows: rows, rates: try await Self.rates(days: texts, on: connection))
        // Adding up hundreds of thousands of rows is CPU work: on a thread of its own, like the parse,
        // never on Swift concurrency's few cooperative threads, which serve every request meanwhile.
        let added = await Self.onThreadOfItsOwn { [self] in
            (metricRows(days: days, conversion), productRows(days: days, conversion))
        }
        guard let metric = added.0, let product = added.1 else { return false }
        let list =
            SQLQueryString("(") + texts.map { "\(bind: $0)" as SQLQueryString }.joined(separator: ", ")
            + SQLQueryString(")")
        try await connection.raw(
            "DELETE FROM metric_slices WHERE store_account_id = \(bind: accountID) AND day IN " + list
        ).run()
        try await connection.raw(
            "DELETE FROM product_slices WHERE store_account_id = \(bind: accountID) AND day IN " + list
        ).run()
        for (table, columns, values) in [
            ("metric_slices", Self.metricColumns, metric), ("product_slices", Self.productColumns, product),
        ] where !values.isEmpty {
            var writer = BulkWriter(connection: driver, table: table, columns: columns)
            do {
                for row in values { try await writer.append(row) }
                try await writer.flush()
            } catch {
                await writer.abandon()
                throw error
            }
        }
        return true
    }

    /// Runs `body` on a new thread and returns its result.
    private static func onThreadOfItsOwn<Result: Sendable>(_ body: @escaping @Sendable () -> Result) async -> Result {
        await withCheckedContinuation { continuation in
            let thread = Thread { continuation.resume(returning: body()) }
            thread.name = "orchard.ingest.slices"
            thread.stackSize = 4 << 20
            thread.start()
        }
    }

    static let metricColumns = [
        "store_account_id", "dimension", "key", "day", "proceeds_currency", "customer_currency", "downloads",
        "redownloads", "updates", "in_app_purchases", "restores", "other", "returns", "proceeds_micros",
        "sales_micros", "rate_day",
    ]

    static let productColumns = [
        "store_account_id", "app_sku", "sku", "day", "proceeds_currency", "customer_currency", "units", "returns",
        "proceeds_micros", "sales_micros", "rate_day",
    ]

    /// A sum of converted millionths as the database's `CAST(ROUND(...) AS BIGINT)` gives it: ties
    /// away from zero on SQLite, to even on PostgreSQL (its `round` of a double); `nil` past Int64.
    private func stored(_ sum: Double) -> Int64? {
        let rounded = sum.rounded(backend == .postgres ? .toNearestOrEven : .toNearestOrAwayFromZero)
        return Int64(exactly: rounded)
    }

    private func rateDayValue(_ day: Int?) -> BulkValue {
        day.map { .text(ReportDate(dayNumber: $0).isoText) } ?? .null
    }

    /// The `metric_slices` rows of `days`, sorted by their unique key.
    private func metricRows(days: Set<ReportDate>, _ conversion: Conversion) -> [[BulkValue]]? {
        let wanted = rows.days.map { days.contains($0) }
        let dimensions: [(name: String, keys: [String], position: Int?)] = [
            ("all", [""], nil), ("app", rows.apps, 0), ("country", rows.countries, 1), ("device", rows.devices, 2),
        ]
        // A slice is its dimension, key id, day id and slice currencies packed into one integer
        // (2 + 22 + 5 + 10 + 10 bits: the accumulator's ids fit, and a currency table of at most
        // 513 names).
        var slots = IntSlotTable()
        var counts: [Int64] = []
        var money: [Double] = []
        var rateDays: [Int] = []
        let none = Int.max
        var ids = [Int](repeating: 0, count: rows.widths.count)
        for entry in rows.entries {
            var rest = entry.key
            for position in rows.widths.indices.reversed() {
                ids[position] = rest & (1 << rows.widths[position] - 1)
                rest >>= rows.widths[position]
            }
            guard wanted[ids[5]] else { continue }
            let proceedsCurrency = conversion.table[ids[5]][ids[3]]
            let customerCurrency = conversion.table[ids[5]][ids[4]]
            let proceeds = Conversion.amount(rows.money[entry.slot * RollupAccumulator.moneyCount], proceedsCurrency)
            let sales = Conversion.amount(rows.money[entry.slot * RollupAccumulator.moneyCount + 1], customerCurrency)
            let rateDay = Conversion.earliest(proceedsCurrency.rateDay, customerCurrency.rateDay) ?? none
            let countBase = entry.slot * RollupAccumulator.countCount
            let tail = (ids[5] << 10 | proceedsCurrency.currency) << 10 | customerCurrency.currency
            for (index, dimension) in dimensions.enumerated() {
                let key = (index << 22 | (dimension.position.map { ids[$0] } ?? 0)) << 25 | tail
                let slot = slots.slot(key)
                if slot == rateDays.count {
                    counts.append(contentsOf: repeatElement(0, count: RollupAccumulator.countCount))
                    money.append(contentsOf: [0, 0])
                    rateDays.append(none)
                }
                for column in 0..<RollupAccumulator.countCount {
                    counts[slot * RollupAccumulator.countCount + column] += Int64(rows.counts[countBase + column])
                }
                money[slot * 2] += proceeds
                money[slot * 2 + 1] += sales
                rateDays[slot] = min(rateDays[slot], rateDay)
            }
        }
        var result: [(sortKey: [String], values: [BulkValue])] = []
        for (key, slot) in slots.entries {
            guard let proceeds = stored(money[slot * 2]), let sales = stored(money[slot * 2 + 1]) else { return nil }
            let dimension = dimensions[key >> 47]
            let keyText = dimension.keys[key >> 25 & (1 << 22 - 1)]
            let day = rows.days[key >> 20 & 31].isoText
            let proceedsCurrency = conversion.names[key >> 10 & 1023]
            let customerCurrency = conversion.names[key & 1023]
            var values: [BulkValue] = [
                .integer(accountID), .text(dimension.name), .text(keyText), .text(day), .text(proceedsCurrency),
                .text(customerCurrency),
            ]
            let base = slot * RollupAccumulator.countCount
            values += counts[base..<base + RollupAccumulator.countCount].map { .integer($0) }
            values += [
                .integer(proceeds), .integer(sales), rateDayValue(rateDays[slot] == none ? nil : rateDays[slot]),
            ]
            result.append(([dimension.name, keyText, day, proceedsCurrency, customerCurrency], values))
        }
        return result.sorted { $0.sortKey.lexicographicallyPrecedes($1.sortKey) }.map(\.values)
    }
    /// The `product_slices` rows of `days`, sorted by their unique key.
    private func productRows(days: Set<ReportDate>, _ conversion: Conversion) -> [[BulkValue]]? {
        struct Key: Hashable {
            var app: Int32
            var sku: Int32
            var day: Int32
            var proceedsCurrency: Int
            var customerCurrency: Int
        }
        struct ProductSums {
            var units: Int64 = 0
            var returns: Int64 = 0
            var proceeds = 0.0
            var sales = 0.0
            var rateDay: Int?
        }
        var groups: [Key: ProductSums] = [:]
        for (product, sums) in rows.products where days.contains(rows.days[Int(product.day)]) {
            let proceedsCurrency = conversion.table[Int(product.day)][Int(product.proceedsCurrency)]
            let customerCurrency = conversion.table[Int(product.day)][Int(product.customerCurrency)]
            let key = Key(
                app: product.app, sku: product.sku, day: product.day, proceedsCurrency: proceedsCurrency.currency,
                customerCurrency: customerCurrency.currency)
            var group = groups[key] ?? ProductSums()
            let (units, unitOverflow) = group.units.addingReportingOverflow(sums.units)
            let (returns, returnOverflow) = group.returns.addingReportingOverflow(sums.returns)
            guard !unitOverflow, !returnOverflow else { return nil }
            group.units = units
            group.returns = returns
            group.proceeds += Conversion.amount(sums.proceeds, proceedsCurrency)
            group.sales += Conversion.amount(sums.sales, customerCurrency)
            group.rateDay = Conversion.earliest(
                group.rateDay, Conversion.earliest(proceedsCurrency.rateDay, customerCurrency.rateDay))
            groups[key] = group
        }
        var result: [(sortKey: [String], values: [BulkValue])] = []
        for (key, sums) in groups {
            guard let proceeds = stored(sums.proceeds), let sales = stored(sums.sales) else { return nil }
            let app = rows.apps[Int(key.app)]
            let sku = rows.skus[Int(key.sku)]
            let day = rows.days[Int(key.day)].isoText
            let proceedsCurrency = conversion.names[key.proceedsCurrency]
            let customerCurrency = conversion.names[key.customerCurrency]
            result.append(
                (
                    [app, day, sku, proceedsCurrency, customerCurrency],
                    [
                        .integer(accountID), .text(app), .text(sku), .text(day), .text(proceedsCurrency),
                        .text(customerCurrency), .integer(sums.units), .integer(sums.returns), .integer(proceeds),
                        .integer(sales), rateDayValue(sums.rateDay),
                    ]
                ))
        }
        return result.sorted { $0.sortKey.lexicographicallyPrecedes($1.sortKey) }.map(\.values)
    }
}
