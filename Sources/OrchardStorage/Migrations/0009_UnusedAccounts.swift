import SQLKit

/// When the last user removed their integration of an account (docs/STATUSES.md, Retention and
/// purge): the account stops syncing and its data is purged a retention period later, unless
/// someone integrates it again first.
struct UnusedAccounts: Migration {
    let version = 9
    let name = "unused accounts: when the last integration of an account was removed"

    func prepare(on database: any SQLDatabase, ddl: DDL) async throws {
        try await database.execute(["ALTER TABLE store_accounts ADD COLUMN unused_since \(ddl.timestamp)"])
    }
}
