import SQLKit
package import SalesReports

/// What the Payouts page compares (docs/PAYOUTS.md): the rows of the Financial reports of a
/// fiscal month (what Apple pays) and the paid rows of the daily Summary Sales reports of the same
/// days (the estimate), summed per account, app, country, currency and sale or return; and which
/// Financial reports the ledger holds.
package struct PayoutStore: Sendable {
    let database: OrchardDatabase

    package init(database: OrchardDatabase) {
        self.database = database
    }

    /// A sum of paid rows of one kind: an app's (an in-app purchase counts for its app) sales or
    /// returns in one country and proceeds currency.
    package struct Line: Sendable, Hashable {
        package var accountID: Int64
        package var app: String
        package var country: String
        package var currency: String
        package var isReturn: Bool
        package var units: Int64
        package var micros: Int64

        package init(
            accountID: Int64, app: String, country: String, currency: String, isReturn: Bool, units: Int64,
            micros: Int64
        ) {
            self.accountID = accountID
            self.app = app
            self.country = country
            self.currency = currency
            self.isReturn = isReturn
            self.units = units
            self.micros = micros
        }
    }

    /// The Financial reports' rows of the fiscal month starting on `periodStart`.
    package func finals(accountIDs: [Int64], periodStart: ReportDate) async throws -> [Line] {
        guard !accountIDs.isEmpty else { return [] }
        return try await database.withConnection { connection in
            try await connection.raw(
                """
                SELECT f.store_account_id AS account, COALESCE(p.app_sku, f.sku) AS app, f.country, f.currency,
                    f.is_return, CAST(SUM(f.quantity) AS BIGINT) AS units,
                    CAST(SUM(f.amount_micros) AS BIGINT) AS micros
                FROM financial_lines f
                LEFT JOIN products p ON p.store_account_id = f.store_account_id AND p.sku = f.sku
                WHERE f.period_start = \(bind: periodStart.isoText) AND f.store_account_id IN
                """ + MetricsStore.list(accountIDs)
                    + """
                         GROUP BY f.store_account_id, COALESCE(p.app_sku, f.sku), f.country, f.currency, f.is_return
                    """
            ).all().map(Self.line)
        }
    }

    /// The daily Summary Sales reports' rows with proceeds on days `from...to`: the estimate.
    package func estimates(accountIDs: [Int64], from: ReportDate, to: ReportDate) async throws -> [Line] {
        guard !accountIDs.isEmpty else { return [] }
        return try await database.withConnection { connection in
            try await connection.raw(
                """
                SELECT l.store_account_id AS account, s.app_sku AS app, s.country, s.proceeds_currency AS currency,
                    CAST(CASE WHEN s.units < 0 THEN 1 ELSE 0 END AS BIGINT) AS is_return,
                    CAST(SUM(s.units) AS BIGINT) AS units, CAST(SUM(s.proceeds_micros) AS BIGINT) AS micros
                FROM report_ledger l JOIN sales_facts s ON s.report_id = l.id
                WHERE l.report_type = 'Sales' AND l.frequency = 'Daily'
                  AND l.report_date BETWEEN \(bind: from.isoText) AND \(bind: to.isoText)
                  AND s.proceeds_micros <> 0 AND l.store_account_id IN
                """ + MetricsStore.list(accountIDs)
                    + """
                         GROUP BY l.store_account_id, s.app_sku, s.country, s.proceeds_currency,
                        CASE WHEN s.units < 0 THEN 1 ELSE 0 END
                    """
            ).all().map(Self.line)
        }
    }

    /// The Financial reports the ledger holds for fiscal months starting in `from...to`: per
    /// account and month's first day, whether one has rows (`true`) or all are empty (`false`).
    package func held(accountIDs: [Int64], from: ReportDate, to: ReportDate) async throws -> [Int64: [String: Bool]] {
        guard !accountIDs.isEmpty else { return [:] }
        return try await database.withConnection { connection in
            try await connection.raw(
                """
                SELECT store_account_id AS account, report_date,
                    CAST(MAX(CASE WHEN state = 'empty' THEN 0 ELSE 1 END) AS BIGINT) AS has_rows
                FROM report_ledger
                WHERE report_type = 'Financial' AND state IN ('fetched', 'restated', 'empty')
                  AND report_date BETWEEN \(bind: from.isoText) AND \(bind: to.isoText) AND store_account_id IN
                """ + MetricsStore.list(accountIDs)
                    + """
                         GROUP BY store_account_id, report_date
                    """
            ).all().reduce(into: [Int64: [String: Bool]]()) { held, row in
                let account = try row.decode(column: "account", as: Int64.self)
                held[account, default: [:]][try row.decode(column: "report_date", as: String.self)] =
                    try row.decode(column: "has_rows", as: Int64.self) == 1
            }
        }
    }

    private static func line(_ row: any SQLRow) throws -> Line {
        Line(
            accountID: try row.decode(column: "account", as: Int64.self),
            app: try row.decode(column: "app", as: String.self),
            country: try row.decode(column: "country", as: String.self),
            currency: try row.decode(column: "currency", as: String.self),
            isReturn: try row.decode(column: "is_return", as: Int64.self) == 1,
            units: try row.decode(column: "units", as: Int64.self),
            micros: try row.decode(column: "micros", as: Int64.self))
    }
}
