import Foundation
package import SQLKit

/// Daily rollups per account, app, day, country, device and currency pair: derived from the
/// facts of Daily Sales reports, recomputed per day on ingestion, and rebuildable at any time.
package enum DailyRollups {
    /// Recomputes the rollups of `days` for one account from the facts of its Daily Sales reports.
    package static func recompute(
        accountID: Int64, days: [String], backend: OrchardDatabase.Backend, on connection: any SQLDatabase
    ) async throws {
        guard !days.isEmpty else { return }
        if backend == .postgres {
            // Enough memory to group a day's facts in a hash table instead of an on-disk sort; this
            // transaction only.
            try await connection.raw("SET LOCAL work_mem = '256MB'").run()
        }
        // Chunks keep the IN lists well under every bind limit.
        for chunk in stride(from: 0, to: days.count, by: 500).map({ Array(days[$0..<min($0 + 500, days.count)]) }) {
            let dayList =
                SQLQueryString("(") + chunk.map { "\(bind: $0)" as SQLQueryString }.joined(separator: ", ")
                + SQLQueryString(")")
            // The Daily Sales reports of these days, looked up first: filtering the facts by report id lets
            // the planner see how many rows it groups (a join estimate made PostgreSQL sort a million rows).
            let reports = try await connection.raw(
                """
                SELECT id FROM report_ledger
                WHERE store_account_id = \(bind: accountID) AND report_type = 'Sales' AND frequency = 'Daily'
                    AND report_date IN
                """ + " " + dayList
            ).all().map { try $0.decode(column: "id", as: Int64.self) }
            try await connection.raw(
                "DELETE FROM daily_rollups WHERE store_account_id = \(bind: accountID) AND day IN " + dayList
            ).run()
            guard !reports.isEmpty else { continue }
            let reportList =
                SQLQueryString("(") + reports.map { "\(bind: $0)" as SQLQueryString }.joined(separator: ", ")
                + SQLQueryString(")")
            try await connection.raw(
                """
                INSERT INTO daily_rollups (store_account_id, app_sku, day, country, device, proceeds_currency,
                    customer_currency, downloads, redownloads, updates, in_app_purchases, restores, other, returns,
                    proceeds_micros, sales_micros)
                SELECT \(bind: accountID), f.app_sku, f.day, f.country, f.device, f.proceeds_currency,
                    f.customer_currency,
                    SUM(CASE WHEN f.bucket = 'downloads' THEN f.units ELSE 0 END),
                    SUM(CASE WHEN f.bucket = 'redownloads' THEN f.units ELSE 0 END),
                    SUM(CASE WHEN f.bucket = 'updates' THEN f.units ELSE 0 END),
                    SUM(CASE WHEN f.bucket = 'inAppPurchases' THEN f.units ELSE 0 END),
                    SUM(CASE WHEN f.bucket = 'restores' THEN f.units ELSE 0 END),
                    SUM(CASE WHEN f.bucket = 'other' THEN f.units ELSE 0 END),
                    SUM(CASE WHEN f.units < 0 THEN -f.units ELSE 0 END),
                    SUM(f.units * f.proceeds_micros),
                    SUM(f.units * f.price_micros)
                FROM sales_facts f
                WHERE f.report_id IN
                """ + " " + reportList + " AND f.day IN " + dayList + " "
                    + """
                    GROUP BY f.app_sku, f.day, f.country, f.device, f.proceeds_currency, f.customer_currency
                    """
            ).run()
        }
    }

    /// Totals of one account over `from...to` (inclusive `YYYY-MM-DD`), money per currency in millionths.
    package struct Totals: Sendable, Equatable {
        package var units: [String: Int64] = [:]
        package var returns: Int64 = 0
        package var proceeds: [String: Int64] = [:]
        package var sales: [String: Int64] = [:]
    }

    package static func totals(accountNumber: String, from: String, to: String, database: OrchardDatabase)
        async throws -> Totals
    {
        try await database.withConnection { connection in
            let rows = try await connection.raw(
                """
                SELECT r.proceeds_currency, r.customer_currency, CAST(SUM(r.downloads) AS BIGINT) AS downloads,
                    CAST(SUM(r.redownloads) AS BIGINT) AS redownloads, CAST(SUM(r.updates) AS BIGINT) AS updates,
                    CAST(SUM(r.in_app_purchases) AS BIGINT) AS in_app_purchases, CAST(SUM(r.restores) AS BIGINT) AS restores, CAST(SUM(r.other) AS BIGINT) AS other,
                    CAST(SUM(r.returns) AS BIGINT) AS returns, CAST(SUM(r.proceeds_micros) AS BIGINT) AS proceeds, CAST(SUM(r.sales_micros) AS BIGINT) AS sales
                FROM daily_rollups r JOIN store_accounts a ON a.id = r.store_account_id
                WHERE a.number = \(bind: accountNumber) AND r.day >= \(bind: from) AND r.day <= \(bind: to)
                GROUP BY r.proceeds_currency, r.customer_currency
                """
            ).all()
            var totals = Totals()
            for row in rows {
                for bucket in ["downloads", "redownloads", "updates", "in_app_purchases", "restores", "other"] {
                    totals.units[bucket, default: 0] += try row.decode(column: bucket, as: Int64.self)
                }
                totals.returns += try row.decode(column: "returns", as: Int64.self)
                let proceedsCurrency = try row.decode(column: "proceeds_currency", as: String.self)
                let proceeds = try row.decode(column: "proceeds", as: Int64.self)
                if !(proceedsCurrency.isEmpty && proceeds == 0) {
                    totals.proceeds[proceedsCurrency, default: 0] += proceeds
                }
                let customerCurrency = try row.decode(column: "customer_currency", as: String.self)
                let sales = try row.decode(column: "sales", as: Int64.self)
                if !(customerCurrency.isEmpty && sales == 0) { totals.sales[customerCurrency, default: 0] += sales }
            }
            return totals
        }
    }
}
