import Foundation
import Hummingbird
import OrchardCore
import OrchardStorage
import SalesReports

/// A question about store metrics, read from a URL's query: the same parameters for the dashboard's
/// pages, the JSON API and the CSV export, so a view can be bookmarked, shared or scripted.
struct MetricsQuestion: Sendable, Equatable {
    /// The quick ranges of the date picker; `custom` takes `from` and `to`.
    enum Preset: String, CaseIterable, Sendable {
        case last7 = "7d", last30 = "30d", last90 = "90d", monthToDate = "mtd", last12Months = "12m", custom

        var label: String {
            switch self {
            case .last7: "Last 7 days"
            case .last30: "Last 30 days"
            case .last90: "Last 90 days"
            case .monthToDate: "Month to date"
            case .last12Months: "Last 12 months"
            case .custom: "Custom"
            }
        }

        /// The range ending on `latest` (the newest report day).
        func range(latest: ReportDate) -> (ReportDate, ReportDate)? {
            switch self {
            case .last7: (latest.adding(days: -6), latest)
            case .last30: (latest.adding(days: -29), latest)
            case .last90: (latest.adding(days: -89), latest)
            case .monthToDate: (ReportDate(year: latest.year, month: latest.month, day: 1)!, latest)
            case .last12Months: (latest.adding(days: -364), latest)
            case .custom: nil
            }
        }
    }

    enum Interval: String, CaseIterable, Sendable {
        case day, week, month

        /// The first day of the interval `day` falls in (weeks start on Monday).
        func start(of day: ReportDate) -> ReportDate {
            switch self {
            case .day: day
            case .week: day.adding(days: -((day.weekday + 6) % 7))
            case .month: ReportDate(year: day.year, month: day.month, day: 1)!
            }
        }
    }

    var preset: Preset
    var from: ReportDate
    var to: ReportDate
    var account: String?
    var app: String?
    var country: String?
    var device: String?
    var currency: String
    var metric: MetricsStore.Metric
    var interval: Interval
    var groupBy: MetricSlices.Dimension?

    /// The longest range a question may cover.
    static let maximumDays = 3_700

    /// Reads the question; `latest` is the newest report day, where presets end. Absent parameters
    /// take the defaults (last 30 days, the user's currency, downloads by day); wrong ones are errors
    /// that name the parameter.
    init(query: [String: String], currency userCurrency: String, latest: ReportDate) throws(WebError) {
        func text(_ name: String) -> String? {
            guard let value = query[name]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
            return value
        }
        func day(_ name: String) throws(WebError) -> ReportDate? {
            guard let value = text(name) else { return nil }
            guard value.count == 10, let day = ReportDate(value) else {
                throw .invalidParameter("\(name) must be a date written YYYY-MM-DD, such as 2026-11-30.")
            }
            return day
        }
        func choice<Value: RawRepresentable<String>>(_ name: String, _ all: [Value]) throws(WebError) -> Value? {
            guard let value = text(name) else { return nil }
            guard let chosen = Value(rawValue: value) else {
                throw .invalidParameter("\(name) must be one of: \(all.map(\.rawValue).joined(separator: ", ")).")
            }
            return chosen
        }
        let from = try day("from")
        let to = try day("to")
        let named = try choice("preset", Preset.allCases)
        preset = named ?? (from != nil || to != nil ? .custom : .last30)
        if let range = preset.range(latest: latest) {
            (self.from, self.to) = range
        } else {
            self.to = to ?? latest
            self.from = from ?? self.to.adding(days: -29)
        }
        guard self.from <= self.to else { throw .invalidParameter("from must be on or before to.") }
        guard self.to.dayNumber - self.from.dayNumber < Self.maximumDays else {
            throw .invalidParameter("A range may cover at most \(Self.maximumDays) days.")
        }
        account = text("account")
        app = text("app")
        country = text("country")?.uppercased()
        device = text("device")
        let currency = text("currency")?.uppercased() ?? userCurrency
        guard currency.count == 3, currency.allSatisfy({ $0.isASCII && $0.isLetter }) else {
            throw .invalidParameter("currency must be a three-letter ISO 4217 code, such as USD or EUR.")
        }
        self.currency = currency
        metric = try choice("metric", MetricsStore.Metric.allCases) ?? .downloads
        interval = try choice("interval", Interval.allCases) ?? .day
        let group = try choice("groupBy", MetricSlices.Dimension.allCases.filter { $0 != .all })
        groupBy = group == .all ? nil : group
    }

    /// The parameters that ask this question again, with `changes` applied (`nil` removes one).
    func parameters(_ changes: [String: String?] = [:]) -> [(String, String)] {
        var values: [String: String] = [:]
        if preset == .custom {
            values["from"] = from.isoText
            values["to"] = to.isoText
        } else {
            values["preset"] = preset.rawValue
        }
        values["account"] = account
        values["app"] = app
        values["country"] = country
        values["device"] = device
        if metric != .downloads { values["metric"] = metric.rawValue }
        if interval != .day { values["interval"] = interval.rawValue }
        for (name, value) in changes {
            values[name] = value
            if name == "from" || name == "to" { values["preset"] = nil }
            if name == "preset" {
                values["from"] = nil
                values["to"] = nil
            }
        }
        return values.sorted { $0.key < $1.key }
    }

    /// A query string of ``parameters(_:)`` for a link in a page, with its `?` (empty when there is
    /// nothing to say); `&` is written `&amp;`, as an attribute needs (Plot writes attributes as given).
    func queryString(_ changes: [String: String?] = [:]) -> String {
        let pairs = parameters(changes)
        guard !pairs.isEmpty else { return "" }
        return "?" + pairs.map { "\($0)=\(Self.escape($1))" }.joined(separator: "&amp;")
    }

    static func escape(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~")))
            ?? value
    }

    /// The period of the same length just before this one, for the change shown beside each figure.
    var previous: (ReportDate, ReportDate) {
        let days = to.dayNumber - from.dayNumber + 1
        return (from.adding(days: -days), from.adding(days: -1))
    }
}

extension MetricsQuestion {
    init(request: Request, user: User, latest: ReportDate) throws(WebError) {
        var query: [String: String] = [:]
        for (name, value) in request.uri.queryParameters { query[String(name)] = String(value) }
        try self.init(query: query, currency: user.currency, latest: latest)
    }
}

/// The store metrics a user may read, answering ``MetricsQuestion``s for the API, the pages and the CSV.
struct StoreMetrics: Sendable {
    let store: MetricsStore
    let apps: VisibleAppStore
    let now: @Sendable () -> Date

    /// The newest day Apple may have reported: yesterday (UTC), as reports appear the next morning.
    var latestReportDay: ReportDate {
        ReportDate(dayNumber: Int((now().timeIntervalSince1970 / 86_400).rounded(.down)) - 1)
    }

    /// What one question reads: the accounts in scope (a user's readable accounts, or the one asked for).
    struct Scope: Sendable {
        var readable: [MetricsStore.VisibleAccount]
        var accounts: [MetricsStore.VisibleAccount]
        var ids: [Int64] { accounts.map(\.id) }
    }

    func scope(_ question: MetricsQuestion, user: User) async throws -> Scope {
        try scope(question, readable: try await store.visibleAccounts(userID: user.id))
    }

    /// The scope among accounts already read.
    func scope(_ question: MetricsQuestion, readable: [MetricsStore.VisibleAccount]) throws(WebError) -> Scope {
        guard let number = question.account else { return Scope(readable: readable, accounts: readable) }
        // Another user's account, or one never integrated: the same answer as a missing one.
        guard let account = readable.first(where: { $0.number == number }) else { throw .notFound }
        return Scope(readable: readable, accounts: [account])
    }

    /// Sets the currency a user's figures are shown in: the euro or one with a current ECB rate.
    func setCurrency(_ requested: String, of user: User, users: UserStore) async throws -> String {
        let code = requested.uppercased()
        let known = try await store.currencies(on: latestReportDay)
        guard known.contains(code) else {
            throw WebError.invalidParameter(
                "currency must be one the ECB publishes a current rate for: \(known.joined(separator: ", ")).")
        }
        try await users.setCurrency(userID: user.id, code)
        return code
    }

    func query(_ question: MetricsQuestion, _ scope: Scope) -> MetricsStore.Query {
        MetricsStore.Query(
            accountIDs: scope.ids, from: question.from, to: question.to, app: question.app, country: question.country,
            device: question.device, currency: question.currency, versions: scope.accounts.map(\.version))
    }

    /// A series of values per interval: `nil` where no day of the interval is known (a gap).
    struct Series: Sendable, Equatable {
        var key: String
        var points: [Point]
    }

    struct Point: Sendable, Equatable {
        var start: ReportDate
        var value: Double?
        /// Some days of the interval are not known yet.
        var partial: Bool
        var totals: MetricsStore.Totals?
    }

    /// The metric's series per interval, one per group when grouped (`keys` limits the groups).
    func series(
        _ question: MetricsQuestion, _ scope: Scope, groupBy: MetricSlices.Dimension?, keys: [String]? = nil
    ) async throws -> (series: [Series], coverage: MetricsStore.Coverage) {
        let coverage = try await store.coverage(
            accountIDs: scope.ids, from: question.from, to: question.to, versions: scope.accounts.map(\.version))
        let rows = try await store.rows(query(question, scope), groupBy: groupBy, byDay: true)
        var byKey: [String: [String: MetricsStore.Totals]] = [:]
        for row in rows where keys.map({ $0.contains(row.key ?? "") }) ?? true {
            byKey[row.key ?? "total", default: [:]][row.day ?? ""] = row.totals
        }
        let order = groupBy == nil ? ["total"] : keys ?? byKey.keys.sorted()
        var starts: [ReportDate] = []
        var day = question.from
        while day <= question.to {
            let start = question.interval.start(of: day)
            if starts.last != start { starts.append(start) }
            day = day.adding(days: 1)
        }
        let series = order.map { key in
            let days = byKey[key] ?? [:]
            var points: [Point] = []
            for (index, start) in starts.enumerated() {
                var totals = MetricsStore.Totals()
                var known = 0
                var span = 0
                var day = max(start, question.from)
                let end = index + 1 < starts.count ? starts[index + 1].adding(days: -1) : question.to
                while day <= end {
                    span += 1
                    if coverage.isKnown(day.isoText) {
                        known += 1
                        if let found = days[day.isoText] { totals.add(found) }
                    }
                    day = day.adding(days: 1)
                }
                points.append(
                    Point(
                        start: start, value: known == 0 ? nil : totals.value(of: question.metric),
                        partial: known > 0 && known < span, totals: known == 0 ? nil : totals))
            }
            return Series(key: key, points: points)
        }
        return (series, coverage)
    }
}

/// Money and counts as people and spreadsheets read them.
enum Figures {
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
