package import Foundation
package import OrchardCore
import SQLKit

/// Store accounts: one row per App Store Connect account, shared by every user who integrates it.
package struct StoreAccountStore: Sendable {
    let database: OrchardDatabase

    package init(database: OrchardDatabase) {
        self.database = database
    }

    /// Creates the account or refreshes its name and vendors; returns it.
    @discardableResult
    package func upsert(number: String, name: String, vendors: [String], now: Date) async throws -> StoreAccount {
        try await database.withTransaction { connection in
            try await connection.raw(
                """
                INSERT INTO store_accounts (number, name, vendors, first_seen_at)
                VALUES (\(bind: number), \(bind: name), \(bind: vendors.joined(separator: ",")), \(bind: now))
                ON CONFLICT (number) DO UPDATE SET name = excluded.name,
                    vendors = CASE WHEN excluded.vendors = '' THEN store_accounts.vendors ELSE excluded.vendors END
                """
            ).run()
            return try await Self.find(number: number, on: connection)!
        }
    }

    package func find(number: String) async throws -> StoreAccount? {
        try await database.withConnection { try await Self.find(number: number, on: $0) }
    }

    /// Records what the service identity can see of the account.
    package func setAccess(number: String, _ access: StoreAccountAccess, now: Date) async throws {
        try await database.withConnection { connection in
            try await connection.raw(
                """
                UPDATE store_accounts SET access_state = \(bind: access.rawValue),
                    last_seen_at = CASE WHEN \(bind: access.rawValue) = 'accessible' THEN \(bind: now) ELSE last_seen_at END
                WHERE number = \(bind: number)
                """
            ).run()
        }
    }

    static func find(number: String, on connection: any SQLDatabase) async throws -> StoreAccount? {
        guard
            let row = try await connection.raw(
                """
                SELECT id, number, name, vendors, access_state, first_seen_at, last_seen_at, backfill_done,
                       backfill_total, last_sync_at, last_error
                FROM store_accounts WHERE number = \(bind: number)
                """
            ).first()
        else { return nil }
        let accessName = try row.decode(column: "access_state", as: String.self)
        guard let access = StoreAccountAccess(rawValue: accessName) else {
            throw StoredValueError(column: "store_accounts.access_state", value: accessName)
        }
        return StoreAccount(
            id: try row.decode(column: "id", as: Int64.self),
            number: try row.decode(column: "number", as: String.self),
            name: try row.decode(column: "name", as: String.self),
            vendors: try row.decode(column: "vendors", as: String.self).split(separator: ",").map(String.init),
            access: access,
            firstSeenAt: try row.decode(column: "first_seen_at", as: Date.self),
            lastSeenAt: try row.decode(column: "last_seen_at", as: Date?.self),
            backfill: .init(
                done: try row.decode(column: "backfill_done", as: Int.self),
                total: try row.decode(column: "backfill_total", as: Int.self)),
            lastSyncAt: try row.decode(column: "last_sync_at", as: Date?.self),
            lastError: try row.decode(column: "last_error", as: String?.self))
    }
}
