package import Foundation
import SQLKit

/// The service Apple ID's Reporter access token, as the operator set it with `orchard service
/// set-token`: encrypted in `service_secrets`, with when it was set and when it expires in
/// `instance_settings`. Reporter cannot tell a token's expiry, so it is the date the operator gives,
/// else 180 days after it was set (docs/STATUSES.md, "The service Apple ID's token").
package struct ServiceTokenStore: Sendable {
    package struct Token: Sendable, Equatable {
        package var value: String
        package var setAt: Date
        package var expiresAt: Date

        /// Whole days left before it expires (negative once it has).
        package func daysLeft(now: Date) -> Int {
            Int((expiresAt.timeIntervalSince(now) / 86_400).rounded(.down))
        }
    }

    /// How long Apple's Reporter tokens live.
    package static let lifetime: TimeInterval = 180 * 86_400
    static let secretName = "service_access_token"

    let database: OrchardDatabase
    let secrets: ServiceSecretStore

    package init(database: OrchardDatabase, keys: KeyRing) {
        self.database = database
        self.secrets = ServiceSecretStore(database: database, keys: keys)
    }

    /// Stores a new token; `expires` is the date App Store Connect shows, when the operator gave it.
    @discardableResult
    package func set(_ token: String, expires: Date?, now: Date) async throws -> Token {
        let stored = Token(value: token, setAt: now, expiresAt: expires ?? now.addingTimeInterval(Self.lifetime))
        try await secrets.set(Self.secretName, secret: token, now: now)
        try await database.withTransaction { connection in
            for (name, date) in [
                ("service_token_set_at", stored.setAt), ("service_token_expires_at", stored.expiresAt),
            ] {
                try await connection.raw(
                    """
                    INSERT INTO instance_settings (name, value) VALUES (\(bind: name), \(bind: Self.text(date)))
                    ON CONFLICT (name) DO UPDATE SET value = excluded.value
                    """
                ).run()
            }
            // Setting a token, even the one Apple refused, asks Apple again: the next request tests it.
            try await connection.raw("DELETE FROM instance_settings WHERE name = 'service_token_problem'").run()
        }
        return stored
    }

    /// The stored token, or `nil` when the operator has not set one.
    package func current() async throws -> Token? {
        guard let value = try await secrets.get(Self.secretName) else { return nil }
        let dates = try await database.withConnection { connection in
            try await connection.raw(
                """
                SELECT name, value FROM instance_settings
                WHERE name IN ('service_token_set_at', 'service_token_expires_at')
                """
            ).all().reduce(into: [String: String]()) {
                $0[try $1.decode(column: "name", as: String.self)] = try $1.decode(column: "value", as: String.self)
            }
        }
        guard let setAt = dates["service_token_set_at"].flatMap(Self.date),
            let expiresAt = dates["service_token_expires_at"].flatMap(Self.date)
        else {
            throw StoredValueError(column: "instance_settings.service_token_*", value: dates.description)
        }
        return Token(value: value, setAt: setAt, expiresAt: expiresAt)
    }

    private static func text(_ date: Date) -> String { String(Int64(date.timeIntervalSince1970)) }
    private static func date(_ text: String) -> Date? {
        Int64(text).map { Date(timeIntervalSince1970: TimeInterval($0)) }
    }
}
