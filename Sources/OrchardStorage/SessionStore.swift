package import Foundation
package import OrchardCore
import PostgresKit
import SQLKit

/// Browser sessions and API bearer tokens. The database keeps only SHA-256 hashes of the values
/// the user holds, so a copy of it signs nobody in.
package struct SessionStore: Sendable {
    let database: OrchardDatabase

    package init(database: OrchardDatabase) {
        self.database = database
    }

    /// A new random secret of 32 bytes, base64url without padding (cookie- and header-safe).
    package static func newSecret(prefix: String = "") -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return prefix
            + Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    // MARK: Sessions

    /// Starts a session for `userID`, valid for `lifetime`; returns the value for the cookie.
    package func start(userID: Int64, now: Date, lifetime: TimeInterval) async throws -> String {
        let secret = Self.newSecret()
        try await database.withWriter { connection in
            try await connection.raw(
                """
                INSERT INTO sessions (id_hash, user_id, created_at, last_seen_at, expires_at)
                VALUES (\(bind: SecretBox.fingerprint(secret)), \(bind: userID), \(bind: now), \(bind: now),
                        \(bind: now.addingTimeInterval(lifetime)))
                """
            ).run()
        }
        return secret
    }

    /// The user of a live session.
    package func user(session secret: String, now: Date) async throws -> User? {
        try await viewer(session: secret, now: now)?.user
    }

    /// A signed-in user and the accounts they may read, from one query.
    package struct Viewer: Sendable {
        package var user: User
        /// ``MetricsStore/visibleAccounts(userID:)`` as of this request, by account number.
        package var readable: [MetricsStore.VisibleAccount]
    }

    /// The session's user and their readable accounts, in one round trip.
    package func viewer(session secret: String, now: Date) async throws -> Viewer? {
        try Self.viewer(try await database.rows(SessionViewer(hash: SecretBox.fingerprint(secret), now: now)))
    }

    /// The session's user and readable accounts (read on every page, so prepared).
    private struct SessionViewer: PreparedQuery {
        static let name = "orchard_session_viewer"
        static let sql = """
            SELECT users.id, users.email, users.role, users.created_at, users.currency, v.account_id, v.number,
                v.name, v.status, v.status_reason, v.revoked_at, v.metrics_version
            FROM sessions JOIN users ON users.id = sessions.user_id
            LEFT JOIN \(MetricsStore.readableSQL)
            ON v.user_id = users.id
            WHERE sessions.id_hash = $1 AND sessions.expires_at > $2
            ORDER BY v.number
            """
        let hash: String
        let now: Date
        var binds: [any PostgresThrowingDynamicTypeEncodable & Encodable & Sendable] { [hash, now] }
    }

    /// The token's user and readable accounts (read on every API request, so prepared).
    private struct TokenViewer: PreparedQuery {
        static let name = "orchard_token_viewer"
        static let sql = """
            SELECT users.id, users.email, users.role, users.created_at, users.currency, api_tokens.last_used_at,
                v.account_id, v.number, v.name, v.status, v.status_reason, v.revoked_at, v.metrics_version
            FROM api_tokens JOIN users ON users.id = api_tokens.user_id
            LEFT JOIN \(MetricsStore.readableSQL)
            ON v.user_id = users.id
            WHERE api_tokens.token_hash = $1 AND (api_tokens.expires_at IS NULL OR api_tokens.expires_at > $2)
            ORDER BY v.number
            """
        let hash: String
        let now: Date
        var binds: [any PostgresThrowingDynamicTypeEncodable & Encodable & Sendable] { [hash, now] }
    }

    private static func viewer(_ rows: [any SQLRow]) throws -> Viewer? {
        guard let first = rows.first else { return nil }
        return Viewer(user: try UserStore.user(first), readable: try rows.compactMap(MetricsStore.visibleAccount))
    }

    /// Ends a session (sign-out).
    package func end(session secret: String) async throws {
        try await database.withWriter { connection in
            try await connection.raw("DELETE FROM sessions WHERE id_hash = \(bind: SecretBox.fingerprint(secret))")
                .run()
        }
    }

    /// Removes expired sessions and expired login tokens; returns how many of each.
    @discardableResult
    package func removeExpired(now: Date) async throws -> (sessions: Int, tokens: Int) {
        try await database.withWriter { connection in
            let sessions = try await connection.raw(
                "DELETE FROM sessions WHERE expires_at <= \(bind: now) RETURNING id_hash"
            ).all().count
            let tokens = try await connection.raw(
                "DELETE FROM api_tokens WHERE expires_at IS NOT NULL AND expires_at <= \(bind: now) RETURNING id"
            ).all().count
            // Invitation links nobody used go with them.
            try await connection.raw(
                "DELETE FROM user_invitations WHERE accepted_at IS NULL AND expires_at <= \(bind: now)"
            ).run()
            return (sessions, tokens)
        }
    }

    // MARK: API tokens

    /// An API token as its owner sees it in the list: never the value, only its first characters.
    package struct APIToken: Sendable, Equatable {
        package let id: Int64
        package let name: String
        package let prefix: String
        package let createdAt: Date
        package let lastUsedAt: Date?
    }

    /// A new bearer token named `name`; the value is returned once and never stored.
    ///
    /// With `sliding`, a login token: it expires `sliding` after its last use (each use moves the
    /// date on), and a password change ends it. Without, a named token that lasts until revoked.
    package func issueToken(userID: Int64, name: String, sliding: TimeInterval? = nil, now: Date) async throws
        -> (APIToken, String)
    {
        let secret = Self.newSecret(prefix: "orch_")
        let prefix = String(secret.prefix(9))
        let expires = sliding.map { now.addingTimeInterval($0) }
        let id = try await database.withWriter { connection in
            try await connection.raw(
                """
                INSERT INTO api_tokens (user_id, name, token_hash, token_prefix, created_at, expires_at)
                VALUES (\(bind: userID), \(bind: name), \(bind: SecretBox.fingerprint(secret)), \(bind: prefix), \(bind: now),
                    \(bind: expires))
                RETURNING id
                """
            ).first()?.decode(column: "id", as: Int64.self)
        }
        guard let id else { throw StorageError.cannotConnect(database: database.displayName, reason: "no id returned") }
        return (APIToken(id: id, name: name, prefix: prefix, createdAt: now, lastUsedAt: nil), secret)
    }

    /// The user of a bearer token, noting when it was last used (at most once a minute); a login
    /// token's expiry moves to `sliding` after now at the same time.
    package func user(apiToken secret: String, sliding: TimeInterval, now: Date) async throws -> User? {
        try await viewer(apiToken: secret, sliding: sliding, now: now)?.user
    }

    /// The token's user and their readable accounts, in one round trip (and a write at most once a
    /// minute, for the token's last use and sliding expiry).
    package func viewer(apiToken secret: String, sliding: TimeInterval, now: Date) async throws -> Viewer? {
        let hash = SecretBox.fingerprint(secret)
        let rows = try await database.rows(TokenViewer(hash: hash, now: now))
        guard let row = rows.first else { return nil }
        let lastUsed = try row.decode(column: "last_used_at", as: Date?.self)
        if lastUsed.map({ now.timeIntervalSince($0) >= 60 }) ?? true {
            try await database.withWriter { connection in
                try await connection.raw(
                    """
                    UPDATE api_tokens SET last_used_at = \(bind: now),
                        expires_at = CASE WHEN expires_at IS NULL THEN NULL ELSE \(bind: now.addingTimeInterval(sliding)) END
                    WHERE token_hash = \(bind: hash)
                    """
                ).run()
            }
        }
        return try Self.viewer(rows)
    }

    package func tokens(userID: Int64) async throws -> [APIToken] {
        try await database.withConnection { connection in
            try await connection.raw(
                """
                SELECT id, name, token_prefix, created_at, last_used_at FROM api_tokens
                WHERE user_id = \(bind: userID) ORDER BY id
                """
            ).all()
        }.map { row in
            APIToken(
                id: try row.decode(column: "id", as: Int64.self), name: try row.decode(column: "name", as: String.self),
                prefix: try row.decode(column: "token_prefix", as: String.self),
                createdAt: try row.decode(column: "created_at", as: Date.self),
                lastUsedAt: try row.decode(column: "last_used_at", as: Date?.self))
        }
    }

    /// Ends the bearer token `secret` (the caller's own); false when it is unknown.
    package func endToken(_ secret: String) async throws -> Bool {
        try await database.withWriter { connection in
            try await connection.raw(
                "DELETE FROM api_tokens WHERE token_hash = \(bind: SecretBox.fingerprint(secret)) RETURNING id"
            ).first() != nil
        }
    }

    /// Revokes the user's token `id`; false when the user has no such token.
    package func revokeToken(id: Int64, userID: Int64) async throws -> Bool {
        try await database.withWriter { connection in
            try await connection.raw(
                "DELETE FROM api_tokens WHERE id = \(bind: id) AND user_id = \(bind: userID) RETURNING id"
            ).first() != nil
        }
    }
}
