import SQLKit

/// Dashboard users, their browser sessions and their API tokens.
///
/// Sessions and tokens are stored as SHA-256 hashes of the secret the user holds, so a copy
/// of the database cannot be used to sign in.
struct CreateUsersAndSessions: Migration {
    let version = 1
    let name = "create users, sessions and api tokens"

    func prepare(on database: any SQLDatabase, ddl: DDL) async throws {
        try await database.execute([
            """
            CREATE TABLE users (
                id \(ddl.identity),
                email \(ddl.text) NOT NULL UNIQUE,
                password_hash \(ddl.text) NOT NULL,
                role \(ddl.text) NOT NULL DEFAULT 'member' CHECK (role IN ('member', 'operator')),
                created_at \(ddl.timestamp) NOT NULL
            )
            """,
            """
            CREATE TABLE sessions (
                id_hash \(ddl.text) PRIMARY KEY,
                user_id \(ddl.bigint) NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                created_at \(ddl.timestamp) NOT NULL,
                last_seen_at \(ddl.timestamp) NOT NULL,
                expires_at \(ddl.timestamp) NOT NULL
            )
            """,
            "CREATE INDEX sessions_user_id ON sessions(user_id)",
            "CREATE INDEX sessions_expires_at ON sessions(expires_at)",
            """
            CREATE TABLE api_tokens (
                id \(ddl.identity),
                user_id \(ddl.bigint) NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                name \(ddl.text) NOT NULL,
                token_hash \(ddl.text) NOT NULL UNIQUE,
                token_prefix \(ddl.text) NOT NULL,
                created_at \(ddl.timestamp) NOT NULL,
                last_used_at \(ddl.timestamp),
                expires_at \(ddl.timestamp)
            )
            """,
            "CREATE INDEX api_tokens_user_id ON api_tokens(user_id)",
        ])
    }
}
