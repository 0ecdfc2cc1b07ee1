import SQLKit
import SalesReports

/// Money signed by Units alone, and one rollup row per grain.
///
/// - A fact now stores its own row's money, `Units × |per-unit amount|`, computed exactly when it is
///   written (`sales_micros` replaces the per-unit `price_micros`): Apple writes a refund's Customer
///   Price negative, so multiplying signed amounts turned refunds into positive sales, and SQLite
///   silently turned an overflowing `units * micros` into a float.
/// - `daily_rollups` gets a UNIQUE key on its grain, so a rollup can never be counted twice.
/// - Every existing day's rollups are rebuilt from the facts under the new rules (the facts'
///   amounts are converted here; `orchard reparse` rebuilds facts from the raw files as well).
struct FactMoneyAndUniqueRollups: Migration {
    let version = 3
    let name = "facts carry their own money; one rollup per grain"

    func prepare(on database: any SQLDatabase, ddl: DDL) async throws {
        try await database.execute([
            "ALTER TABLE sales_facts RENAME COLUMN price_micros TO sales_micros",
            """
            UPDATE sales_facts SET proceeds_micros = units * ABS(proceeds_micros), sales_micros = units * ABS(sales_micros)
            """,
            "DELETE FROM daily_rollups",
            "DROP INDEX daily_rollups_account_day",
            """
            CREATE UNIQUE INDEX daily_rollups_grain ON daily_rollups
                (store_account_id, day, app_sku, country, device, proceeds_currency, customer_currency)
            """,
        ])
        let accounts = try await database.raw("SELECT id FROM store_accounts ORDER BY id").all().map {
            try $0.decode(column: "id", as: Int64.self)
        }
        for account in accounts {
            let days = try await database.raw(
                """
                SELECT DISTINCT report_date FROM report_ledger
                WHERE store_account_id = \(bind: account) AND report_type = 'Sales' AND frequency = 'Daily'
                ORDER BY report_date
                """
            ).all().map {
                try ReportDate(stored: try $0.decode(column: "report_date", as: String.self), column: "report_date")
            }
            // Migration 7 makes the metric slices from these rollups.
            try await DailyRollups.recompute(
                accountID: account, days: days, backend: ddl.backend, on: database, slices: false)
        }
    }
}
