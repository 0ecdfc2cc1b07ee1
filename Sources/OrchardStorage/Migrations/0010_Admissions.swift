import SQLKit

/// Who may become a user (docs/SETTINGS.md, `ORCHARD_SIGNUP`): the one-time setup codes that
/// `orchard serve` prints while the instance has no user, and the invitation links an operator
/// makes when sign-up is closed. Both are kept as SHA-256 hashes of what the person holds.
struct Admissions: Migration {
    let version = 10
    let name = "admissions: setup codes and user invitations"

    func prepare(on database: any SQLDatabase, ddl: DDL) async throws {
        try await database.execute([
            """
            CREATE TABLE setup_codes (
                code_hash \(ddl.text) PRIMARY KEY,
                issued_at \(ddl.timestamp) NOT NULL
            )
            """,
            """
            CREATE TABLE user_invitations (
                id \(ddl.identity),
                token_hash \(ddl.text) NOT NULL UNIQUE,
                email \(ddl.text) NOT NULL,
                invited_by \(ddl.bigint) REFERENCES users(id) ON DELETE SET NULL,
                created_at \(ddl.timestamp) NOT NULL,
                expires_at \(ddl.timestamp) NOT NULL,
                accepted_at \(ddl.timestamp),
                user_id \(ddl.bigint) REFERENCES users(id) ON DELETE SET NULL
            )
            """,
        ])
    }
}
