package import Foundation
import SQLKit

/// The setup codes and invitation links that admit people (docs/SETTINGS.md, `ORCHARD_SIGNUP`);
/// ``UserStore/create(email:passwordHash:now:admission:)`` uses them up. Only SHA-256 hashes of
/// the codes and tokens are kept.
package struct AdmissionStore: Sendable {
    let database: OrchardDatabase

    package init(database: OrchardDatabase) {
        self.database = database
    }

    /// A fresh setup code while nobody has signed up, nil once somebody has. Each call issues its
    /// own (every host that starts prints one); all of them stop working when the first user signs up.
    package func issueSetupCode(now: Date) async throws -> String? {
        let code = SetupCode.generate()
        return try await database.withTransaction { connection in
            guard try await connection.raw("SELECT 1 AS one FROM users LIMIT 1").first() == nil else {
                try await connection.raw("DELETE FROM setup_codes").run()
                return nil
            }
            try await connection.raw(
                "INSERT INTO setup_codes (code_hash, issued_at) VALUES (\(bind: SetupCode.hash(code)), \(bind: now))"
            ).run()
            return code
        }
    }

    /// An open invitation: what the operator's page lists.
    package struct Invitation: Sendable, Equatable {
        package let id: Int64
        package let email: String
        package let invitedBy: String?
        package let createdAt: Date
        package let expiresAt: Date
    }

    /// A new invitation for `email`, valid for `lifetime`; its token is returned once.
    package func invite(email: String, by userID: Int64, lifetime: TimeInterval, now: Date) async throws
        -> (Invitation, String)
    {
        let token = SessionStore.newSecret()
        let expires = now.addingTimeInterval(lifetime)
        return try await database.withTransaction { connection in
            let id = try await connection.raw(
                """
                INSERT INTO user_invitations (token_hash, email, invited_by, created_at, expires_at)
                VALUES (\(bind: SecretBox.fingerprint(token)), \(bind: email), \(bind: userID), \(bind: now),
                    \(bind: expires))
                RETURNING id
                """
            ).first()!.decode(column: "id", as: Int64.self)
            let inviter = try await connection.raw("SELECT email FROM users WHERE id = \(bind: userID)").first()?
                .decode(column: "email", as: String.self)
            try await AuditLog.insert(
                AuditEvent(at: now, userID: userID, accountNumber: nil, action: "user_invited", detail: email),
                on: connection)
            return (Invitation(id: id, email: email, invitedBy: inviter, createdAt: now, expiresAt: expires), token)
        }
    }

    /// The invitations nobody has used yet and that have not expired, newest first.
    package func open(now: Date) async throws -> [Invitation] {
        try await database.withConnection { connection in
            try await connection.raw(
                """
                SELECT i.id, i.email, u.email AS invited_by, i.created_at, i.expires_at
                FROM user_invitations i LEFT JOIN users u ON u.id = i.invited_by
                WHERE i.accepted_at IS NULL AND i.expires_at > \(bind: now)
                ORDER BY i.created_at DESC, i.id DESC
                """
            ).all().map {
                Invitation(
                    id: try $0.decode(column: "id", as: Int64.self),
                    email: try $0.decode(column: "email", as: String.self),
                    invitedBy: try $0.decode(column: "invited_by", as: String?.self),
                    createdAt: try $0.decode(column: "created_at", as: Date.self),
                    expiresAt: try $0.decode(column: "expires_at", as: Date.self))
            }
        }
    }

    /// The address an open invitation is for (the sign-up page fills it in), nil when the token
    /// is not an open invitation.
    package func email(invitation token: String, now: Date) async throws -> String? {
        try await database.withConnection { connection in
            try await connection.raw(
                """
                SELECT email FROM user_invitations
                WHERE token_hash = \(bind: SecretBox.fingerprint(token)) AND accepted_at IS NULL
                    AND expires_at > \(bind: now)
                """
            ).first()?.decode(column: "email", as: String.self)
        }
    }

    /// Withdraws an open invitation; false when there is none with this id.
    package func revoke(id: Int64, by userID: Int64, now: Date) async throws -> Bool {
        try await database.withTransaction { connection in
            guard
                let email = try await connection.raw(
                    "DELETE FROM user_invitations WHERE id = \(bind: id) AND accepted_at IS NULL RETURNING email"
                ).first()?.decode(column: "email", as: String.self)
            else { return false }
            try await AuditLog.insert(
                AuditEvent(at: now, userID: userID, accountNumber: nil, action: "invitation_revoked", detail: email),
                on: connection)
            return true
        }
    }
}

/// The one-time code the first operator signs up with: 16 characters from an alphabet without
/// look-alikes (80 bits), shown in groups of four; typed with or without dashes, in any case.
package enum SetupCode {
    static let alphabet = Array("ABCDEFGHJKLMNPQRSTUVWXYZ23456789")

    static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        let characters = (0..<16).map { _ in alphabet[Int(generator.next(upperBound: UInt32(alphabet.count)))] }
        return stride(from: 0, to: 16, by: 4).map { String(characters[$0..<$0 + 4]) }.joined(separator: "-")
    }

    /// The hash kept of a code as typed: spaces and dashes dropped, upper-cased.
    package static func hash(_ typed: String) -> String {
        SecretBox.fingerprint(String(typed.uppercased().filter { $0.isLetter || $0.isNumber }))
    }
}
