import SQLKit

/// Which days each raise of an account's data version changed (`metric_changes`), so a process that
/// keeps whole months' sums in memory drops only the months a change touched instead of all of them
/// (``MetricChanges``); and the rollups of one app by day, which an app's page with a country or
/// device breakdown sums (the grain's index is by day first: every app of the account was read).
struct MetricChangesTable: Migration {
    let version = 17
    let name = "the days each change of an account's figures touched; rollups by app"

    func prepare(on database: any SQLDatabase, ddl: DDL) async throws {
        try await database.execute([
            """
            CREATE TABLE metric_changes (
                store_account_id \(ddl.bigint) NOT NULL REFERENCES store_accounts(id) ON DELETE CASCADE,
                version \(ddl.bigint) NOT NULL,
                first_day \(ddl.keyText),
                last_day \(ddl.keyText),
                PRIMARY KEY (store_account_id, version)
            )
            """,
            "CREATE INDEX daily_rollups_app_day ON daily_rollups (store_account_id, app_sku, day)",
        ])
    }
}
