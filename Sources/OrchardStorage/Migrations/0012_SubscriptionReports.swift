import SQLKit

/// What the subscription figures are made of (docs/SUBSCRIPTIONS.md): one row per row of the daily
/// Subscription report (subscriber counts and monthly recurring revenue of a product, price and
/// country on a day) and of the Subscription Event report (how many subscribers had an event). Both
/// are replaced a whole report at a time, as `sales_facts` are, and carry their account for reads;
/// their sums per account and day answer the questions without a filter.
/// The remembered report versions live in `instance_settings`.
struct SubscriptionReports: Migration {
    let version = 12
    let name = "subscription reports: daily subscriber counts and subscription events"

    func prepare(on database: any SQLDatabase, ddl: DDL) async throws {
        try await database.execute([
            """
            CREATE TABLE subscription_states (
                report_id \(ddl.bigint) NOT NULL,
                line \(ddl.bigint) NOT NULL,
                store_account_id \(ddl.bigint) NOT NULL,
                day \(ddl.keyText) NOT NULL,
                app_apple_id \(ddl.keyText) NOT NULL,
                app_name \(ddl.text) NOT NULL,
                subscription_apple_id \(ddl.keyText) NOT NULL,
                subscription_name \(ddl.text) NOT NULL,
                duration \(ddl.text) NOT NULL,
                country \(ddl.keyText) NOT NULL,
                proceeds_currency \(ddl.keyText) NOT NULL,
                proceeds_micros \(ddl.bigint) NOT NULL,
                paid \(ddl.bigint) NOT NULL,
                trials \(ddl.bigint) NOT NULL,
                billing_retry \(ddl.bigint) NOT NULL,
                grace_period \(ddl.bigint) NOT NULL,
                mrr_twelfths \(ddl.bigint),
                PRIMARY KEY (report_id, line)
            )
            """,
            "CREATE INDEX subscription_states_account_day ON subscription_states (store_account_id, day)",
            """
            CREATE TABLE subscription_events (
                report_id \(ddl.bigint) NOT NULL,
                line \(ddl.bigint) NOT NULL,
                store_account_id \(ddl.bigint) NOT NULL,
                event_date \(ddl.keyText) NOT NULL,
                event \(ddl.text) NOT NULL,
                category \(ddl.keyText) NOT NULL,
                app_apple_id \(ddl.keyText) NOT NULL,
                subscription_apple_id \(ddl.keyText) NOT NULL,
                subscription_name \(ddl.text) NOT NULL,
                country \(ddl.keyText) NOT NULL,
                offer_type \(ddl.text) NOT NULL,
                original_start_date \(ddl.keyText),
                quantity \(ddl.bigint) NOT NULL,
                PRIMARY KEY (report_id, line)
            )
            """,
            "CREATE INDEX subscription_events_account_date ON subscription_events (store_account_id, event_date)",
            // The same summed per account and day (and proceeds currency, or event): what a question
            // without an app, subscription or country filter reads, kept by the ingestion's transaction.
            """
            CREATE TABLE subscription_days (
                store_account_id \(ddl.bigint) NOT NULL,
                day \(ddl.keyText) NOT NULL,
                proceeds_currency \(ddl.keyText) NOT NULL,
                paid \(ddl.bigint) NOT NULL,
                trials \(ddl.bigint) NOT NULL,
                billing_retry \(ddl.bigint) NOT NULL,
                grace_period \(ddl.bigint) NOT NULL,
                mrr_twelfths \(ddl.bigint) NOT NULL,
                unknown_paid \(ddl.bigint) NOT NULL,
                PRIMARY KEY (store_account_id, day, proceeds_currency)
            )
            """,
            """
            CREATE TABLE subscription_event_days (
                store_account_id \(ddl.bigint) NOT NULL,
                event_date \(ddl.keyText) NOT NULL,
                event \(ddl.keyText) NOT NULL,
                category \(ddl.keyText) NOT NULL,
                original_start_date \(ddl.keyText) NOT NULL,
                quantity \(ddl.bigint) NOT NULL,
                PRIMARY KEY (store_account_id, event_date, event, category, original_start_date)
            )
            """,
            "CREATE INDEX subscription_event_days_start ON subscription_event_days (store_account_id, original_start_date)",
        ])
    }
}
