package import Foundation
import SQLKit

/// A customer's access token while the funnel runs: kept encrypted for its lifetime, then erased,
/// leaving its fingerprint, masked form and the accounts it proved (docs/STATUSES.md, "The customer's token").
package struct FunnelTokenRecord: Sendable, Equatable {
    package var id: Int64
    package var userID: Int64
    package var masked: String
    package var fingerprint: String
    package var provenAccounts: [String]
    package var createdAt: Date
    package var usableUntil: Date
    package var erasedAt: Date?
}

package struct FunnelTokenStore: Sendable {
    let database: OrchardDatabase
    let keys: KeyRing

    package init(database: OrchardDatabase, keys: KeyRing) {
        self.database = database
        self.keys = keys
    }

    /// Keeps a validated token, encrypted and bound to its row, until `now + lifetime`.
    package func save(
        userID: Int64, token: String, masked: String, provenAccounts: [String], now: Date, lifetime: TimeInterval
    ) async throws -> FunnelTokenRecord {
        let fingerprint = SecretBox.fingerprint(token)
        let accounts = provenAccounts.joined(separator: ",")
        let until = now.addingTimeInterval(lifetime)
        let (keys, displayName) = (keys, database.displayName)
        // The ciphertext is bound to the row's id, known only once the row exists: insert, then seal.
        let id = try await database.withTransaction { connection in
            let id = try await connection.raw(
                """
                INSERT INTO funnel_tokens (user_id, fingerprint, masked, proven_accounts, created_at, usable_until)
                VALUES (\(bind: userID), \(bind: fingerprint), \(bind: masked), \(bind: accounts), \(bind: now),
                        \(bind: until))
                RETURNING id
                """
            ).first()?.decode(column: "id", as: Int64.self)
            guard let id else { throw StorageError.cannotConnect(database: displayName, reason: "no id returned") }
            let sealed = try keys.seal(token, context: .funnelToken(id: id))
            try await connection.raw(
                """
                UPDATE funnel_tokens SET key_id = \(bind: sealed.keyID), ciphertext = \(bind: sealed.combined)
                WHERE id = \(bind: id)
                """
            ).run()
            try await AuditLog.insert(
                AuditEvent(
                    at: now, userID: userID, accountNumber: nil, action: "funnel_token_validated",
                    detail: "token \(masked) proved accounts \(accounts)"), on: connection)
            return id
        }
        return FunnelTokenRecord(
            id: id, userID: userID, masked: masked, fingerprint: fingerprint, provenAccounts: provenAccounts,
            createdAt: now, usableUntil: until, erasedAt: nil)
    }

    /// The user's tokens still inside their lifetime.
    package func usable(userID: Int64, now: Date) async throws -> [FunnelTokenRecord] {
        try await records(
            "WHERE user_id = \(bind: userID) AND erased_at IS NULL AND usable_until > \(bind: now) ORDER BY id")
    }

    /// Every record of the user, erased ones included (for the audit trail).
    package func all(userID: Int64) async throws -> [FunnelTokenRecord] {
        try await records("WHERE user_id = \(bind: userID) ORDER BY id")
    }

    /// The token in clear, only for its owner and only inside its lifetime.
    package func reveal(id: Int64, userID: Int64, now: Date) async throws -> String? {
        let row = try await database.withConnection { connection in
            try await connection.raw(
                """
                SELECT key_id, ciphertext FROM funnel_tokens
                WHERE id = \(bind: id) AND user_id = \(bind: userID) AND erased_at IS NULL AND usable_until > \(bind: now)
                """
            ).first()
        }
        guard let row, let keyID = try row.decode(column: "key_id", as: String?.self) else { return nil }
        let combined = try row.decode(column: "ciphertext", as: Data.self)
        return try keys.open(.init(keyID: keyID, combined: combined), context: .funnelToken(id: id))
    }

    /// Erases one token now (the user left the funnel or removed it).
    package func erase(id: Int64, userID: Int64, now: Date) async throws {
        _ = try await eraseWhere("id = \(bind: id) AND user_id = \(bind: userID)", now: now)
    }

    /// Erases every token past its lifetime; returns how many.
    @discardableResult
    package func eraseExpired(now: Date) async throws -> Int {
        try await eraseWhere("usable_until <= \(bind: now)", now: now)
    }

    /// Clears the ciphertext of matching tokens, and then its old copies on disk.
    ///
    /// SQLite: `secure_delete` (set on every connection) zeroes the old bytes in the page, but the WAL
    /// still holds earlier versions of the page, and the database file too until a checkpoint: so the
    /// WAL is checkpointed into the file and truncated (`wal_checkpoint(TRUNCATE)`; if a reader holds an
    /// older snapshot past the busy timeout, the next checkpoint finishes the job).
    /// PostgreSQL: an UPDATE leaves the old row version as a dead tuple until VACUUM prunes it, and
    /// overwriting it first would only add another dead version: so the table is vacuumed. The bytes may
    /// linger in free space and WAL segments until PostgreSQL reuses them; they open only with the master
    /// key, and after `orchard rotate-key` no key that can open them remains.
    private func eraseWhere(_ condition: SQLQueryString, now: Date) async throws -> Int {
        let count = try await database.withTransaction { connection in
            let erased = try await connection.raw(
                "SELECT id, user_id, masked, proven_accounts FROM funnel_tokens WHERE erased_at IS NULL AND "
                    + condition
            ).all()
            guard !erased.isEmpty else { return 0 }
            try await connection.raw(
                """
                UPDATE funnel_tokens SET ciphertext = NULL, key_id = NULL, erased_at = \(bind: now)
                WHERE erased_at IS NULL AND
                """ + " " + condition
            ).run()
            for row in erased {
                try await AuditLog.insert(
                    AuditEvent(
                        at: now, userID: try row.decode(column: "user_id", as: Int64.self), accountNumber: nil,
                        action: "funnel_token_erased",
                        detail:
                            "token \(try row.decode(column: "masked", as: String.self)) erased; it proved accounts \(try row.decode(column: "proven_accounts", as: String.self))"
                    ), on: connection)
            }
            return erased.count
        }
        if count > 0 {
            let statement: SQLQueryString =
                database.backend == .sqlite ? "PRAGMA wal_checkpoint(TRUNCATE)" : "VACUUM funnel_tokens"
            try await database.withWriter { try await $0.raw(statement).run() }
        }
        return count
    }

    private func records(_ condition: SQLQueryString) async throws -> [FunnelTokenRecord] {
        try await database.withConnection { connection in
            try await connection.raw(
                """
                SELECT id, user_id, masked, fingerprint, proven_accounts, created_at, usable_until, erased_at
                FROM funnel_tokens
                """ + " " + condition
            ).all().map { row in
                FunnelTokenRecord(
                    id: try row.decode(column: "id", as: Int64.self),
                    userID: try row.decode(column: "user_id", as: Int64.self),
                    masked: try row.decode(column: "masked", as: String.self),
                    fingerprint: try row.decode(column: "fingerprint", as: String.self),
                    provenAccounts: try row.decode(column: "proven_accounts", as: String.self)
                        .split(separator: ",").map(String.init),
                    createdAt: try row.decode(column: "created_at", as: Date.self),
                    usableUntil: try row.decode(column: "usable_until", as: Date.self),
                    erasedAt: try row.decode(column: "erased_at", as: Date?.self))
            }
        }
    }
}
