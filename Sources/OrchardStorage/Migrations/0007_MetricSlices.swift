import SQLKit

/// What the dashboard reads (decision 0003, docs/decisions): metric slices, per-day exchange rates, and a user's base
/// currency.
///
/// - `metric_slices`: the daily rollups summed per account, day and one dimension (`all`, `app`,
///   `country` or `device`), with money already in euros wherever the ECB published a rate for its
///   currency (the rate of the nearest earlier day, at most ``FXDays/maximumRateAge`` days old); money
///   in a currency without such a rate stays in its own currency. A year of an account is then a few
///   hundred rows whatever its apps, countries and currencies, instead of millions.
/// - `fx_days`: for each currency and calendar day, the ECB rate that applies (units per euro) and the
///   day it was published, so a query converts with one join.
/// - `users.currency`: the currency a user's figures are shown in.
/// - `products` and `product_slices`: each in-app purchase's app, title and type, and its units and
///   money per day (in euros where a rate applies), for an app's page. Facts ingested before this
///   migration have no titles; `orchard reparse` fills them.
struct MetricSlicesAndBaseCurrency: Migration {
    let version = 7
    let name = "metric slices in euros, per-day exchange rates, a user's base currency"

    func prepare(on database: any SQLDatabase, ddl: DDL) async throws {
        try await database.execute([
            """
            CREATE TABLE metric_slices (
                store_account_id \(ddl.bigint) NOT NULL,
                dimension \(ddl.keyText) NOT NULL,
                key \(ddl.keyText) NOT NULL,
                day \(ddl.keyText) NOT NULL,
                proceeds_currency \(ddl.keyText) NOT NULL,
                customer_currency \(ddl.keyText) NOT NULL,
                downloads \(ddl.bigint) NOT NULL,
                redownloads \(ddl.bigint) NOT NULL,
                updates \(ddl.bigint) NOT NULL,
                in_app_purchases \(ddl.bigint) NOT NULL,
                restores \(ddl.bigint) NOT NULL,
                other \(ddl.bigint) NOT NULL,
                returns \(ddl.bigint) NOT NULL,
                proceeds_micros \(ddl.bigint) NOT NULL,
                sales_micros \(ddl.bigint) NOT NULL,
                rate_day \(ddl.text)
            )
            """,
            // One key's days (a filter), and one day range of every key (a breakdown).
            """
            CREATE UNIQUE INDEX metric_slices_grain ON metric_slices
                (store_account_id, dimension, key, day, proceeds_currency, customer_currency)
            """,
            "CREATE INDEX metric_slices_days ON metric_slices (store_account_id, dimension, day)",
            """
            CREATE TABLE fx_days (
                currency \(ddl.keyText) NOT NULL,
                day \(ddl.keyText) NOT NULL,
                per_eur DOUBLE PRECISION NOT NULL,
                rate_day \(ddl.text) NOT NULL,
                PRIMARY KEY (currency, day)
            )
            """,
            "ALTER TABLE users ADD COLUMN currency \(ddl.text) NOT NULL DEFAULT 'USD'",
            // Raised with every change of an account's figures: the key of cached answers.
            "ALTER TABLE store_accounts ADD COLUMN metrics_version \(ddl.bigint) NOT NULL DEFAULT 0",
            """
            CREATE TABLE products (
                store_account_id \(ddl.bigint) NOT NULL REFERENCES store_accounts(id) ON DELETE CASCADE,
                sku \(ddl.text) NOT NULL,
                app_sku \(ddl.text) NOT NULL,
                title \(ddl.text) NOT NULL,
                product_type \(ddl.text) NOT NULL,
                PRIMARY KEY (store_account_id, sku)
            )
            """,
            """
            CREATE TABLE product_slices (
                store_account_id \(ddl.bigint) NOT NULL,
                app_sku \(ddl.keyText) NOT NULL,
                sku \(ddl.keyText) NOT NULL,
                day \(ddl.keyText) NOT NULL,
                proceeds_currency \(ddl.keyText) NOT NULL,
                customer_currency \(ddl.keyText) NOT NULL,
                units \(ddl.bigint) NOT NULL,
                returns \(ddl.bigint) NOT NULL,
                proceeds_micros \(ddl.bigint) NOT NULL,
                sales_micros \(ddl.bigint) NOT NULL,
                rate_day \(ddl.text)
            )
            """,
            """
            CREATE UNIQUE INDEX product_slices_grain ON product_slices
                (store_account_id, app_sku, day, sku, proceeds_currency, customer_currency)
            """,
        ])
        try await FXDays.rebuild(on: database)
        let accounts = try await database.raw("SELECT id FROM store_accounts ORDER BY id").all().map {
            try $0.decode(column: "id", as: Int64.self)
        }
        for account in accounts {
            try await MetricSlices.rebuild(accountID: account, days: nil, on: database)
            try await MetricSlices.rebuildProducts(accountID: account, days: nil, on: database)
        }
    }
}
