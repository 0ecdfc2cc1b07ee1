import Foundation
import SQLKit
package import SalesReports

/// What the subscription figures are read from (docs/SUBSCRIPTIONS.md): the stored rows of the
/// Subscription and Subscription Event reports, summed per day in SQL, and which days Orchard holds.
/// Tenant boundary and caching as ``MetricsStore``: callers pass the account ids a user may read,
/// and their data versions for the cache key.
package struct SubscriptionStore: Sendable {
    let database: OrchardDatabase
    let cache: MetricsCache

    package init(database: OrchardDatabase, cache: MetricsCache = MetricsCache()) {
        self.database = database
        self.cache = cache
    }

    /// Days `from...to` of some accounts, optionally one app (App Apple ID), subscription
    /// (Subscription Apple ID) and country.
    package struct Query: Sendable, Equatable {
        package var accountIDs: [Int64]
        package var from: ReportDate
        package var to: ReportDate
        package var app: String?
        package var subscription: String?
        package var country: String?
        package var versions: [Int64]?

        package init(
            accountIDs: [Int64], from: ReportDate, to: ReportDate, app: String? = nil, subscription: String? = nil,
            country: String? = nil, versions: [Int64]? = nil
        ) {
            self.accountIDs = accountIDs
            self.from = from
            self.to = to
            self.app = app
            self.subscription = subscription
            self.country = country
            self.versions = versions
        }

        func key(_ kind: String) -> String? {
            guard let versions, versions.count == accountIDs.count else { return nil }
            let accounts = zip(accountIDs, versions).map { "\($0):\($1)" }.joined(separator: ",")
            return [
                "subscriptions", kind, accounts, from.isoText, to.isoText, app ?? "", subscription ?? "", country ?? "",
            ].joined(separator: "\u{1F}")
        }

        /// No app, subscription or country: the day sums answer it.
        var isUnfiltered: Bool { app == nil && subscription == nil && country == nil }

        /// The same question for another range.
        package func over(_ from: ReportDate, _ to: ReportDate) -> Query {
            var query = self
            query.from = from
            query.to = to
            return query
        }
    }

    /// The subscriber counts of one day, and its monthly recurring revenue per proceeds currency in
    /// exact twelfths of millionths (docs/SUBSCRIPTIONS.md, MRR).
    package struct Stock: Sendable, Equatable {
        package var paid: Int64 = 0
        package var trials: Int64 = 0
        package var billingRetry: Int64 = 0
        package var gracePeriod: Int64 = 0
        package var mrrTwelfths: [String: Int64] = [:]
        /// Paid subscribers left out of MRR: their duration is not one Orchard knows.
        package var unknownDurationPaid: Int64 = 0

        package init() {}

        /// MRR per proceeds currency, rounded half-up to the cent, in cents.
        package var mrrCents: [String: Int64] {
            mrrTwelfths.mapValues { SubscriptionStore.cents(twelfths: $0) }
        }
    }

    /// Twelfths of millionths to cents, half-up (amounts are never negative).
    package static func cents(twelfths: Int64) -> Int64 {
        twelfths >= 0 ? (twelfths + 60_000) / 120_000 : -((-twelfths + 60_000) / 120_000)
    }

    /// The stocks of every day of the query that some account holds, by day.
    package func stocks(_ query: Query) async throws -> [ReportDate: Stock] {
        try await cache.value(query.key("stocks"), weight: { $0.count }) {
            try await uncachedStocks(query)
        }
    }

    private func uncachedStocks(_ query: Query) async throws -> [ReportDate: Stock] {
        guard !query.accountIDs.isEmpty else { return [:] }
        let filters = Self.filters(query, dayColumn: "day")
        let rows = try await database.withConnection { connection in
            // Without a filter, the day sums (each account's day and currency is one row).
            query.isUnfiltered
                ? try await connection.raw(
                    """
                    SELECT day, proceeds_currency, paid, trials, billing_retry, grace_period, mrr_twelfths AS mrr,
                        unknown_paid FROM subscription_days WHERE
                    """ + " " + filters
                ).all()
                : try await connection.raw(
                    """
                    SELECT day, proceeds_currency, CAST(SUM(paid) AS BIGINT) AS paid, CAST(SUM(trials) AS BIGINT) AS trials,
                        CAST(SUM(billing_retry) AS BIGINT) AS billing_retry, CAST(SUM(grace_period) AS BIGINT) AS grace_period,
                        CAST(SUM(COALESCE(mrr_twelfths, 0)) AS BIGINT) AS mrr,
                        CAST(SUM(CASE WHEN mrr_twelfths IS NULL THEN paid ELSE 0 END) AS BIGINT) AS unknown_paid
                    FROM subscription_states WHERE
                    """ + " " + filters + " GROUP BY day, proceeds_currency"
                ).all()
        }
        var stocks: [ReportDate: Stock] = [:]
        for row in rows {
            let text = try row.decode(column: "day", as: String.self)
            let day = try ReportDate(stored: text, column: "subscription_states.day")
            var stock = stocks[day] ?? Stock()
            stock.paid += try row.decode(column: "paid", as: Int64.self)
            stock.trials += try row.decode(column: "trials", as: Int64.self)
            stock.billingRetry += try row.decode(column: "billing_retry", as: Int64.self)
            stock.gracePeriod += try row.decode(column: "grace_period", as: Int64.self)
            stock.unknownDurationPaid += try row.decode(column: "unknown_paid", as: Int64.self)
            let currency = try row.decode(column: "proceeds_currency", as: String.self)
            let mrr = try row.decode(column: "mrr", as: Int64.self)
            if mrr != 0 || stock.mrrTwelfths[currency] == nil { stock.mrrTwelfths[currency, default: 0] += mrr }
            stocks[day] = stock
        }
        return stocks
    }

    /// Event quantities by event date and event name, with each event's class.
    package struct EventCount: Sendable, Equatable {
        package var day: ReportDate
        package var event: String
        package var eventClass: SubscriptionDefinitions.EventClass
        package var quantity: Int64
    }

    /// The events of the query's range (by Event Date).
    package func events(_ query: Query) async throws -> [EventCount] {
        try await cache.value(query.key("events"), weight: { $0.count }) {
            try await uncachedEvents(query)
        }
    }

    private func uncachedEvents(_ query: Query) async throws -> [EventCount] {
        guard !query.accountIDs.isEmpty else { return [] }
        let filters = Self.filters(query, dayColumn: "event_date")
        let table: SQLQueryString = query.isUnfiltered ? "subscription_event_days" : "subscription_events"
        let rows = try await database.withConnection { connection in
            try await connection.raw(
                "SELECT event_date, event, category, CAST(SUM(quantity) AS BIGINT) AS quantity FROM " + table
                    + " WHERE " + filters + " GROUP BY event_date, event, category"
            ).all()
        }
        return try rows.map { row in
            let category = try row.decode(column: "category", as: String.self)
            guard let eventClass = SubscriptionDefinitions.EventClass(rawValue: category) else {
                throw StoredValueError(column: "subscription_events.category", value: category)
            }
            return EventCount(
                day: try ReportDate(
                    stored: try row.decode(column: "event_date", as: String.self),
                    column: "subscription_events.event_date"
                ),
                event: try row.decode(column: "event", as: String.self), eventClass: eventClass,
                quantity: try row.decode(column: "quantity", as: Int64.self))
        }
    }

    /// Conversions by the week (Monday) of their Original Start Date, for trials started within the
    /// range: a trial converts after it started, so the event may lie past the range.
    package func conversionsByStartWeek(_ query: Query) async throws -> [ReportDate: Int64] {
        try await cache.value(query.key("cohorts"), weight: { $0.count }) {
            guard !query.accountIDs.isEmpty else { return [:] }
            let filters =
                Self.filters(query, dayColumn: "original_start_date")
                + " AND category = \(bind: SubscriptionDefinitions.EventClass.conversions.rawValue)"
            let table: SQLQueryString = query.isUnfiltered ? "subscription_event_days" : "subscription_events"
            let rows = try await database.withConnection { connection in
                try await connection.raw(
                    "SELECT original_start_date, CAST(SUM(quantity) AS BIGINT) AS quantity FROM " + table + " WHERE "
                        + filters + " GROUP BY original_start_date"
                ).all()
            }
            var weeks: [ReportDate: Int64] = [:]
            for row in rows {
                let day = try ReportDate(
                    stored: try row.decode(column: "original_start_date", as: String.self),
                    column: "subscription_events.original_start_date")
                weeks[day.mondayOfWeek, default: 0] += try row.decode(column: "quantity", as: Int64.self)
            }
            return weeks
        }
    }

    /// Days of the range for which each account holds the report of `type`, by account id.
    package func heldDays(_ query: Query, type: ReportType) async throws -> [Int64: Set<ReportDate>] {
        try await cache.value(query.key("held-\(type.rawValue)"), weight: { $0.values.reduce(1) { $0 + $1.count } }) {
            guard !query.accountIDs.isEmpty else { return [:] }
            let rows = try await database.withConnection { connection in
                try await connection.raw(
                    """
                    SELECT DISTINCT store_account_id, report_date FROM report_ledger
                    WHERE store_account_id IN
                    """ + Self.list(query.accountIDs)
                        + """
                         AND report_type = \(bind: type.rawValue) AND frequency = 'Daily'
                            AND state IN ('fetched', 'restated', 'empty')
                            AND report_date BETWEEN \(bind: query.from.isoText) AND \(bind: query.to.isoText)
                        """
                ).all()
            }
            var held: [Int64: Set<ReportDate>] = Dictionary(uniqueKeysWithValues: query.accountIDs.map { ($0, []) })
            for row in rows {
                held[try row.decode(column: "store_account_id", as: Int64.self), default: []].insert(
                    try ReportDate(
                        stored: try row.decode(column: "report_date", as: String.self), column: "report_date"))
            }
            return held
        }
    }

    /// Whether the accounts sell subscriptions: any row of a Subscription report held.
    package func hasSubscriptions(accountIDs: [Int64]) async throws -> Bool {
        guard !accountIDs.isEmpty else { return false }
        return try await database.withConnection { connection in
            try await connection.raw(
                "SELECT 1 AS one FROM subscription_states WHERE store_account_id IN " + Self.list(accountIDs)
                    + " LIMIT 1"
            ).first() != nil
        }
    }

    /// A product Orchard knows from the Subscription reports.
    package struct Product: Sendable, Equatable {
        package var appAppleID: String
        package var appName: String
        package var subscriptionAppleID: String
        package var subscriptionName: String
        package var duration: String
    }

    /// The subscription products the accounts' Subscription reports of `day` name, by app and name
    /// (one day's rows: the page's filter lists those of the last day it shows).
    package func products(accountIDs: [Int64], on day: ReportDate) async throws -> [Product] {
        guard !accountIDs.isEmpty else { return [] }
        return try await database.withConnection { connection in
            try await connection.raw(
                """
                SELECT app_apple_id, MAX(app_name) AS app_name, subscription_apple_id,
                    MAX(subscription_name) AS subscription_name, MAX(duration) AS duration
                FROM subscription_states WHERE store_account_id IN
                """ + Self.list(accountIDs) + " AND day = \(bind: day.isoText)"
                    + " GROUP BY app_apple_id, subscription_apple_id"
            ).all().map { row in
                Product(
                    appAppleID: try row.decode(column: "app_apple_id", as: String.self),
                    appName: try row.decode(column: "app_name", as: String.self),
                    subscriptionAppleID: try row.decode(column: "subscription_apple_id", as: String.self),
                    subscriptionName: try row.decode(column: "subscription_name", as: String.self),
                    duration: try row.decode(column: "duration", as: String.self))
            }.sorted { ($0.appName, $0.subscriptionName) < ($1.appName, $1.subscriptionName) }
        }
    }

    /// Durations Orchard does not know, with the latest day they were seen and how many paid
    /// subscribers they had then: their MRR is left out, and the account page says so.
    package func unknownDurations(accountID: Int64) async throws -> [(duration: String, day: ReportDate, paid: Int64)] {
        try await database.withConnection { connection in
            try await connection.raw(
                """
                SELECT s.duration, s.day, CAST(SUM(s.paid) AS BIGINT) AS paid FROM subscription_states s
                JOIN (SELECT duration, MAX(day) AS day FROM subscription_states
                      WHERE store_account_id = \(bind: accountID) AND mrr_twelfths IS NULL GROUP BY duration) latest
                  ON latest.duration = s.duration AND latest.day = s.day
                WHERE s.store_account_id = \(bind: accountID) AND s.mrr_twelfths IS NULL
                GROUP BY s.duration, s.day ORDER BY s.duration
                """
            ).all().map { row in
                (
                    try row.decode(column: "duration", as: String.self),
                    try ReportDate(stored: try row.decode(column: "day", as: String.self), column: "day"),
                    try row.decode(column: "paid", as: Int64.self)
                )
            }
        }
    }

    /// Rows of subscription products by one dimension on one day: for the tables by subscription
    /// and by country.
    package struct Slice: Sendable, Equatable {
        package var key: String
        package var name: String
        package var stock: Stock
    }

    package enum Dimension: String, Sendable { case subscription, country }

    /// The stocks of `day` grouped by `dimension`.
    package func slices(_ query: Query, day: ReportDate, by dimension: Dimension) async throws -> [Slice] {
        let column: SQLQueryString = dimension == .subscription ? "subscription_apple_id" : "country"
        let name: SQLQueryString = dimension == .subscription ? "MAX(subscription_name)" : "country"
        let filters = Self.filters(query.over(day, day), dayColumn: "day")
        let rows = try await database.withConnection { connection in
            try await connection.raw(
                "SELECT " + column + " AS k, " + name
                    + " AS name, proceeds_currency, CAST(SUM(paid) AS BIGINT) AS paid, "
                    + "CAST(SUM(trials) AS BIGINT) AS trials, CAST(SUM(billing_retry) AS BIGINT) AS billing_retry, CAST(SUM(grace_period) AS BIGINT) AS grace_period, "
                    + "CAST(SUM(COALESCE(mrr_twelfths, 0)) AS BIGINT) AS mrr FROM subscription_states WHERE " + filters
                    + " GROUP BY "
                    + column + ", proceeds_currency"
            ).all()
        }
        var slices: [String: Slice] = [:]
        for row in rows {
            let key = try row.decode(column: "k", as: String.self)
            let name = try row.decode(column: "name", as: String.self)
            var slice = slices[key] ?? Slice(key: key, name: name, stock: .init())
            slice.stock.paid += try row.decode(column: "paid", as: Int64.self)
            slice.stock.trials += try row.decode(column: "trials", as: Int64.self)
            slice.stock.billingRetry += try row.decode(column: "billing_retry", as: Int64.self)
            slice.stock.gracePeriod += try row.decode(column: "grace_period", as: Int64.self)
            let currency = try row.decode(column: "proceeds_currency", as: String.self)
            slice.stock.mrrTwelfths[currency, default: 0] += try row.decode(column: "mrr", as: Int64.self)
            slices[key] = slice
        }
        return slices.values.sorted { $0.stock.paid != $1.stock.paid ? $0.stock.paid > $1.stock.paid : $0.key < $1.key }
    }

    private static func filters(_ query: Query, dayColumn: SQLQueryString) -> SQLQueryString {
        var sql: SQLQueryString = "store_account_id IN " + list(query.accountIDs)
        sql = sql + " AND " + dayColumn + " BETWEEN \(bind: query.from.isoText) AND \(bind: query.to.isoText)"
        if let app = query.app { sql = sql + " AND app_apple_id = \(bind: app)" }
        if let subscription = query.subscription { sql = sql + " AND subscription_apple_id = \(bind: subscription)" }
        if let country = query.country { sql = sql + " AND country = \(bind: country)" }
        return sql
    }

    private static func list(_ ids: [Int64]) -> SQLQueryString {
        SQLQueryString("(") + ids.map { "\(bind: $0)" as SQLQueryString }.joined(separator: ", ") + SQLQueryString(")")
    }
}
