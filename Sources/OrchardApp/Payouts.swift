package import Foundation
package import OrchardCore
package import OrchardStorage
package import SalesReports

/// What Apple pays, per fiscal month and currency (docs/PAYOUTS.md): the final proceeds of the
/// Financial reports beside the estimate the daily sales reports made of the same days, the
/// difference explained, the month's status and expected payment, a total in the user's currency,
/// and a forecast of the fiscal month in progress. The Payouts page, `GET /api/v1/payouts` and
/// its CSV all come from ``report(query:user:readable:)``.
package struct Payouts: Sendable {
    /// Where a fiscal month stands.
    package enum Status: String, Sendable {
        /// Every account's Financial report for the month is in: the figures are what Apple pays.
        case final
        /// The month closed; some account's Financial report has not arrived (or cannot: no Finance role).
        case estimated
        /// The month is still running.
        case inProgress = "in_progress"
    }

    /// Sums of paid rows: units and proceeds in millionths, returns apart (negative).
    package struct Amount: Sendable, Equatable {
        package var units: Int64 = 0
        package var micros: Int64 = 0
        package var returnUnits: Int64 = 0
        package var returnMicros: Int64 = 0

        mutating func add(_ line: PayoutStore.Line) {
            units += line.units
            micros += line.micros
            if line.isReturn {
                returnUnits += line.units
                returnMicros += line.micros
            }
        }
    }

    /// One part of the difference between the final proceeds and the estimate.
    package struct Part: Sendable, Equatable {
        package enum Kind: String, Sendable {
            /// Returns the two sides booked differently (Apple books some in a later month).
            case returns
            /// An app's sales in a country, in both reports with different proceeds.
            case changed
            /// Only in the Financial report (sold in a day before the month, booked in it).
            case onlyFinancial = "only_financial"
            /// Only in the daily sales reports (not booked in this month's Financial report).
            case onlySales = "only_sales"
            /// The smaller parts beyond the first ``Payouts/partsShown``, summed.
            case smaller
        }

        package var kind: Kind
        package var app: String?
        package var appTitle: String?
        package var country: String?
        package var estimateMicros: Int64
        package var finalMicros: Int64
        package var differenceMicros: Int64 { finalMicros - estimateMicros }
    }

    /// One currency of a month.
    package struct CurrencyRow: Sendable, Equatable {
        package var currency: String
        package var estimate = Amount()
        /// `nil` until the month is final.
        package var final: Amount?
        /// Final minus estimate, in parts that add up to it (largest first).
        package var parts: [Part] = []
        package var differenceMicros: Int64? { final.map { $0.micros - estimate.micros } }
    }

    /// A month's total in the user's currency: the final proceeds when final, else the estimate,
    /// each currency at the ECB rate of the month's last day (an estimate: Apple converts at its own rates).
    package struct Total: Sendable, Equatable {
        package var currency: String
        package var micros: Int64
        package var rateDay: String?
        /// Amounts of currencies without a usable rate, unconverted.
        package var unconverted: [String: Int64]
    }

    package struct Month: Sendable, Equatable {
        package var period: FiscalPeriod
        package var status: Status
        /// The days the estimate covers (to the newest report day in a running month).
        package var through: ReportDate
        package var currencies: [CurrencyRow]
        package var total: Total
        /// Accounts in scope whose Financial report for the month is not in.
        package var waitingFor: [String]
        package var paymentDueBy: ReportDate { period.paymentDueBy }
    }

    /// The running fiscal month: proceeds to date plus the remaining days at the last 28 days' average.
    package struct Forecast: Sendable, Equatable {
        package var period: FiscalPeriod
        package var currency: String
        package var toDateMicros: Int64
        package var remainingDays: Int
        package var dailyAverageMicros: Int64
        /// From the 28 days' 10th and 90th percentile days.
        package var lowMicros: Int64
        package var expectedMicros: Int64
        package var highMicros: Int64
    }

    /// Whether an account's Financial reports can be read.
    package struct AccountAccess: Sendable, Equatable {
        package enum State: String, Sendable {
            case available
            /// The service user lacks the Finance role.
            case needsFinanceRole = "needs_finance_role"
            /// Not checked yet (the first check follows the history's backfill).
            case notChecked = "not_checked"
        }
        package var number: String
        package var name: String
        package var state: State
    }

    package struct Report: Sendable {
        package var fiscalYear: Int
        package var account: String?
        package var currency: String
        package var latest: ReportDate
        package var months: [Month]
        package var forecast: Forecast?
        package var accounts: [AccountAccess]
        /// The running fiscal year and the two before it, newest first: the year picker.
        package var years: [Int]
        /// The accounts the report reads.
        package var scope: Dashboard.Scope
    }

    private let store: PayoutStore
    private let metrics: MetricsStore
    private let rates: FXRateStore
    private let apps: VisibleAppStore
    private let instance: InstanceSettings
    private let calendar: ReportCalendar

    package init(database: OrchardDatabase, cache: MetricsCache, now: @escaping @Sendable () -> Date) {
        store = PayoutStore(database: database)
        metrics = MetricsStore(database: database, cache: cache)
        rates = FXRateStore(database: database)
        apps = VisibleAppStore(database: database)
        instance = InstanceSettings(database: database)
        calendar = ReportCalendar(now: now)
    }

    /// The fiscal year `query["fiscalYear"]` (default: the running one) for the accounts of
    /// `query["account"]` (default: every readable one), in `query["currency"]` (default: the user's).
    package func report(query: [String: String], user: User, readable: [MetricsStore.VisibleAccount]?)
        async throws -> Report
    {
        let latest = calendar.latestDay
        let running = FiscalPeriod(containing: latest)
        func text(_ name: String) -> String? {
            guard let value = query[name]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
            return value
        }
        var year = running.year
        if let given = text("fiscalYear") {
            guard given.count == 4, let number = Int(given), (2000...running.year).contains(number) else {
                throw DashboardError.invalidParameter(
                    "fiscalYear must be an Apple fiscal year from 2000 to \(running.year), such as \(running.year).")
            }
            year = number
        }
        var currency = user.currency
        if let given = text("currency") {
            guard given.count == 3, given.allSatisfy({ $0.isASCII && $0.isUppercase }) else {
                throw DashboardError.invalidParameter("currency must be a three-letter code, such as USD.")
            }
            currency = given
        }
        let account = text("account")
        if let account, account.count > 20 { throw DashboardError.parameterTooLong("account") }
        let scope = try Dashboard.Scope(
            account: account, readable: try await metrics.visibleAccounts(userID: user.id, known: readable))
        var accounts: [AccountAccess] = []
        for visible in scope.accounts {
            let access = try await FinanceAccess.read(accountNumber: visible.number, in: instance)
            accounts.append(
                AccountAccess(
                    number: visible.number, name: visible.name,
                    state: access.map { $0.granted ? .available : .needsFinanceRole } ?? .notChecked))
        }
        // Cached per the accounts' data versions (raised by every ingested report) and the newest day.
        let key =
            (["payouts", String(year), currency, latest.isoText] + scope.accounts.map { "\($0.id):\($0.version)" })
            .joined(separator: "\u{1F}")
        let (fiscalYear, target) = (year, currency)
        let computed = try await metrics.cache.value(key, weight: { $0.months.count * 8 + 1 }) {
            try await self.months(year: fiscalYear, scope: scope, user: user, currency: target, latest: latest)
        }
        let months = computed.months
        let forecast = computed.forecast
        return Report(
            fiscalYear: year, account: account, currency: currency, latest: latest, months: months,
            forecast: forecast, accounts: accounts, years: Array(((running.year - 2)...running.year).reversed()),
            scope: scope)
    }

    /// The months and forecast of a report: what is cached.
    struct Computed: Sendable {
        var months: [Month]
        var forecast: Forecast?
    }

    private func months(year: Int, scope: Dashboard.Scope, user: User, currency: String, latest: ReportDate)
        async throws -> Computed
    {
        let ids = scope.ids
        let running = FiscalPeriod(containing: latest)
        let titles = Dictionary(
            try await apps.apps(userID: user.id).map { ("\($0.accountNumber) \($0.sku)", $0.title ?? $0.sku) },
            uniquingKeysWith: { first, _ in first })
        let numbers = Dictionary(uniqueKeysWithValues: scope.accounts.map { ($0.id, $0.number) })

        let periods = FiscalPeriod.periods(ofYear: year).filter { $0.start <= latest }
        let held =
            try await store.held(
                accountIDs: ids, from: periods.first?.start ?? latest, to: periods.last?.start ?? latest)
        var months: [Month] = []
        for period in periods.reversed() {
            let through = min(period.end, latest)
            let status: Status
            var waiting: [String] = []
            if period.end > latest {
                status = .inProgress
            } else {
                for visible in scope.accounts {
                    switch held[visible.id]?[period.start.isoText] {
                    case true?: continue
                    // Apple says "no sales" for a month it has not published: final once payment is due.
                    case false? where latest > period.paymentDueBy: continue
                    default: waiting.append(visible.name)
                    }
                }
                status = waiting.isEmpty && !scope.accounts.isEmpty ? .final : .estimated
            }
            let estimates = try await store.estimates(accountIDs: ids, from: period.start, to: through)
            let finals = status == .final ? try await store.finals(accountIDs: ids, periodStart: period.start) : []
            var rows = Self.rows(
                estimates: estimates, finals: finals, final: status == .final,
                title: { id, app in titles["\(numbers[id] ?? "") \(app)"] })
            let (total, converted) = try await total(rows, final: status == .final, in: currency, on: through)
            // The currencies that weigh most in the user's currency first; unconvertible ones last.
            rows.sort {
                (converted[$0.currency] ?? Int64.min, $1.currency) > (converted[$1.currency] ?? Int64.min, $0.currency)
            }
            months.append(
                Month(
                    period: period, status: status, through: through, currencies: rows, total: total,
                    waitingFor: waiting))
        }
        let forecast =
            year == running.year ? try await forecast(running, ids: ids, latest: latest, currency: currency) : nil
        return Computed(months: months, forecast: forecast)
    }

    /// Per currency: the estimate, the final amounts and the parts of their difference (in no
    /// order: the caller sorts by weight).
    static func rows(
        estimates: [PayoutStore.Line], finals: [PayoutStore.Line], final: Bool,
        title: (Int64, String) -> String?
    ) -> [CurrencyRow] {
        var byCurrency: [String: CurrencyRow] = [:]
        for line in estimates {
            byCurrency[line.currency, default: CurrencyRow(currency: line.currency)].estimate.add(line)
        }
        guard final else { return Array(byCurrency.values) }
        for line in finals where byCurrency[line.currency] == nil {
            byCurrency[line.currency] = CurrencyRow(currency: line.currency)
        }
        return byCurrency.values.map { row in
            var row = row
            let own = finals.filter { $0.currency == row.currency }
            var amount = Amount()
            for line in own { amount.add(line) }
            row.final = amount
            row.parts = parts(
                estimates: estimates.filter { $0.currency == row.currency }, finals: own, title: title)
            return row
        }
    }

    /// The difference of one currency in parts: returns as a whole, then each app's sales in a
    /// country where the two sides differ; the parts add up to the difference.
    package static func parts(
        estimates: [PayoutStore.Line], finals: [PayoutStore.Line], title: (Int64, String) -> String?
    ) -> [Part] {
        struct Key: Hashable {
            var account: Int64
            var app: String
            var country: String
        }
        var parts: [Part] = []
        let estimateReturns = estimates.filter(\.isReturn).reduce(0) { $0 + $1.micros }
        let finalReturns = finals.filter(\.isReturn).reduce(0) { $0 + $1.micros }
        if estimateReturns != finalReturns {
            parts.append(Part(kind: .returns, estimateMicros: estimateReturns, finalMicros: finalReturns))
        }
        var sides: [Key: (estimate: Int64?, final: Int64?)] = [:]
        for line in estimates where !line.isReturn {
            let key = Key(account: line.accountID, app: line.app, country: line.country)
            sides[key, default: (nil, nil)].estimate = (sides[key]?.estimate ?? 0) + line.micros
        }
        for line in finals where !line.isReturn {
            let key = Key(account: line.accountID, app: line.app, country: line.country)
            sides[key, default: (nil, nil)].final = (sides[key]?.final ?? 0) + line.micros
        }
        for (key, side) in sides where side.estimate != side.final {
            let kind: Part.Kind =
                side.estimate == nil ? .onlyFinancial : side.final == nil ? .onlySales : .changed
            parts.append(
                Part(
                    kind: kind, app: key.app, appTitle: title(key.account, key.app), country: key.country,
                    estimateMicros: side.estimate ?? 0, finalMicros: side.final ?? 0))
        }
        parts.sort {
            (abs($0.differenceMicros), $0.app ?? "", $0.country ?? "")
                > (abs($1.differenceMicros), $1.app ?? "", $1.country ?? "")
        }
        guard parts.count > partsShown else { return parts }
        // The rest in one part, so the parts still add up to the difference.
        let rest = parts[partsShown...]
        return Array(parts.prefix(partsShown)) + [
            Part(
                kind: .smaller, estimateMicros: rest.reduce(0) { $0 + $1.estimateMicros },
                finalMicros: rest.reduce(0) { $0 + $1.finalMicros })
        ]
    }

    /// Parts of a difference listed one by one; the others are summed in one `smaller` part.
    package static let partsShown = 25

    /// The month's total in `currency` at the ECB rates of `day`.
    private func total(_ rows: [CurrencyRow], final: Bool, in currency: String, on day: ReportDate) async throws
        -> (Total, [String: Int64])
    {
        var total = Total(currency: currency, micros: 0, rateDay: nil, unconverted: [:])
        var converted: [String: Int64] = [:]
        for row in rows {
            let micros = final ? row.final?.micros ?? 0 : row.estimate.micros
            guard micros != 0 else { continue }
            do {
                let conversion = try await rates.convert(micros: micros, from: row.currency, to: currency, on: day)
                total.micros += conversion.micros
                converted[row.currency] = conversion.micros
                if let date = conversion.rateDate { total.rateDay = min(total.rateDay ?? date, date) }
            } catch is FXRateStore.Unconvertible {
                total.unconverted[row.currency, default: 0] += micros
            }
        }
        return (total, converted)
    }

    /// Proceeds of the running month to date plus its remaining days at the last 28 days' average
    /// (low and high at the 10th and 90th percentile days), in `currency`.
    private func forecast(_ period: FiscalPeriod, ids: [Int64], latest: ReportDate, currency: String) async throws
        -> Forecast?
    {
        guard !ids.isEmpty, period.end > latest else { return nil }
        let query = MetricsStore.Query(accountIDs: ids, from: period.start, to: latest, currency: currency)
        let toDate = try await metrics.totals(query).proceeds
        let window = query.over(latest.adding(days: -27), latest)
        var byDay: [String: Double] = [:]
        for row in try await metrics.rows(window, groupBy: nil, byDay: true) {
            if let day = row.day { byDay[day, default: 0] += row.totals.proceeds }
        }
        // Days without a row had no proceeds: 28 values.
        let days = (0..<28).map { byDay[latest.adding(days: -$0).isoText] ?? 0 }.sorted()
        let average = days.reduce(0, +) / Double(days.count)
        let remaining = period.end.dayNumber - latest.dayNumber
        func micros(_ value: Double) -> Int64 { Int64(value.rounded()) }
        return Forecast(
            period: period, currency: currency, toDateMicros: micros(toDate), remainingDays: remaining,
            dailyAverageMicros: micros(average), lowMicros: micros(toDate + days[2] * Double(remaining)),
            expectedMicros: micros(toDate + average * Double(remaining)),
            highMicros: micros(toDate + days[25] * Double(remaining)))
    }
}
