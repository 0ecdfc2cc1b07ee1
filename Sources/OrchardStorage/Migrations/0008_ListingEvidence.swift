import SQLKit

/// What revocation needs as evidence (docs/STATUSES.md, Revocation): when an accessible account's
/// last counted miss was (misses count only a check interval apart), and whether the service
/// identity's account listing is degraded (too many accounts vanished at once to believe it).
struct ListingEvidence: Migration {
    let version = 8
    let name = "listing evidence: when an account last missed a check, the service listing's degraded state"

    func prepare(on database: any SQLDatabase, ddl: DDL) async throws {
        try await database.execute([
            "ALTER TABLE store_accounts ADD COLUMN last_missed_at \(ddl.timestamp)",
            """
            CREATE TABLE service_listing (
                id \(ddl.bigint) PRIMARY KEY CHECK (id = 1),
                degraded_since \(ddl.timestamp),
                vanished \(ddl.bigint) NOT NULL DEFAULT 0,
                accessible \(ddl.bigint) NOT NULL DEFAULT 0,
                checked_at \(ddl.timestamp)
            )
            """,
        ])
    }
}
