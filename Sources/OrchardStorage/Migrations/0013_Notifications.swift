import SQLKit

/// Notifications (docs/NOTIFICATIONS.md): what happened (`events`, each for one user, or for the
/// operators when `user_id` is null), who wants what (`notification_preferences`, digest and alert
/// settings on `users`), verified addresses, the mail outbox, webhook endpoints and their deliveries,
/// and the one-click unsubscribe tokens of the mail that was sent.
struct Notifications: Migration {
    let version = 13
    let name = "notifications: events, preferences, verified addresses, mail outbox, webhooks"

    func prepare(on database: any SQLDatabase, ddl: DDL) async throws {
        try await database.execute([
            "ALTER TABLE users ADD COLUMN email_verified_at \(ddl.timestamp)",
            // Digest: off, daily or weekly, at an hour of the user's time zone (weekly: on a weekday, 1 = Monday).
            "ALTER TABLE users ADD COLUMN digest_frequency \(ddl.text) NOT NULL DEFAULT 'daily'",
            "ALTER TABLE users ADD COLUMN digest_hour \(ddl.bigint) NOT NULL DEFAULT 8",
            "ALTER TABLE users ADD COLUMN digest_weekday \(ddl.bigint) NOT NULL DEFAULT 1",
            "ALTER TABLE users ADD COLUMN time_zone \(ddl.text) NOT NULL DEFAULT 'UTC'",
            // The last digest period sent (a day, or a week's Monday), so one is never sent twice.
            "ALTER TABLE users ADD COLUMN digest_last_period \(ddl.text)",
            // How unusual a day must be to alert: low, normal or high sensitivity.
            "ALTER TABLE users ADD COLUMN alert_sensitivity \(ddl.text) NOT NULL DEFAULT 'normal'",
            """
            CREATE TABLE email_verifications (
                token_hash \(ddl.keyText) PRIMARY KEY,
                user_id \(ddl.bigint) NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                email \(ddl.text) NOT NULL,
                created_at \(ddl.timestamp) NOT NULL,
                expires_at \(ddl.timestamp) NOT NULL
            )
            """,
            "CREATE INDEX email_verifications_user ON email_verifications (user_id)",
            """
            CREATE TABLE events (
                id \(ddl.keyText) PRIMARY KEY,
                user_id \(ddl.bigint) REFERENCES users(id) ON DELETE CASCADE,
                type \(ddl.keyText) NOT NULL,
                account_number \(ddl.keyText),
                created_at \(ddl.timestamp) NOT NULL,
                data \(ddl.text) NOT NULL,
                dedupe_key \(ddl.keyText) UNIQUE
            )
            """,
            "CREATE INDEX events_user_created ON events (user_id, created_at, id)",
            """
            CREATE TABLE notification_preferences (
                user_id \(ddl.bigint) NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                topic \(ddl.keyText) NOT NULL,
                account_number \(ddl.keyText) NOT NULL DEFAULT '',
                enabled \(ddl.boolean) NOT NULL,
                PRIMARY KEY (user_id, topic, account_number)
            )
            """,
            """
            CREATE TABLE unsubscribe_tokens (
                token_hash \(ddl.keyText) PRIMARY KEY,
                user_id \(ddl.bigint) NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                topic \(ddl.keyText) NOT NULL,
                account_number \(ddl.keyText) NOT NULL DEFAULT '',
                created_at \(ddl.timestamp) NOT NULL
            )
            """,
            """
            CREATE TABLE mail_messages (
                id \(ddl.identity),
                dedupe_key \(ddl.keyText) NOT NULL UNIQUE,
                user_id \(ddl.bigint) REFERENCES users(id) ON DELETE SET NULL,
                event_id \(ddl.keyText),
                kind \(ddl.keyText) NOT NULL,
                recipient \(ddl.text) NOT NULL,
                subject \(ddl.text) NOT NULL,
                text_body \(ddl.text) NOT NULL,
                html_body \(ddl.text) NOT NULL,
                unsubscribe_url \(ddl.text),
                state \(ddl.keyText) NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sent', 'failed')),
                attempts \(ddl.bigint) NOT NULL DEFAULT 0,
                last_error \(ddl.text),
                server_reply \(ddl.text),
                created_at \(ddl.timestamp) NOT NULL,
                sent_at \(ddl.timestamp)
            )
            """,
            "CREATE INDEX mail_messages_created ON mail_messages (created_at)",
            """
            CREATE TABLE webhook_endpoints (
                id \(ddl.identity),
                user_id \(ddl.bigint) NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                url \(ddl.text) NOT NULL,
                format \(ddl.keyText) NOT NULL CHECK (format IN ('json', 'slack')),
                events \(ddl.text) NOT NULL,
                key_id \(ddl.text) NOT NULL,
                secret_ciphertext \(ddl.bytes) NOT NULL,
                created_at \(ddl.timestamp) NOT NULL,
                failing_since \(ddl.timestamp)
            )
            """,
            "CREATE INDEX webhook_endpoints_user ON webhook_endpoints (user_id)",
            """
            CREATE TABLE webhook_deliveries (
                id \(ddl.identity),
                endpoint_id \(ddl.bigint) NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
                event_id \(ddl.keyText) NOT NULL,
                event_type \(ddl.keyText) NOT NULL,
                body \(ddl.text) NOT NULL,
                state \(ddl.keyText) NOT NULL DEFAULT 'pending'
                    CHECK (state IN ('pending', 'delivered', 'failed')),
                attempts \(ddl.bigint) NOT NULL DEFAULT 0,
                last_status \(ddl.bigint),
                last_error \(ddl.text),
                created_at \(ddl.timestamp) NOT NULL,
                updated_at \(ddl.timestamp) NOT NULL,
                UNIQUE (endpoint_id, event_id)
            )
            """,
            "CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, created_at)",
            """
            CREATE TABLE webhook_attempts (
                id \(ddl.identity),
                delivery_id \(ddl.bigint) NOT NULL REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
                at \(ddl.timestamp) NOT NULL,
                status \(ddl.bigint),
                error \(ddl.text),
                milliseconds \(ddl.bigint) NOT NULL
            )
            """,
            "CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id)",
            // What the notification check last said of an account: delayed since a day (or fine), and
            // the last day it told was complete.
            """
            CREATE TABLE account_health (
                account_number \(ddl.keyText) PRIMARY KEY,
                delayed_day \(ddl.keyText),
                complete_through \(ddl.keyText),
                updated_at \(ddl.timestamp) NOT NULL
            )
            """,
        ])
    }
}
