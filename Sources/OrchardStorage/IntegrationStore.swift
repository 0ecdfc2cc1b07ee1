package import Foundation
package import OrchardCore
import PostgresKit
import SQLKit

/// Integrations: one per dashboard user and store account, moved only by `IntegrationStatus` rules.
package struct IntegrationStore: Sendable {
    let database: OrchardDatabase

    package init(database: OrchardDatabase) {
        self.database = database
    }

    package enum Failure: Error, Equatable, Sendable {
        case alreadyIntegrated(accountNumber: String)
        case unknownAccount(accountNumber: String)
        case notAllowed(from: IntegrationStatus, event: IntegrationStatus.Event)
    }

    /// A new integration; fails when the user already has one for the account. It is pending until
    /// the service identity sees the account, or active at once when it already does (another user
    /// integrated the account first): one store account has one sync, however many users it has.
    package func create(userID: Int64, accountNumber: String, now: Date) async throws -> Integration {
        try await database.withTransaction {
            try await Self.create(userID: userID, accountNumber: accountNumber, now: now, on: $0)
        }
    }

    /// An account as the funnel found it, and the ownership proof recorded for it.
    package struct NewAccount: Sendable {
        package var number: String
        package var name: String
        package var vendors: [String]
        package var proof: String

        package init(number: String, name: String, vendors: [String], proof: String) {
            self.number = number
            self.name = name
            self.vendors = vendors
            self.proof = proof
        }
    }

    /// The funnel's Finish: for every account, the store account (unless it exists), the ownership
    /// proof in the audit log and the user's integration, all in one transaction: all of them or
    /// none.
    package func create(userID: Int64, accounts: [NewAccount], now: Date) async throws -> [Integration] {
        try await database.withTransaction { connection in
            var created: [Integration] = []
            for account in accounts {
                try await StoreAccountStore.register(
                    number: account.number, name: account.name, vendors: account.vendors, now: now, on: connection)
                try await AuditLog.insert(
                    AuditEvent(
                        at: now, userID: userID, accountNumber: account.number, action: "ownership_proved",
                        detail: account.proof),
                    on: connection)
                created.append(
                    try await Self.create(userID: userID, accountNumber: account.number, now: now, on: connection))
            }
            return created
        }
    }

    private static func create(userID: Int64, accountNumber: String, now: Date, on connection: any SQLDatabase)
        async throws -> Integration
    {
        do {
            guard let account = try await StoreAccountStore.find(number: accountNumber, on: connection) else {
                throw Failure.unknownAccount(accountNumber: accountNumber)
            }
            let existing = try await connection.raw(
                "SELECT id FROM integrations WHERE user_id = \(bind: userID) AND store_account_id = \(bind: account.id)"
            ).first()
            guard existing == nil else { throw Failure.alreadyIntegrated(accountNumber: accountNumber) }
            let status: IntegrationStatus = account.access == .accessible ? .active : .pending
            let activatedAt: Date? = status == .active ? now : nil
            try await connection.raw(
                """
                INSERT INTO integrations (user_id, store_account_id, status, created_at, activated_at, updated_at)
                VALUES (\(bind: userID), \(bind: account.id), \(bind: status.rawValue), \(bind: now),
                    \(bind: activatedAt), \(bind: now))
                """
            ).run()
            try await AuditLog.insert(
                AuditEvent(
                    at: now, userID: userID, accountNumber: accountNumber, action: "integration_created",
                    detail: status == .active ? "active: the service already sees the account" : "pending"),
                on: connection)
            // Used again: no purge for want of users.
            try await connection.raw(
                "UPDATE store_accounts SET unused_since = NULL WHERE id = \(bind: account.id)"
            ).run()
            return try await Self.select(
                "i.user_id = \(bind: userID) AND a.number = \(bind: accountNumber)", on: connection)[0]
        }
    }

    /// The user's integrations, oldest first.
    package func list(userID: Int64) async throws -> [Integration] {
        try await database.withConnection { try await Self.select("i.user_id = \(bind: userID)", on: $0) }
    }

    /// The user's integrations, each with its account, in one query: every page lists them.
    package func listWithAccounts(userID: Int64) async throws -> [(integration: Integration, account: StoreAccount)] {
        try await database.rows(WithAccounts(userID: userID)).map { row in
            let account = try StoreAccountStore.account(row)
            let integration = Integration(
                id: try row.decode(column: "integration_id", as: Int64.self),
                userID: try row.decode(column: "user_id", as: Int64.self), accountNumber: account.number,
                accountName: account.name, status: try Self.status(try row.decode(column: "status", as: String.self)),
                statusReason: try row.decode(column: "status_reason", as: String?.self),
                createdAt: try row.decode(column: "created_at", as: Date.self),
                activatedAt: try row.decode(column: "activated_at", as: Date?.self),
                updatedAt: try row.decode(column: "updated_at", as: Date.self))
            return (integration, account)
        }
    }

    private struct WithAccounts: PreparedQuery {
        static let name = "orchard_integrations_with_accounts"
        static let sql = """
            SELECT i.id AS integration_id, i.user_id, i.status, i.status_reason, i.created_at, i.activated_at,
                   i.updated_at, a.id, a.number, a.name, a.vendors, a.access_state, a.first_seen_at, a.last_seen_at,
                   a.backfill_done, a.backfill_total, a.last_sync_at, a.last_error, a.synced_through,
                   a.missed_checks, a.revoked_at, a.purged_at, a.unused_since
            FROM integrations i JOIN store_accounts a ON a.id = i.store_account_id
            WHERE i.user_id = $1 ORDER BY i.id
            """
        let userID: Int64
        var binds: [any PostgresThrowingDynamicTypeEncodable & Encodable & Sendable] { [userID] }
    }

    /// Every integration of an account, whoever owns it.
    package func list(accountNumber: String) async throws -> [Integration] {
        try await database.withConnection { try await Self.select("a.number = \(bind: accountNumber)", on: $0) }
    }

    /// Applies `event` to every integration of the account for which it is allowed (the cascade
    /// of docs/STATUSES.md: removal applies to all users of the account); returns the changed ones.
    /// Each change is recorded as an event for the integration's user (docs/NOTIFICATIONS.md), with
    /// `details` in its data, in the same transaction.
    @discardableResult
    package func apply(
        _ event: IntegrationStatus.Event, accountNumber: String, reason: String?,
        details: [String: EventValue] = [:], now: Date
    ) async throws -> [Integration] {
        try await apply(event, where: "a.number = \(bind: accountNumber)", reason: reason, details: details, now: now)
    }

    /// Applies `event` to one integration (the invitation window is each integration's own);
    /// returns it when it changed.
    @discardableResult
    package func apply(
        _ event: IntegrationStatus.Event, integrationID: Int64, reason: String?,
        details: [String: EventValue] = [:], now: Date
    ) async throws -> Integration? {
        try await apply(event, where: "i.id = \(bind: integrationID)", reason: reason, details: details, now: now)
            .first
    }

    /// Every pending integration, oldest first.
    package func pending() async throws -> [Integration] {
        try await database.withConnection { try await Self.select("i.status = 'pending'", on: $0) }
    }

    private func apply(
        _ event: IntegrationStatus.Event, where condition: SQLQueryString, reason: String?,
        details: [String: EventValue], now: Date
    ) async throws -> [Integration] {
        try await database.withTransaction { connection in
            var changed: [Integration] = []
            for integration in try await Self.select(condition, on: connection) {
                guard let next = integration.status.applying(event) else { continue }
                // Compare-and-set: a worker that read the same status a moment earlier moved it
                // already, and the integration is not moved twice.
                guard
                    try await connection.raw(
                        """
                        UPDATE integrations SET status = \(bind: next.rawValue), status_reason = \(bind: reason),
                            updated_at = \(bind: now),
                            activated_at = CASE WHEN \(bind: next.rawValue) = 'active' THEN \(bind: now) ELSE activated_at END
                        WHERE id = \(bind: integration.id) AND status = \(bind: integration.status.rawValue)
                        RETURNING id
                        """
                    ).first() != nil
                else { continue }
                try await AuditLog.insert(
                    AuditEvent(
                        at: now, userID: integration.userID, accountNumber: integration.accountNumber,
                        action: "integration_\(next.rawValue)", detail: reason ?? ""),
                    on: connection)
                var data = details
                data["integrationId"] = .integer(integration.id)
                data["accountNumber"] = .string(integration.accountNumber)
                data["accountName"] = .string(integration.accountName)
                data["previousStatus"] = .string(integration.status.rawValue)
                data["status"] = .string(next.rawValue)
                data["reason"] = reason.map { .string($0) } ?? .null
                try await EventLog.record(
                    ActivityEvent(
                        userID: integration.userID, type: Self.eventType(from: integration.status, to: next),
                        accountNumber: integration.accountNumber, createdAt: now, data: data),
                    on: connection)
                var updated = integration
                updated.status = next
                updated.statusReason = reason
                updated.updatedAt = now
                if next == .active { updated.activatedAt = now }
                changed.append(updated)
            }
            return changed
        }
    }

    /// The event a change of status is told as.
    static func eventType(from previous: IntegrationStatus, to next: IntegrationStatus) -> EventType {
        switch next {
        case .active: previous == .removed ? .integrationRestored : .integrationActive
        case .expired: .integrationExpired
        case .removed: .integrationRemoved
        case .pending: .integrationActive
        }
    }

    /// What deleting an integration did.
    package struct Deletion: Sendable, Equatable {
        package var integration: Integration
        /// It was the account's last integration, of any user: the account stops syncing and is
        /// marked unused (purged after the retention period unless someone integrates it again).
        package var lastOfAccount: Bool
    }

    /// Deletes the user's integration; the account and its data stay while others use them.
    /// `nil` when the user has no such integration.
    package func delete(id: Int64, userID: Int64, now: Date) async throws -> Deletion? {
        try await database.withTransaction { connection in
            guard
                let integration = try await Self.select(
                    "i.id = \(bind: id) AND i.user_id = \(bind: userID)", on: connection
                ).first
            else { return nil }
            try await connection.raw("DELETE FROM integrations WHERE id = \(bind: id)").run()
            try await AuditLog.insert(
                AuditEvent(
                    at: now, userID: userID, accountNumber: integration.accountNumber, action: "integration_deleted",
                    detail: "was \(integration.status.rawValue)"),
                on: connection)
            let last =
                try await connection.raw(
                    """
                    UPDATE store_accounts SET unused_since = \(bind: now)
                    WHERE number = \(bind: integration.accountNumber)
                      AND NOT EXISTS (SELECT 1 FROM integrations i WHERE i.store_account_id = store_accounts.id)
                    RETURNING id
                    """
                ).first() != nil
            return Deletion(integration: integration, lastOfAccount: last)
        }
    }

    /// Reads a stored status; an unknown one is an error, never a silent default.
    static func status(_ stored: String) throws -> IntegrationStatus {
        guard let status = IntegrationStatus(rawValue: stored) else {
            throw StoredValueError(column: "integrations.status", value: stored)
        }
        return status
    }

    static func select(_ condition: SQLQueryString, on connection: any SQLDatabase) async throws -> [Integration] {
        try await connection.raw(
            """
            SELECT i.id, i.user_id, a.number, a.name, i.status, i.status_reason, i.created_at, i.activated_at,
                   i.updated_at
            FROM integrations i JOIN store_accounts a ON a.id = i.store_account_id
            WHERE
            """ + " " + condition + " ORDER BY i.id"
        ).all().map { row in
            Integration(
                id: try row.decode(column: "id", as: Int64.self),
                userID: try row.decode(column: "user_id", as: Int64.self),
                accountNumber: try row.decode(column: "number", as: String.self),
                accountName: try row.decode(column: "name", as: String.self),
                status: try Self.status(try row.decode(column: "status", as: String.self)),
                statusReason: try row.decode(column: "status_reason", as: String?.self),
                createdAt: try row.decode(column: "created_at", as: Date.self),
                activatedAt: try row.decode(column: "activated_at", as: Date?.self),
                updatedAt: try row.decode(column: "updated_at", as: Date.self))
        }
    }
}
