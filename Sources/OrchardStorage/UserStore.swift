package import Foundation
package import OrchardCore
import SQLKit

/// Dashboard users. Addresses arrive normalised (``Credentials/email(_:)``); the first user to
/// sign up is the operator.
package struct UserStore: Sendable {
    let database: OrchardDatabase

    package init(database: OrchardDatabase) {
        self.database = database
    }

    package enum Failure: Error, Equatable, Sendable {
        case emailTaken
        case unknownUser(String)
    }

    /// A new user with a bcrypt `passwordHash`; `emailTaken` when the address is in use.
    package func create(email: String, passwordHash: String, now: Date) async throws -> User {
        let row = try await database.withTransaction { connection in
            try await connection.raw(
                """
                INSERT INTO users (email, password_hash, role, created_at)
                SELECT \(bind: email), \(bind: passwordHash),
                    CASE WHEN EXISTS (SELECT 1 FROM users) THEN 'member' ELSE 'operator' END, \(bind: now)
                WHERE true
                ON CONFLICT (email) DO NOTHING
                RETURNING id, email, role, created_at, currency
                """
            ).first()
        }
        guard let row else { throw Failure.emailTaken }
        return try Self.user(row)
    }

    /// The user with `email` and their password hash.
    package func credentials(email: String) async throws -> (user: User, passwordHash: String)? {
        let row = try await database.withConnection { connection in
            try await connection.raw(
                "SELECT id, email, role, created_at, currency, password_hash FROM users WHERE email = \(bind: email)"
            ).first()
        }
        guard let row else { return nil }
        return (try Self.user(row), try row.decode(column: "password_hash", as: String.self))
    }

    package func user(id: Int64) async throws -> User? {
        let row = try await database.withConnection { connection in
            try await connection.raw("SELECT id, email, role, created_at, currency FROM users WHERE id = \(bind: id)")
                .first()
        }
        return try row.map(Self.user)
    }

    package func passwordHash(userID: Int64) async throws -> String? {
        try await database.withConnection { connection in
            try await connection.raw("SELECT password_hash FROM users WHERE id = \(bind: userID)").first()?
                .decode(column: "password_hash", as: String.self)
        }
    }

    /// Replaces the password and ends every session of the user but `keeping` (the one that
    /// changed it), so a stolen session stops working.
    package func setPassword(userID: Int64, hash: String, keepingSession keeping: String?, now: Date) async throws {
        try await database.withTransaction { connection in
            try await connection.raw("UPDATE users SET password_hash = \(bind: hash) WHERE id = \(bind: userID)").run()
            try await connection.raw(
                "DELETE FROM sessions WHERE user_id = \(bind: userID) AND id_hash <> \(bind: keeping ?? "")"
            ).run()
            // Login tokens die with the password; the named tokens the user made stay.
            try await connection.raw(
                "DELETE FROM api_tokens WHERE user_id = \(bind: userID) AND expires_at IS NOT NULL"
            ).run()
            try await AuditLog.insert(
                AuditEvent(at: now, userID: userID, accountNumber: nil, action: "password_changed", detail: ""),
                on: connection)
        }
    }

    /// Sets the currency the user's figures are shown in.
    package func setCurrency(userID: Int64, _ currency: String) async throws {
        try await database.withWriter { connection in
            try await connection.raw("UPDATE users SET currency = \(bind: currency) WHERE id = \(bind: userID)").run()
        }
    }

    /// Makes the user with `email` an operator (`orchard user promote EMAIL`).
    package func promote(email: String, now: Date) async throws -> User {
        let row = try await database.withTransaction { connection in
            let row = try await connection.raw(
                "UPDATE users SET role = 'operator' WHERE email = \(bind: email) RETURNING id, email, role, created_at, currency"
            ).first()
            if let id = try row?.decode(column: "id", as: Int64.self) {
                try await AuditLog.insert(
                    AuditEvent(at: now, userID: id, accountNumber: nil, action: "user_promoted", detail: "operator"),
                    on: connection)
            }
            return row
        }
        guard let row else { throw Failure.unknownUser(email) }
        return try Self.user(row)
    }

    static func user(_ row: any SQLRow) throws -> User {
        let role = try row.decode(column: "role", as: String.self)
        return User(
            id: try row.decode(column: "id", as: Int64.self), email: try row.decode(column: "email", as: String.self),
            role: UserRole(rawValue: role) ?? .member, createdAt: try row.decode(column: "created_at", as: Date.self),
            currency: try row.decode(column: "currency", as: String?.self) ?? "USD")
    }
}
