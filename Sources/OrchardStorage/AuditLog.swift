package import Foundation
package import SQLKit

/// Who did what to which integration or account, and when; kept after the thing itself is gone.
package struct AuditEvent: Sendable, Equatable {
    package var at: Date
    package var userID: Int64?
    package var accountNumber: String?
    package var action: String
    package var detail: String

    package init(at: Date, userID: Int64?, accountNumber: String?, action: String, detail: String) {
        self.at = at
        self.userID = userID
        self.accountNumber = accountNumber
        self.action = action
        self.detail = detail
    }
}

package struct AuditLog: Sendable {
    let database: OrchardDatabase

    package init(database: OrchardDatabase) {
        self.database = database
    }

    package func record(_ event: AuditEvent) async throws {
        try await database.withWriter { try await Self.insert(event, on: $0) }
    }

    /// Inserts on a given connection, so the event commits or rolls back with the change it describes.
    package static func insert(_ event: AuditEvent, on connection: any SQLDatabase) async throws {
        try await connection.raw(
            """
            INSERT INTO audit_log (at, user_id, store_account_number, action, detail)
            VALUES (\(bind: event.at), \(bind: event.userID), \(bind: event.accountNumber), \(bind: event.action),
                    \(bind: event.detail))
            """
        ).run()
    }

    /// The events of a user, oldest first.
    package func events(userID: Int64) async throws -> [AuditEvent] {
        try await select("user_id = \(bind: userID)")
    }

    /// What happened to a store account as `userID` may see it: the account's own events (its
    /// vendors, access lost and restored) and that user's events about it, oldest first; never
    /// another user's.
    package func events(accountNumber: String, userID: Int64) async throws -> [AuditEvent] {
        try await select(
            "store_account_number = \(bind: accountNumber) AND (user_id IS NULL OR user_id = \(bind: userID))")
    }

    private func select(_ condition: SQLQueryString) async throws -> [AuditEvent] {
        try await database.withConnection { connection in
            try await connection.raw(
                "SELECT at, user_id, store_account_number, action, detail FROM audit_log WHERE \(condition) ORDER BY id"
            ).all().map { row in
                AuditEvent(
                    at: try row.decode(column: "at", as: Date.self),
                    userID: try row.decode(column: "user_id", as: Int64?.self),
                    accountNumber: try row.decode(column: "store_account_number", as: String?.self),
                    action: try row.decode(column: "action", as: String.self),
                    detail: try row.decode(column: "detail", as: String.self))
            }
        }
    }
}
