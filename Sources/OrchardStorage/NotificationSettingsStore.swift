package import Foundation
package import OrchardCore
import SQLKit

/// Reads and writes what users asked to receive (docs/NOTIFICATIONS.md).
package struct NotificationSettingsStore: Sendable {
    let database: OrchardDatabase

    package init(database: OrchardDatabase) {
        self.database = database
    }

    package func settings(userID: Int64) async throws -> NotificationSettings? {
        try await database.withConnection { connection in
            guard
                let row = try await connection.raw(
                    """
                    SELECT email, email_verified_at, digest_frequency, digest_hour, digest_weekday, time_zone,
                           alert_sensitivity, currency
                    FROM users WHERE id = \(bind: userID)
                    """
                ).first()
            else { return nil }
            var settings = try Self.settings(row)
            settings.switches = try await connection.raw(
                """
                SELECT topic, account_number, enabled FROM notification_preferences
                WHERE user_id = \(bind: userID) ORDER BY topic, account_number
                """
            ).all().compactMap { row in
                guard let topic = NotificationTopic(rawValue: try row.decode(column: "topic", as: String.self)) else {
                    return nil
                }
                let account = try row.decode(column: "account_number", as: String.self)
                return .init(
                    topic: topic, accountNumber: account.isEmpty ? nil : account,
                    enabled: try row.decode(column: "enabled", as: Bool.self))
            }
            return settings
        }
    }

    static func settings(_ row: any SQLRow) throws -> NotificationSettings {
        var settings = NotificationSettings(email: try row.decode(column: "email", as: String.self))
        settings.emailVerifiedAt = try row.decode(column: "email_verified_at", as: Date?.self)
        settings.digestFrequency =
            .init(rawValue: try row.decode(column: "digest_frequency", as: String.self)) ?? .daily
        settings.digestHour = Int(try row.decode(column: "digest_hour", as: Int64.self))
        settings.digestWeekday = Int(try row.decode(column: "digest_weekday", as: Int64.self))
        settings.timeZone = try row.decode(column: "time_zone", as: String.self)
        settings.sensitivity = .init(rawValue: try row.decode(column: "alert_sensitivity", as: String.self)) ?? .normal
        settings.currency = try row.decode(column: "currency", as: String.self)
        return settings
    }

    /// Stores the schedule, the sensitivity and every switch given (the others stay as they were).
    package func update(
        userID: Int64, _ settings: NotificationSettings,
        clearing cleared: [(topic: NotificationTopic, accountNumber: String)] = []
    ) async throws {
        try await database.withTransaction { connection in
            try await connection.raw(
                """
                UPDATE users SET digest_frequency = \(bind: settings.digestFrequency.rawValue),
                    digest_hour = \(bind: settings.digestHour), digest_weekday = \(bind: settings.digestWeekday),
                    time_zone = \(bind: settings.timeZone), alert_sensitivity = \(bind: settings.sensitivity.rawValue)
                WHERE id = \(bind: userID)
                """
            ).run()
            for change in settings.switches {
                try await Self.set(change, userID: userID, on: connection)
            }
            for (topic, account) in cleared {
                try await connection.raw(
                    """
                    DELETE FROM notification_preferences
                    WHERE user_id = \(bind: userID) AND topic = \(bind: topic.rawValue) AND account_number = \(bind: account)
                    """
                ).run()
            }
        }
    }

    /// One switch (the one-click unsubscribe).
    package func set(_ change: NotificationSettings.Switch, userID: Int64) async throws {
        try await database.withWriter { try await Self.set(change, userID: userID, on: $0) }
    }

    static func set(_ change: NotificationSettings.Switch, userID: Int64, on connection: any SQLDatabase) async throws {
        try await connection.raw(
            """
            INSERT INTO notification_preferences (user_id, topic, account_number, enabled)
            VALUES (\(bind: userID), \(bind: change.topic.rawValue), \(bind: change.accountNumber ?? ""),
                \(bind: change.enabled))
            ON CONFLICT (user_id, topic, account_number) DO UPDATE SET enabled = excluded.enabled
            """
        ).run()
    }

    /// The operators' ids and settings (operational events go to each).
    package func operators() async throws -> [(id: Int64, settings: NotificationSettings)] {
        let ids = try await database.withConnection { connection in
            try await connection.raw("SELECT id FROM users WHERE role = 'operator' ORDER BY id").all()
                .map { try $0.decode(column: "id", as: Int64.self) }
        }
        var result: [(Int64, NotificationSettings)] = []
        for id in ids {
            if let settings = try await settings(userID: id) { result.append((id, settings)) }
        }
        return result
    }

    // MARK: Unsubscribe tokens

    /// A token that switches `topic` off for `userID` (per account when given), for the mail's
    /// one-click unsubscribe; only its hash is stored.
    package func unsubscribeToken(userID: Int64, topic: NotificationTopic, accountNumber: String?, now: Date)
        async throws -> String
    {
        let token = SessionStore.newSecret()
        try await database.withWriter { connection in
            try await connection.raw(
                """
                INSERT INTO unsubscribe_tokens (token_hash, user_id, topic, account_number, created_at)
                VALUES (\(bind: SecretBox.fingerprint(token)), \(bind: userID), \(bind: topic.rawValue),
                    \(bind: accountNumber ?? ""), \(bind: now))
                """
            ).run()
        }
        return token
    }

    /// What a token switches off, or `nil` for an unknown token.
    package func unsubscribeTarget(token: String) async throws -> (userID: Int64, change: NotificationSettings.Switch)?
    {
        try await database.withConnection { connection in
            guard
                let row = try await connection.raw(
                    """
                    SELECT user_id, topic, account_number FROM unsubscribe_tokens
                    WHERE token_hash = \(bind: SecretBox.fingerprint(token))
                    """
                ).first(),
                let topic = NotificationTopic(rawValue: try row.decode(column: "topic", as: String.self))
            else { return nil }
            let account = try row.decode(column: "account_number", as: String.self)
            return (
                try row.decode(column: "user_id", as: Int64.self),
                .init(topic: topic, accountNumber: account.isEmpty ? nil : account, enabled: false)
            )
        }
    }

    // MARK: Verified addresses

    /// A verification link's token for `email` (the user's address, or the one they change to).
    package func verificationToken(userID: Int64, email: String, now: Date, lifetime: TimeInterval = 48 * 3_600)
        async throws -> String
    {
        let token = SessionStore.newSecret()
        try await database.withWriter { connection in
            try await connection.raw(
                """
                INSERT INTO email_verifications (token_hash, user_id, email, created_at, expires_at)
                VALUES (\(bind: SecretBox.fingerprint(token)), \(bind: userID), \(bind: email), \(bind: now),
                    \(bind: now.addingTimeInterval(lifetime)))
                """
            ).run()
        }
        return token
    }

    package enum VerificationOutcome: Sendable, Equatable {
        case verified(userID: Int64, email: String)
        case unknownOrExpired
        /// The address is another user's now.
        case taken
    }

    /// Uses a verification token: the address becomes the user's verified address (a changed
    /// address replaces the old one), and every token of that user is spent.
    package func verify(token: String, now: Date) async throws -> VerificationOutcome {
        try await database.withTransaction { connection in
            guard
                let row = try await connection.raw(
                    """
                    SELECT user_id, email FROM email_verifications
                    WHERE token_hash = \(bind: SecretBox.fingerprint(token)) AND expires_at > \(bind: now)
                    """
                ).first()
            else { return .unknownOrExpired }
            let userID = try row.decode(column: "user_id", as: Int64.self)
            let email = try row.decode(column: "email", as: String.self)
            if try await connection.raw(
                "SELECT 1 AS one FROM users WHERE email = \(bind: email) AND id <> \(bind: userID)"
            ).first() != nil {
                return .taken
            }
            try await connection.raw(
                "UPDATE users SET email = \(bind: email), email_verified_at = \(bind: now) WHERE id = \(bind: userID)"
            ).run()
            try await connection.raw("DELETE FROM email_verifications WHERE user_id = \(bind: userID)").run()
            return .verified(userID: userID, email: email)
        }
    }

    /// The address a user asked to change to and has not verified yet.
    package func pendingAddress(userID: Int64, now: Date) async throws -> String? {
        try await database.withConnection { connection in
            try await connection.raw(
                """
                SELECT e.email FROM email_verifications e JOIN users u ON u.id = e.user_id
                WHERE e.user_id = \(bind: userID) AND e.expires_at > \(bind: now) AND e.email <> u.email
                ORDER BY e.created_at DESC LIMIT 1
                """
            ).first()?.decode(column: "email", as: String.self)
        }
    }
}
