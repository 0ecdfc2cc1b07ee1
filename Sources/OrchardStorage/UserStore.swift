package import Foundation
package import OrchardCore
import SQLKit

/// Dashboard users. Addresses arrive normalised (``Credentials/email(_:)``); the first user,
/// admitted with a setup code, is the operator.
package struct UserStore: Sendable {
    let database: OrchardDatabase

    package init(database: OrchardDatabase) {
        self.database = database
    }

    package enum Failure: Error, Equatable, Sendable {
        case emailTaken
        case unknownUser(String)
        /// The first user needs a setup code, and this one was not given or not issued.
        case setupCodeRequired
        /// Sign-up is closed and there was no invitation.
        case invitationRequired
        /// The invitation is for another address, used, expired or revoked.
        case invitationUnusable
    }

    /// What lets a person become a user (docs/SETTINGS.md, `ORCHARD_SIGNUP`), as SHA-256 hashes
    /// of what they hold.
    package struct Admission: Sendable {
        /// The hash of the setup code they typed: needed by the first user, who becomes the operator.
        package var setupCodeHash: String?
        /// The hash of the invitation link's token they came with.
        package var invitationHash: String?
        /// Whether anyone may sign up without an invitation once there is an operator.
        package var open: Bool

        package init(setupCodeHash: String? = nil, invitationHash: String? = nil, open: Bool) {
            self.setupCodeHash = setupCodeHash
            self.invitationHash = invitationHash
            self.open = open
        }
    }

    /// A new user with a bcrypt `passwordHash`, admitted by `admission`, in one transaction:
    ///
    /// - While there is no user, only with a setup code `orchard serve` issued: every code is then
    ///   deleted and the user is the operator (two people with codes at once: one wins, the other's
    ///   code is gone).
    /// - Then, with an open invitation for this address (it is used up), or without one when
    ///   sign-up is open.
    package func create(email: String, passwordHash: String, now: Date, admission: Admission) async throws -> User {
        let row = try await database.withTransaction { connection in
            let anyone = try await connection.raw("SELECT 1 AS one FROM users LIMIT 1").first() != nil
            let role: UserRole
            if anyone {
                role = .member
                var invited = false
                if let hash = admission.invitationHash {
                    invited =
                        try await connection.raw(
                            """
                            UPDATE user_invitations SET accepted_at = \(bind: now)
                            WHERE token_hash = \(bind: hash) AND email = \(bind: email) AND accepted_at IS NULL
                                AND expires_at > \(bind: now)
                            RETURNING id
                            """
                        ).first() != nil
                }
                if !invited, !admission.open {
                    throw admission.invitationHash == nil ? Failure.invitationRequired : Failure.invitationUnusable
                }
                try await connection.raw("DELETE FROM setup_codes").run()
            } else {
                // Every code goes, and the one typed must have been among them; a refusal rolls back.
                let codes = try await connection.raw("DELETE FROM setup_codes RETURNING code_hash").all()
                    .map { try $0.decode(column: "code_hash", as: String.self) }
                guard let typed = admission.setupCodeHash, codes.contains(typed) else {
                    throw Failure.setupCodeRequired
                }
                role = .operator
            }
            guard
                let row = try await connection.raw(
                    """
                    INSERT INTO users (email, password_hash, role, created_at)
                    VALUES (\(bind: email), \(bind: passwordHash), \(bind: role.rawValue), \(bind: now))
                    ON CONFLICT (email) DO NOTHING
                    RETURNING id, email, role, created_at, currency
                    """
                ).first()
            else { throw Failure.emailTaken }
            if let hash = admission.invitationHash {
                try await connection.raw(
                    """
                    UPDATE user_invitations SET user_id = \(bind: try row.decode(column: "id", as: Int64.self))
                    WHERE token_hash = \(bind: hash) AND accepted_at = \(bind: now) AND user_id IS NULL
                    """
                ).run()
            }
            return row
        }
        return try Self.user(row)
    }

    /// Whether nobody has signed up yet (the first one needs a setup code).
    package func isEmpty() async throws -> Bool {
        try await database.withConnection { connection in
            try await connection.raw("SELECT 1 AS one FROM users LIMIT 1").first() == nil
        }
    }

    /// Makes a user directly, outside sign-up (the demo's own operator, tests).
    package func insert(email: String, passwordHash: String, role: UserRole, now: Date) async throws -> User {
        let row = try await database.withTransaction { connection in
            try await connection.raw(
                """
                INSERT INTO users (email, password_hash, role, created_at)
                VALUES (\(bind: email), \(bind: passwordHash), \(bind: role.rawValue), \(bind: now))
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
