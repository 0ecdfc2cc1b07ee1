package import Foundation
package import OrchardCore
import SQLKit
package import SalesReports

/// What the dashboard, the metrics API and the CSV export read: sums of metric slices (never the
/// raw facts), money converted into one currency with each day's rate, and which days are known.
///
/// The tenant boundary is ``visibleAccounts(userID:)``: a user reads only accounts with an active
/// integration of theirs, or a removed one whose account is inside its retention period.
package struct MetricsStore: Sendable {
    let database: OrchardDatabase
    package let cache: MetricsCache

    package init(database: OrchardDatabase, cache: MetricsCache = MetricsCache()) {
        self.database = database
        self.cache = cache
    }

    /// A store account a user may read, and why.
    package struct VisibleAccount: Sendable, Equatable {
        package var id: Int64
        package var number: String
        package var name: String
        /// `active`, or `removed` (read-only until the account is purged).
        package var status: IntegrationStatus
        package var statusReason: String?
        package var revokedAt: Date?
        /// Raised whenever the account's figures change: part of every cache key.
        package var version: Int64 = 0
    }

    /// The accounts `userID` may read, by account number.
    package func visibleAccounts(userID: Int64) async throws -> [VisibleAccount] {
        try await database.withConnection { connection in
            try await connection.raw(
                "SELECT v.* FROM " + Self.readable + " WHERE v.user_id = \(bind: userID) ORDER BY v.number"
            ).all().compactMap(Self.visibleAccount)
        }
    }

    /// `known` when the request read them already with its user (``SessionStore/Viewer``), else
    /// ``visibleAccounts(userID:)``.
    package func visibleAccounts(userID: Int64, known: [VisibleAccount]?) async throws -> [VisibleAccount] {
        if let known { return known }
        return try await visibleAccounts(userID: userID)
    }

    /// Every user's readable accounts as the subquery `v` (`user_id`, `account_id`, `number`, `name`,
    /// `status`, `status_reason`, `revoked_at`, `metrics_version`): the one definition of the tenant
    /// boundary, also joined to the session or token lookup so that a request reads its user and
    /// their accounts in one round trip (``SessionStore``).
    static let readableSQL = """
        (SELECT i.user_id, a.id AS account_id, a.number, a.name, i.status, i.status_reason, a.revoked_at,
            a.metrics_version
        FROM integrations i JOIN store_accounts a ON a.id = i.store_account_id
        WHERE i.status = 'active' OR (i.status = 'removed' AND a.access_state = 'revoked' AND a.purged_at IS NULL)) v
        """
    static let readable = SQLQueryString(readableSQL)

    /// The readable account of a row with ``readable``'s columns; `nil` when the row has none (a
    /// user without readable accounts, outer-joined).
    static func visibleAccount(_ row: any SQLRow) throws -> VisibleAccount? {
        guard let id = try row.decode(column: "account_id", as: Int64?.self) else { return nil }
        let status = try row.decode(column: "status", as: String.self)
        guard let known = IntegrationStatus(rawValue: status) else {
            throw StoredValueError(column: "integrations.status", value: status)
        }
        return VisibleAccount(
            id: id,
            number: try row.decode(column: "number", as: String.self),
            name: try row.decode(column: "name", as: String.self),
            status: known,
            statusReason: try row.decode(column: "status_reason", as: String?.self),
            revokedAt: try row.decode(column: "revoked_at", as: Date?.self),
            version: try row.decode(column: "metrics_version", as: Int64.self))
    }

    /// What to add up: days `from...to` (inclusive, Apple's report days) of some accounts, optionally
    /// one app (SKU), country (storefront code) and device; money in `currency`.
    package struct Query: Sendable, Equatable {
        package var accountIDs: [Int64]
        package var from: ReportDate
        package var to: ReportDate
        package var app: String?
        package var country: String?
        package var device: String?
        package var currency: String
        /// The accounts' data versions, in `accountIDs` order; answers are cached only when given.
        package var versions: [Int64]?

        package init(
            accountIDs: [Int64], from: ReportDate, to: ReportDate, app: String? = nil, country: String? = nil,
            device: String? = nil, currency: String = "USD", versions: [Int64]? = nil
        ) {
            self.versions = versions
            self.accountIDs = accountIDs
            self.from = from
            self.to = to
            self.app = app
            self.country = country
            self.device = device
            self.currency = currency
        }

        /// The same question for another range (the previous period of a comparison).
        package func over(_ from: ReportDate, _ to: ReportDate) -> Query {
            var query = self
            query.from = from
            query.to = to
            return query
        }

        /// The cache key of this question asked as `kind`, when the versions are known.
        func key(_ kind: String) -> String? {
            guard let versions, versions.count == accountIDs.count else { return nil }
            let accounts = zip(accountIDs, versions).map { "\($0):\($1)" }.joined(separator: ",")
            return [
                kind, accounts, from.isoText, to.isoText, app ?? "", country ?? "", device ?? "", currency,
            ].joined(separator: "\u{1F}")
        }

        var filters: [(MetricSlices.Dimension, String)] {
            [(.app, app), (.country, country), (.device, device)].compactMap { dimension, value in
                value.map { (dimension, $0) }
            }
        }
    }

    /// Sums over a group of slices. Money converted into the query's currency is in millionths (a
    /// floating sum of exact amounts times rates, rounded only for display); money in a currency
    /// without a rate for its day stays in that currency, exact, and is shown apart.
    package struct Totals: Sendable, Equatable {
        package var units: [UnitBucket: Int64] = [:]
        package var returns: Int64 = 0
        package var proceeds: Double = 0
        package var sales: Double = 0
        package var unconvertedProceeds: [String: Int64] = [:]
        package var unconvertedSales: [String: Int64] = [:]
        /// The earliest and latest day of the rates used.
        package var firstRateDay: String?
        package var lastRateDay: String?

        package init() {}

        package mutating func add(_ other: Totals) {
            for (bucket, count) in other.units { units[bucket, default: 0] += count }
            returns += other.returns
            proceeds += other.proceeds
            sales += other.sales
            for (currency, micros) in other.unconvertedProceeds { unconvertedProceeds[currency, default: 0] += micros }
            for (currency, micros) in other.unconvertedSales { unconvertedSales[currency, default: 0] += micros }
            if let day = other.firstRateDay, firstRateDay.map({ day < $0 }) ?? true { firstRateDay = day }
            if let day = other.lastRateDay, lastRateDay.map({ day > $0 }) ?? true { lastRateDay = day }
        }

        /// A metric's value: units, or converted money in currency units.
        package func value(of metric: Metric) -> Double {
            switch metric {
            case .returns: Double(returns)
            case .proceeds: proceeds / 1_000_000
            case .sales: sales / 1_000_000
            default: Double(metric.bucket.map { units[$0, default: 0] } ?? 0)
            }
        }
    }

    /// What the dashboard charts and the API's `metric` names.
    package enum Metric: String, CaseIterable, Sendable {
        case downloads, redownloads, updates, inAppPurchases, restores, other, returns, proceeds, sales

        package var bucket: UnitBucket? { UnitBucket(rawValue: rawValue) }
        package var isMoney: Bool { self == .proceeds || self == .sales }
    }

    /// One group's sums; `key` is the group's key (SKU, country, device) when grouped, `day` the day when by day.
    package struct Row: Sendable, Equatable {
        package var key: String?
        package var day: String?
        package var totals: Totals
    }

    /// The totals of a query.
    package func totals(_ query: Query) async throws -> Totals {
        var totals = Totals()
        for row in try await rows(query, groupBy: nil, byDay: false) { totals.add(row.totals) }
        return totals
    }

    /// Sums per key of `dimension` (and per day when `byDay`), sorted by key then day.
    package func rows(_ query: Query, groupBy dimension: MetricSlices.Dimension?, byDay: Bool) async throws -> [Row] {
        try await cache.value(
            query.key("rows\u{1F}\(dimension?.rawValue ?? "")\u{1F}\(byDay)"), weight: { $0.count }
        ) {
            if !byDay, let rows = try await unitRows(query, groupBy: dimension) { return rows }
            return try await uncachedRows(query, groupBy: dimension, byDay: byDay)
        }
    }

    func uncachedRows(_ query: Query, groupBy dimension: MetricSlices.Dimension?, byDay: Bool) async throws -> [Row] {
        try await sums(query, groupBy: dimension, byDay: byDay).map(\.row)
    }

    /// How ``sums(_:groupBy:byDay:perAccount:)`` splits sums by account: per calendar month ("YYYY-MM"
    /// as the row's day) or per day.
    enum PerAccount {
        case month, day
    }

    /// Sums per key of `dimension`, and per day when `byDay`, or per account and `perAccount`'s
    /// period; sorted by account, key, day.
    func sums(
        _ query: Query, groupBy dimension: MetricSlices.Dimension?, byDay: Bool, perAccount: PerAccount? = nil
    ) async throws -> [(account: Int64?, row: Row)] {
        guard !query.accountIDs.isEmpty, query.from <= query.to else { return [] }
        let grouping = dimension ?? .all
        // Slices answer directly when every filter is on the grouping's own dimension (or there is one
        // filter and no grouping); otherwise the rollups are summed on the fly with the same rules.
        let filters = query.filters
        var sliceDimension = grouping
        var keyFilter: String?
        let source: SQLQueryString
        if dimension == nil, filters.count == 1 {
            sliceDimension = filters[0].0
            keyFilter = filters[0].1
        } else if filters.allSatisfy({ $0.0 == grouping }) {
            keyFilter = filters.first?.1
        }
        let accounts = Self.list(query.accountIDs)
        let dayRange: SQLQueryString = "\(bind: query.from.isoText) AND \(bind: query.to.isoText)"
        if keyFilter != nil || filters.isEmpty {
            source = "metric_slices"
        } else {
            var condition: SQLQueryString = "r.store_account_id IN " + accounts + " AND r.day BETWEEN " + dayRange
            for (filter, value) in filters {
                let column: SQLQueryString =
                    switch filter {
                    case .app: " AND r.app_sku = "
                    case .country: " AND r.country = "
                    case .device: " AND r.device = "
                    case .all: " AND '' = "
                    }
                condition = condition + column + "\(bind: value)"
            }
            source = "(" + MetricSlices.select(grouping, where: condition) + ")"
        }
        let target = query.currency
        let convertible: (String) -> SQLQueryString = { column in
            target == "EUR"
                ? "s.\(unsafeRaw: column) = 'EUR'" : "s.\(unsafeRaw: column) = 'EUR' AND ft.per_eur IS NOT NULL"
        }
        let factor: SQLQueryString = target == "EUR" ? "CAST(1 AS DOUBLE PRECISION)" : "ft.per_eur"
        let rateDay: SQLQueryString =
            target == "EUR"
            ? "s.rate_day"
            : "CASE WHEN s.rate_day IS NULL OR ft.rate_day < s.rate_day THEN ft.rate_day ELSE s.rate_day END"
        let period: SQLQueryString = perAccount == .month ? "SUBSTR(s.day, 1, 7)" : "s.day"
        var groups: [SQLQueryString] = []
        if perAccount != nil { groups.append("s.store_account_id") }
        if dimension != nil { groups.append("s.key") }
        if byDay { groups.append("s.day") }
        if perAccount != nil { groups.append(period) }
        let proceedsLeft: SQLQueryString =
            "CASE WHEN " + convertible("proceeds_currency") + " THEN '' ELSE s.proceeds_currency END"
        let salesLeft: SQLQueryString =
            "CASE WHEN " + convertible("customer_currency") + " THEN '' ELSE s.customer_currency END"
        let groupList = (groups + [proceedsLeft, salesLeft]).joined(separator: ", ")
        var sql: SQLQueryString = "SELECT "
        if dimension != nil { sql = sql + "s.key AS key, " }
        if byDay { sql = sql + "s.day AS day, " }
        if perAccount != nil { sql = sql + "s.store_account_id AS account, " + period + " AS day, " }
        sql = sql + proceedsLeft + " AS proceeds_left, " + salesLeft + " AS sales_left, "
        sql =
            sql
                + """
                CAST(SUM(s.downloads) AS BIGINT) AS downloads, CAST(SUM(s.redownloads) AS BIGINT) AS redownloads,
                    CAST(SUM(s.updates) AS BIGINT) AS updates, CAST(SUM(s.in_app_purchases) AS BIGINT) AS in_app_purchases,
                    CAST(SUM(s.restores) AS BIGINT) AS restores, CAST(SUM(s.other) AS BIGINT) AS other,
                    CAST(SUM(s.returns) AS BIGINT) AS returns,
                """
        sql = sql + " SUM(CASE WHEN " + convertible("proceeds_currency") + " THEN s.proceeds_micros * " + factor
        sql = sql + " ELSE 0 END) AS proceeds_converted,"
        sql = sql + " SUM(CASE WHEN " + convertible("customer_currency") + " THEN s.sales_micros * " + factor
        sql = sql + " ELSE 0 END) AS sales_converted,"
        sql = sql + " CAST(SUM(CASE WHEN " + convertible("proceeds_currency")
        sql = sql + " THEN 0 ELSE s.proceeds_micros END) AS BIGINT) AS proceeds_raw,"
        sql = sql + " CAST(SUM(CASE WHEN " + convertible("customer_currency")
        sql = sql + " THEN 0 ELSE s.sales_micros END) AS BIGINT) AS sales_raw,"
        sql = sql + " MIN(" + rateDay + ") AS first_rate_day, MAX(" + rateDay + ") AS last_rate_day"
        sql = sql + " FROM " + source + " s"
        if target != "EUR" {
            sql = sql + " LEFT JOIN fx_days ft ON ft.currency = \(bind: target) AND ft.day = s.day"
        }
        sql = sql + " WHERE s.store_account_id IN " + accounts + " AND s.dimension = \(bind: sliceDimension.rawValue)"
        if let keyFilter { sql = sql + " AND s.key = \(bind: keyFilter)" }
        sql = sql + " AND s.day BETWEEN " + dayRange + " GROUP BY " + groupList
        let statement = sql
        let found = try await database.withConnection { connection in try await connection.raw(statement).all() }
        var merged: [String: (account: Int64?, row: Row)] = [:]
        var order: [String] = []
        for row in found {
            let account = perAccount != nil ? try row.decode(column: "account", as: Int64.self) : nil
            let key = dimension == nil ? nil : try row.decode(column: "key", as: String.self)
            let day = byDay || perAccount != nil ? try row.decode(column: "day", as: String.self) : nil
            var totals = Totals()
            let columns: [(String, UnitBucket)] = [
                ("downloads", .downloads), ("redownloads", .redownloads), ("updates", .updates),
                ("in_app_purchases", .inAppPurchases), ("restores", .restores), ("other", .other),
            ]
            for (column, bucket) in columns { totals.units[bucket] = try row.decode(column: column, as: Int64.self) }
            totals.returns = try row.decode(column: "returns", as: Int64.self)
            totals.proceeds = try row.decode(column: "proceeds_converted", as: Double?.self) ?? 0
            totals.sales = try row.decode(column: "sales_converted", as: Double?.self) ?? 0
            let proceedsLeft = try row.decode(column: "proceeds_left", as: String.self)
            let proceedsRaw = try row.decode(column: "proceeds_raw", as: Int64?.self) ?? 0
            if !proceedsLeft.isEmpty, proceedsRaw != 0 { totals.unconvertedProceeds[proceedsLeft] = proceedsRaw }
            let salesLeft = try row.decode(column: "sales_left", as: String.self)
            let salesRaw = try row.decode(column: "sales_raw", as: Int64?.self) ?? 0
            if !salesLeft.isEmpty, salesRaw != 0 { totals.unconvertedSales[salesLeft] = salesRaw }
            totals.firstRateDay = try row.decode(column: "first_rate_day", as: String?.self)
            totals.lastRateDay = try row.decode(column: "last_rate_day", as: String?.self)
            let id = "\(account ?? 0)\u{1F}\(key ?? "")\u{1F}\(day ?? "")"
            if merged[id] == nil {
                merged[id] = (account, Row(key: key, day: day, totals: totals))
                order.append(id)
            } else {
                merged[id]!.row.totals.add(totals)
            }
        }
        return order.compactMap { merged[$0] }.sorted {
            ($0.account ?? 0, $0.row.key ?? "", $0.row.day ?? "") < (
                $1.account ?? 0, $1.row.key ?? "", $1.row.day ?? ""
            )
        }
    }

    /// An in-app purchase of an app over a range: its units (net of refunds), returns and money.
    package struct ProductRow: Sendable, Equatable {
        package var sku: String
        package var title: String
        package var productType: String
        package var units: Int64
        package var returns: Int64
        package var proceeds: Double
        package var sales: Double
        package var unconvertedProceeds: [String: Int64]
    }

    /// The in-app purchases of `query.app` in the query's accounts and range (every country and
    /// device), most units first.
    package func products(_ query: Query) async throws -> [ProductRow] {
        try await cache.value(query.key("products"), weight: { $0.count }) { try await uncachedProducts(query) }
    }

    private func uncachedProducts(_ query: Query) async throws -> [ProductRow] {
        guard let app = query.app, !query.accountIDs.isEmpty else { return [] }
        let target = query.currency
        let converted: SQLQueryString =
            target == "EUR" ? "s.proceeds_currency = 'EUR'" : "s.proceeds_currency = 'EUR' AND ft.per_eur IS NOT NULL"
        let salesConverted: SQLQueryString =
            target == "EUR" ? "s.customer_currency = 'EUR'" : "s.customer_currency = 'EUR' AND ft.per_eur IS NOT NULL"
        let factor: SQLQueryString = target == "EUR" ? "CAST(1 AS DOUBLE PRECISION)" : "ft.per_eur"
        var sql: SQLQueryString =
            """
            SELECT s.sku AS sku, MAX(p.title) AS title, MAX(p.product_type) AS product_type,
                CASE WHEN
            """
        sql = sql + " " + converted + " THEN '' ELSE s.proceeds_currency END AS proceeds_left,"
        sql = sql + " CAST(SUM(s.units) AS BIGINT) AS units, CAST(SUM(s.returns) AS BIGINT) AS returns,"
        sql = sql + " SUM(CASE WHEN " + converted + " THEN s.proceeds_micros * " + factor + " ELSE 0 END) AS proceeds,"
        sql = sql + " SUM(CASE WHEN " + salesConverted + " THEN s.sales_micros * " + factor + " ELSE 0 END) AS sales,"
        sql = sql + " CAST(SUM(CASE WHEN " + converted + " THEN 0 ELSE s.proceeds_micros END) AS BIGINT) AS raw"
        sql = sql + " FROM product_slices s"
        sql = sql + " LEFT JOIN products p ON p.store_account_id = s.store_account_id AND p.sku = s.sku"
        if target != "EUR" {
            sql = sql + " LEFT JOIN fx_days ft ON ft.currency = \(bind: target) AND ft.day = s.day"
        }
        sql = sql + " WHERE s.store_account_id IN " + Self.list(query.accountIDs) + " AND s.app_sku = \(bind: app)"
        sql = sql + " AND s.day BETWEEN \(bind: query.from.isoText) AND \(bind: query.to.isoText)"
        sql = sql + " GROUP BY s.sku, CASE WHEN " + converted + " THEN '' ELSE s.proceeds_currency END"
        let statement = sql
        let rows = try await database.withConnection { connection in try await connection.raw(statement).all() }
        var bySKU: [String: ProductRow] = [:]
        for row in rows {
            let sku = try row.decode(column: "sku", as: String.self)
            var product =
                try bySKU[sku]
                ?? ProductRow(
                    sku: sku, title: try row.decode(column: "title", as: String?.self) ?? "",
                    productType: try row.decode(column: "product_type", as: String?.self) ?? "", units: 0,
                    returns: 0, proceeds: 0, sales: 0, unconvertedProceeds: [:])
            product.units += try row.decode(column: "units", as: Int64.self)
            product.returns += try row.decode(column: "returns", as: Int64.self)
            product.proceeds += try row.decode(column: "proceeds", as: Double?.self) ?? 0
            product.sales += try row.decode(column: "sales", as: Double?.self) ?? 0
            let left = try row.decode(column: "proceeds_left", as: String.self)
            let raw = try row.decode(column: "raw", as: Int64?.self) ?? 0
            if !left.isEmpty, raw != 0 { product.unconvertedProceeds[left, default: 0] += raw }
            bySKU[sku] = product
        }
        return bySKU.values.sorted { $0.units != $1.units ? $0.units > $1.units : $0.sku < $1.sku }
    }

    /// Which days of a range are known, per account: Apple's Daily Sales report of that day is in
    /// the ledger (with sales, or "no sales"). Unknown days are gaps, never zeros.
    package struct Coverage: Sendable, Equatable {
        package var from: ReportDate
        package var to: ReportDate
        /// Known days per account id; an account that knows every day of the range is left out.
        package var partial: [Int64: Set<String>]
        package var accountIDs: [Int64]

        package var days: Int { max(0, to.dayNumber - from.dayNumber + 1) }
        package var isComplete: Bool { partial.isEmpty }

        /// Whether at least one account knows `day`.
        package func isKnown(_ day: String) -> Bool {
            partial.count < accountIDs.count || partial.values.contains { $0.contains(day) }
        }

        /// The last day of the range through which `account` knows every day; `nil` when it does not
        /// know the first.
        package func completeThrough(_ account: Int64) -> ReportDate? {
            guard let known = partial[account] else { return to }
            var day = from
            while day <= to, known.contains(day.isoText) { day = day.adding(days: 1) }
            return day == from ? nil : day.adding(days: -1)
        }

        /// The last day through which every account knows every day of the range.
        package var completeThrough: ReportDate? {
            accountIDs.map { completeThrough($0) }.reduce(Optional(to)) { result, day in
                guard let result, let day else { return nil }
                return min(result, day)
            }
        }
    }

    package func coverage(accountIDs: [Int64], from: ReportDate, to: ReportDate, versions: [Int64]? = nil)
        async throws -> Coverage
    {
        let query = Query(accountIDs: accountIDs, from: from, to: to, currency: "", versions: versions)
        return try await cache.value(query.key("coverage"), weight: { $0.partial.values.reduce(1) { $0 + $1.count } }) {
            try await uncachedCoverage(accountIDs: accountIDs, from: from, to: to)
        }
    }

    private func uncachedCoverage(accountIDs: [Int64], from: ReportDate, to: ReportDate) async throws -> Coverage {
        var coverage = Coverage(from: from, to: to, partial: [:], accountIDs: accountIDs)
        guard !accountIDs.isEmpty, from <= to else { return coverage }
        let known: SQLQueryString =
            """
             AND report_type = 'Sales' AND frequency = 'Daily' AND state IN ('fetched', 'restated', 'empty')
                AND report_date BETWEEN \(bind: from.isoText) AND \(bind: to.isoText)
            """
        // Counts first: in the usual case every day is known and no day list is read.
        let counts = try await database.withConnection { connection in
            try await connection.raw(
                "SELECT store_account_id, COUNT(DISTINCT report_date) AS known FROM report_ledger WHERE store_account_id IN "
                    + Self.list(accountIDs) + known + " GROUP BY store_account_id"
            ).all()
        }
        var incomplete = Set(accountIDs)
        for row in counts where try row.decode(column: "known", as: Int64.self) == coverage.days {
            incomplete.remove(try row.decode(column: "store_account_id", as: Int64.self))
        }
        guard !incomplete.isEmpty else { return coverage }
        for id in incomplete { coverage.partial[id] = [] }
        let incompleteIDs = incomplete.sorted()
        let rows = try await database.withConnection { connection in
            try await connection.raw(
                "SELECT store_account_id, report_date FROM report_ledger WHERE store_account_id IN "
                    + Self.list(incompleteIDs) + known + " GROUP BY store_account_id, report_date"
            ).all()
        }
        for row in rows {
            coverage.partial[try row.decode(column: "store_account_id", as: Int64.self), default: []].insert(
                try row.decode(column: "report_date", as: String.self))
        }
        return coverage
    }

    /// Currencies a user may choose: the euro and every currency with a rate for `day`.
    package func currencies(on day: ReportDate) async throws -> [String] {
        let codes = try await database.withConnection { connection in
            try await connection.raw("SELECT currency FROM fx_days WHERE day = \(bind: day.isoText) ORDER BY currency")
                .all().map { try $0.decode(column: "currency", as: String.self) }
        }
        return (codes + ["EUR"]).sorted()
    }

    /// `(?, ?, ...)` of `ids`, for `IN`.
    static func list(_ ids: [Int64]) -> SQLQueryString {
        SQLQueryString("(") + ids.map { "\(bind: $0)" as SQLQueryString }.joined(separator: ", ") + SQLQueryString(")")
    }
}
