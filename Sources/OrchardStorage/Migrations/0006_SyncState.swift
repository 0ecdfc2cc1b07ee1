import SQLKit

/// What the sync engine (docs/JOBS.md) keeps per store account and per report: consecutive invitation
/// checks that missed an accessible account (revocation needs two), when it was revoked and purged,
/// the last day the daily sync completed, and the message of a report that failed for good.
struct SyncState: Migration {
    let version = 6
    let name = "sync state: missed checks, revocation and purge times, last synced day, ledger error messages"

    func prepare(on database: any SQLDatabase, ddl: DDL) async throws {
        try await database.execute([
            "ALTER TABLE store_accounts ADD COLUMN missed_checks \(ddl.bigint) NOT NULL DEFAULT 0",
            "ALTER TABLE store_accounts ADD COLUMN revoked_at \(ddl.timestamp)",
            "ALTER TABLE store_accounts ADD COLUMN purged_at \(ddl.timestamp)",
            "ALTER TABLE store_accounts ADD COLUMN synced_through \(ddl.text)",
            "ALTER TABLE report_ledger ADD COLUMN error_message \(ddl.text)",
            "CREATE INDEX report_ledger_account_date ON report_ledger(store_account_id, report_date)",
        ])
    }
}
