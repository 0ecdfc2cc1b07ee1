import SQLKit

/// The data model of docs/STATUSES.md and docs/ARCHITECTURE.md: store accounts and their apps, integrations,
/// funnel tokens, the report ledger with sales facts and daily rollups, exchange rates, jobs,
/// encrypted service secrets and the audit log.
///
/// Money is stored exactly, as integer millionths of the currency unit (`*_micros`). Facts and
/// rollups are derived rows written in bulk: they carry no foreign keys (a per-row check would cost
/// more than the insert) and are removed with their report or account explicitly.
struct CreateAccountsIntegrationsAndReports: Migration {
    let version = 2
    let name = "create accounts, integrations, reports, rollups, fx, jobs and audit log"

    func prepare(on database: any SQLDatabase, ddl: DDL) async throws {
        try await database.execute([
            """
            CREATE TABLE store_accounts (
                id \(ddl.identity),
                number \(ddl.text) NOT NULL UNIQUE,
                name \(ddl.text) NOT NULL,
                vendors \(ddl.text) NOT NULL DEFAULT '',
                access_state \(ddl.text) NOT NULL DEFAULT 'awaiting_access'
                    CHECK (access_state IN ('awaiting_access', 'accessible', 'revoked')),
                first_seen_at \(ddl.timestamp) NOT NULL,
                last_seen_at \(ddl.timestamp),
                backfill_done \(ddl.bigint) NOT NULL DEFAULT 0,
                backfill_total \(ddl.bigint) NOT NULL DEFAULT 0,
                last_sync_at \(ddl.timestamp),
                last_error \(ddl.text)
            )
            """,
            """
            CREATE TABLE apps (
                store_account_id \(ddl.bigint) NOT NULL REFERENCES store_accounts(id) ON DELETE CASCADE,
                sku \(ddl.text) NOT NULL,
                apple_identifier \(ddl.text),
                title \(ddl.text),
                PRIMARY KEY (store_account_id, sku)
            )
            """,
            """
            CREATE TABLE integrations (
                id \(ddl.identity),
                user_id \(ddl.bigint) NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                store_account_id \(ddl.bigint) NOT NULL REFERENCES store_accounts(id) ON DELETE CASCADE,
                status \(ddl.text) NOT NULL CHECK (status IN ('pending', 'active', 'expired', 'removed')),
                status_reason \(ddl.text),
                created_at \(ddl.timestamp) NOT NULL,
                activated_at \(ddl.timestamp),
                updated_at \(ddl.timestamp) NOT NULL,
                UNIQUE (user_id, store_account_id)
            )
            """,
            "CREATE INDEX integrations_store_account ON integrations(store_account_id)",
            """
            CREATE TABLE funnel_tokens (
                id \(ddl.identity),
                user_id \(ddl.bigint) NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                fingerprint \(ddl.text) NOT NULL,
                masked \(ddl.text) NOT NULL,
                key_id \(ddl.text),
                ciphertext \(ddl.bytes),
                proven_accounts \(ddl.text) NOT NULL DEFAULT '',
                created_at \(ddl.timestamp) NOT NULL,
                usable_until \(ddl.timestamp) NOT NULL,
                erased_at \(ddl.timestamp)
            )
            """,
            "CREATE INDEX funnel_tokens_user ON funnel_tokens(user_id)",
            """
            CREATE TABLE service_secrets (
                name \(ddl.text) PRIMARY KEY,
                key_id \(ddl.text) NOT NULL,
                ciphertext \(ddl.bytes) NOT NULL,
                updated_at \(ddl.timestamp) NOT NULL
            )
            """,
            """
            CREATE TABLE report_ledger (
                id \(ddl.identity),
                store_account_id \(ddl.bigint) NOT NULL REFERENCES store_accounts(id) ON DELETE CASCADE,
                vendor \(ddl.text) NOT NULL,
                report_type \(ddl.text) NOT NULL,
                report_subtype \(ddl.text) NOT NULL,
                frequency \(ddl.text) NOT NULL,
                report_date \(ddl.text) NOT NULL,
                version \(ddl.text) NOT NULL,
                state \(ddl.text) NOT NULL
                    CHECK (state IN ('not_published_yet', 'fetched', 'empty', 'failed', 'restated')),
                error_code \(ddl.text),
                fetched_at \(ddl.timestamp),
                row_count \(ddl.bigint) NOT NULL DEFAULT 0,
                sha256 \(ddl.text),
                UNIQUE (store_account_id, vendor, report_type, report_subtype, frequency, report_date, version)
            )
            """,
            """
            CREATE TABLE sales_facts (
                report_id \(ddl.bigint) NOT NULL,
                line \(ddl.bigint) NOT NULL,
                day \(ddl.keyText) NOT NULL,
                app_sku \(ddl.keyText) NOT NULL,
                sku \(ddl.keyText) NOT NULL,
                product_type \(ddl.keyText) NOT NULL,
                bucket \(ddl.keyText) NOT NULL,
                units \(ddl.bigint) NOT NULL,
                proceeds_micros \(ddl.bigint) NOT NULL,
                proceeds_currency \(ddl.keyText) NOT NULL,
                price_micros \(ddl.bigint) NOT NULL,
                customer_currency \(ddl.keyText) NOT NULL,
                country \(ddl.keyText) NOT NULL,
                device \(ddl.keyText) NOT NULL\(ddl.backend == .sqlite ? ",\n    PRIMARY KEY (report_id, line)" : "")
            ) \(ddl.backend == .sqlite ? "WITHOUT ROWID" : "")
            """,
            // Facts are written and replaced a whole report at a time, in report order. SQLite keeps the
            // table itself as the (report, line) B-tree; PostgreSQL needs only a block-range index on the
            // report, nearly free to maintain during COPY.
            ddl.backend == .sqlite
                ? "SELECT 1" : "CREATE INDEX sales_facts_report ON sales_facts USING BRIN (report_id)",
            """
            CREATE TABLE daily_rollups (
                store_account_id \(ddl.bigint) NOT NULL,
                app_sku \(ddl.keyText) NOT NULL,
                day \(ddl.keyText) NOT NULL,
                country \(ddl.keyText) NOT NULL,
                device \(ddl.keyText) NOT NULL,
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
                sales_micros \(ddl.bigint) NOT NULL
            )
            """,
            "CREATE INDEX daily_rollups_account_day ON daily_rollups(store_account_id, day)",
            """
            CREATE TABLE fx_rates (
                day \(ddl.text) NOT NULL,
                currency \(ddl.text) NOT NULL,
                per_eur \(ddl.text) NOT NULL,
                source \(ddl.text) NOT NULL,
                PRIMARY KEY (currency, day)
            )
            """,
            """
            CREATE TABLE jobs (
                id \(ddl.identity),
                kind \(ddl.text) NOT NULL,
                payload \(ddl.text) NOT NULL DEFAULT '{}',
                state \(ddl.text) NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'done', 'dead')),
                run_after \(ddl.timestamp) NOT NULL,
                attempts \(ddl.bigint) NOT NULL DEFAULT 0,
                max_attempts \(ddl.bigint) NOT NULL DEFAULT 8,
                lease_owner \(ddl.text),
                lease_expires_at \(ddl.timestamp),
                last_error \(ddl.text),
                created_at \(ddl.timestamp) NOT NULL,
                updated_at \(ddl.timestamp) NOT NULL
            )
            """,
            "CREATE INDEX jobs_runnable ON jobs(state, run_after)",
            """
            CREATE TABLE audit_log (
                id \(ddl.identity),
                at \(ddl.timestamp) NOT NULL,
                user_id \(ddl.bigint),
                store_account_number \(ddl.text),
                integration_id \(ddl.bigint),
                action \(ddl.text) NOT NULL,
                detail \(ddl.text) NOT NULL DEFAULT ''
            )
            """,
            "CREATE INDEX audit_log_account ON audit_log(store_account_number, at)",
        ])
    }
}
