import SQLKit

/// The persisted job queue of docs/JOBS.md: migration 2's `jobs` table had no
/// de-duplication key, no store account, no lease token and no `cancelled` state. No code used it,
/// so it is replaced.
struct JobQueueTable: Migration {
    let version = 5
    let name = "job queue with de-duplication keys, leases fenced by tokens, and cancellation"

    func prepare(on database: any SQLDatabase, ddl: DDL) async throws {
        try await database.execute([
            "DROP TABLE jobs",
            """
            CREATE TABLE jobs (
                id \(ddl.identity),
                kind \(ddl.text) NOT NULL,
                payload \(ddl.text) NOT NULL DEFAULT '{}',
                dedupe_key \(ddl.text),
                store_account_id \(ddl.bigint) REFERENCES store_accounts(id) ON DELETE CASCADE,
                state \(ddl.text) NOT NULL DEFAULT 'queued'
                    CHECK (state IN ('queued', 'running', 'done', 'dead', 'cancelled')),
                run_after \(ddl.timestamp) NOT NULL,
                attempts \(ddl.bigint) NOT NULL DEFAULT 0,
                max_attempts \(ddl.bigint) NOT NULL DEFAULT 8,
                lease_owner \(ddl.text),
                lease_token \(ddl.text),
                lease_expires_at \(ddl.timestamp),
                last_error \(ddl.text),
                created_at \(ddl.timestamp) NOT NULL,
                updated_at \(ddl.timestamp) NOT NULL
            )
            """,
            // What a worker looks for: queued jobs that are due, and running jobs whose lease lapsed.
            "CREATE INDEX jobs_due ON jobs(state, run_after)",
            "CREATE INDEX jobs_lease ON jobs(state, lease_expires_at)",
            "CREATE INDEX jobs_store_account ON jobs(store_account_id)",
            // A job already queued or running with a key is not queued twice.
            "CREATE UNIQUE INDEX jobs_dedupe ON jobs(dedupe_key) WHERE state IN ('queued', 'running')",
        ])
    }
}
