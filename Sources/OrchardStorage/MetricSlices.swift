import SQLKit

/// The daily rollups summed per account, day and one dimension, money in euros where a rate applies
/// (`metric_slices`, migration 7). Derived: rebuilt for a day whenever its rollups are, and for every
/// day on or after the first new rate when exchange rates are imported.
package enum MetricSlices {
    /// A slice dimension and the rollup column that is its key.
    package enum Dimension: String, CaseIterable, Sendable {
        case all, app, country, device

        var keyColumn: SQLQueryString {
            switch self {
            case .all: "''"
            case .app: "r.app_sku"
            case .country: "r.country"
            case .device: "r.device"
            }
        }
    }

    /// Rewrites the slices of `days` (every day when `nil`) of one account from its rollups. Runs in
    /// the caller's transaction, which holds the account's lock (ingestion) or the writer (migration).
    static func rebuild(accountID: Int64, days: [String]?, on connection: any SQLDatabase) async throws {
        guard let days else {
            try await rebuild(accountID: accountID, range: nil, on: connection)
            return
        }
        for chunk in stride(from: 0, to: days.count, by: 500).map({ Array(days[$0..<min($0 + 500, days.count)]) }) {
            try await rebuild(accountID: accountID, range: chunk, on: connection)
        }
    }

    /// Rewrites the in-app purchases' daily slices of `days` (every day with a report when `nil`) from
    /// the facts of the chosen Daily Sales reports (`reports`; looked up when `nil`).
    static func rebuildProducts(
        accountID: Int64, days: [String]?, reports: [Int64]? = nil, on connection: any SQLDatabase
    ) async throws {
        let allDays: [String]
        if let days {
            allDays = days
        } else {
            allDays = try await connection.raw(
                """
                SELECT DISTINCT report_date FROM report_ledger
                WHERE store_account_id = \(bind: accountID) AND report_type = 'Sales' AND frequency = 'Daily'
                """
            ).all().map { try $0.decode(column: "report_date", as: String.self) }
        }
        for chunk in stride(from: 0, to: allDays.count, by: 500).map({
            Array(allDays[$0..<min($0 + 500, allDays.count)])
        }) {
            let dayList =
                SQLQueryString("(") + chunk.map { "\(bind: $0)" as SQLQueryString }.joined(separator: ", ")
                + SQLQueryString(")")
            try await connection.raw(
                "DELETE FROM product_slices WHERE store_account_id = \(bind: accountID) AND day IN " + dayList
            ).run()
            let chosen: [Int64]
            if let reports {
                chosen = reports
            } else {
                chosen = DailyRollups.chooseReports(
                    try await DailyRollups.candidates(accountID: accountID, days: chunk, on: connection))
            }
            guard !chosen.isEmpty else { continue }
            let reportList =
                SQLQueryString("(") + chosen.map { "\(bind: $0)" as SQLQueryString }.joined(separator: ", ")
                + SQLQueryString(")")
            try await connection.raw(
                """
                INSERT INTO product_slices (store_account_id, app_sku, sku, day, proceeds_currency, customer_currency,
                    units, returns, proceeds_micros, sales_micros, rate_day)
                SELECT \(bind: accountID), r.app_sku, r.sku, r.day,
                    CASE WHEN fp.per_eur IS NULL THEN r.proceeds_currency ELSE 'EUR' END,
                    CASE WHEN fc.per_eur IS NULL THEN r.customer_currency ELSE 'EUR' END,
                    SUM(r.units), SUM(CASE WHEN r.units < 0 THEN -r.units ELSE 0 END),
                    CAST(ROUND(SUM(CASE WHEN r.proceeds_currency = 'EUR' OR fp.per_eur IS NULL
                        THEN CAST(r.proceeds_micros AS DOUBLE PRECISION) ELSE r.proceeds_micros / fp.per_eur END))
                        AS BIGINT),
                    CAST(ROUND(SUM(CASE WHEN r.customer_currency = 'EUR' OR fc.per_eur IS NULL
                        THEN CAST(r.sales_micros AS DOUBLE PRECISION) ELSE r.sales_micros / fc.per_eur END))
                        AS BIGINT),
                    MIN(CASE WHEN fp.rate_day IS NULL OR fc.rate_day < fp.rate_day THEN fc.rate_day ELSE fp.rate_day END)
                FROM sales_facts r
                LEFT JOIN fx_days fp ON fp.currency = r.proceeds_currency AND fp.day = r.day
                LEFT JOIN fx_days fc ON fc.currency = r.customer_currency AND fc.day = r.day
                WHERE r.report_id IN
                """ + " " + reportList + " AND r.day IN " + dayList
                    + """
                     AND r.bucket IN ('inAppPurchases', 'restores')
                    GROUP BY r.app_sku, r.sku, r.day, CASE WHEN fp.per_eur IS NULL THEN r.proceeds_currency ELSE 'EUR' END,
                        CASE WHEN fc.per_eur IS NULL THEN r.customer_currency ELSE 'EUR' END
                    """
            ).run()
        }
    }

    /// Rewrites every slice of one account from its rollups, in a transaction of its own.
    package static func rebuildAll(accountID: Int64, database: OrchardDatabase) async throws {
        try await database.withTransaction { connection in
            try await rebuild(accountID: accountID, days: nil, on: connection)
        }
    }

    /// Rewrites the slices of every account on and after `firstDay` (after new exchange rates).
    static func rebuild(from firstDay: String, on connection: any SQLDatabase) async throws {
        try await MetricChanges.raiseAll(from: firstDay, on: connection)
        try await connection.raw("DELETE FROM metric_slices WHERE day >= \(bind: firstDay)").run()
        for dimension in Dimension.allCases {
            try await connection.raw(insert(dimension, where: "r.day >= \(bind: firstDay)")).run()
        }
        let accounts = try await connection.raw(
            "SELECT DISTINCT store_account_id FROM product_slices WHERE day >= \(bind: firstDay)"
        ).all().map { try $0.decode(column: "store_account_id", as: Int64.self) }
        for account in accounts {
            let days = try await connection.raw(
                """
                SELECT DISTINCT report_date FROM report_ledger WHERE store_account_id = \(bind: account)
                    AND report_type = 'Sales' AND frequency = 'Daily' AND report_date >= \(bind: firstDay)
                """
            ).all().map { try $0.decode(column: "report_date", as: String.self) }
            try await rebuildProducts(accountID: account, days: days, on: connection)
        }
    }

    private static func rebuild(accountID: Int64, range: [String]?, on connection: any SQLDatabase) async throws {
        var condition: SQLQueryString = "r.store_account_id = \(bind: accountID)"
        var deletion: SQLQueryString = "DELETE FROM metric_slices WHERE store_account_id = \(bind: accountID)"
        if let range {
            let list =
                SQLQueryString("(") + range.map { "\(bind: $0)" as SQLQueryString }.joined(separator: ", ")
                + SQLQueryString(")")
            condition = condition + " AND r.day IN " + list
            deletion = deletion + " AND day IN " + list
        }
        try await connection.raw(deletion).run()
        for dimension in Dimension.allCases {
            try await connection.raw(insert(dimension, where: condition)).run()
        }
    }

    /// Sums rollups into one dimension's slices. A currency with an applicable rate becomes euros
    /// (each rollup row divided by its day's rate, the sum rounded once to a millionth); one without
    /// keeps its own code, so it is shown unconverted and never lost.
    private static func insert(_ dimension: Dimension, where condition: SQLQueryString) -> SQLQueryString {
        SQLQueryString(
            """
            INSERT INTO metric_slices (store_account_id, dimension, key, day, proceeds_currency, customer_currency,
                downloads, redownloads, updates, in_app_purchases, restores, other, returns, proceeds_micros,
                sales_micros, rate_day)
            """) + " " + select(dimension, where: condition)
    }

    /// The slices of `dimension` computed from the rollups that match `condition` (over `r`), as
    /// `metric_slices` columns: what the table holds, or a query's source when it filters by more than
    /// one dimension.
    static func select(_ dimension: Dimension, where condition: SQLQueryString) -> SQLQueryString {
        func money(_ column: String, _ currency: String, _ rate: String) -> SQLQueryString {
            let text = """
                CAST(ROUND(SUM(CASE WHEN r.\(currency) = 'EUR' OR \(rate).per_eur IS NULL THEN CAST(r.\(column) AS DOUBLE PRECISION)
                    ELSE r.\(column) / \(rate).per_eur END)) AS BIGINT)
                """
            return SQLQueryString(text)
        }
        func currency(_ column: String, _ rate: String) -> SQLQueryString {
            let text = "CASE WHEN \(rate).per_eur IS NULL THEN r.\(column) ELSE 'EUR' END"
            return SQLQueryString(text)
        }
        let select: SQLQueryString =
            "SELECT r.store_account_id AS store_account_id, '\(unsafeRaw: dimension.rawValue)' AS dimension, "
            + dimension.keyColumn + " AS key, r.day AS day, " + currency("proceeds_currency", "fp")
            + " AS proceeds_currency, " + currency("customer_currency", "fc") + " AS customer_currency, "
        return select
            + """
            SUM(r.downloads) AS downloads, SUM(r.redownloads) AS redownloads, SUM(r.updates) AS updates,
                SUM(r.in_app_purchases) AS in_app_purchases, SUM(r.restores) AS restores, SUM(r.other) AS other,
                SUM(r.returns) AS returns,
            """ + " " + money("proceeds_micros", "proceeds_currency", "fp") + " AS proceeds_micros, "
            + money("sales_micros", "customer_currency", "fc") + " AS sales_micros, "
                + """
                MIN(CASE WHEN fp.rate_day IS NULL OR fc.rate_day < fp.rate_day THEN fc.rate_day ELSE fp.rate_day END)
                    AS rate_day
                FROM daily_rollups r
                LEFT JOIN fx_days fp ON fp.currency = r.proceeds_currency AND fp.day = r.day
                LEFT JOIN fx_days fc ON fc.currency = r.customer_currency AND fc.day = r.day
                WHERE
                """ + " " + condition + " GROUP BY r.store_account_id, "
            + (dimension == .all ? "" : dimension.keyColumn + ", ") + "r.day, "
            + currency("proceeds_currency", "fp") + ", " + currency("customer_currency", "fc")
    }
}
