package import Foundation
package import OrchardCore
import SQLKit
package import SalesReports

/// Store accounts: one row per App Store Connect account, shared by every user who integrates it,
/// with what the service identity can see of it and where its sync stands (docs/STATUSES.md).
package struct StoreAccountStore: Sendable {
    let database: OrchardDatabase

    package init(database: OrchardDatabase) {
        self.database = database
    }

    /// Creates the account as a user's token showed it, unless it exists: the name and vendors the
    /// service identity found are never overwritten by what a customer's token sees. Returns it.
    @discardableResult
    package func register(number: String, name: String, vendors: [String], now: Date) async throws -> StoreAccount {
        try await database.withTransaction { connection in
            try await Self.register(number: number, name: name, vendors: vendors, now: now, on: connection)
            return try await Self.find(number: number, on: connection)!
        }
    }

    static func register(number: String, name: String, vendors: [String], now: Date, on connection: any SQLDatabase)
        async throws
    {
        try await connection.raw(
            """
            INSERT INTO store_accounts (number, name, vendors, first_seen_at)
            VALUES (\(bind: number), \(bind: name), \(bind: vendors.joined(separator: ",")), \(bind: now))
            ON CONFLICT (number) DO NOTHING
            """
        ).run()
    }

    /// The names of the account's apps Orchard knows from its reports, sorted; empty before its first sync.
    package func appTitles(number: String) async throws -> [String] {
        try await database.withConnection { connection in
            try await connection.raw(
                """
                SELECT apps.title FROM apps JOIN store_accounts ON store_accounts.id = apps.store_account_id
                WHERE store_accounts.number = \(bind: number) AND apps.title IS NOT NULL AND apps.title <> ''
                ORDER BY apps.title
                """
            ).all().map { try $0.decode(column: "title", as: String.self) }
        }
    }

    package func find(number: String) async throws -> StoreAccount? {
        try await database.withConnection { try await Self.find(number: number, on: $0) }
    }

    // MARK: - Access, as the invitation check finds it

    /// Every account the service identity can read.
    package func accessible() async throws -> [StoreAccount] {
        try await database.withConnection { try await Self.select("access_state = 'accessible'", on: $0) }
    }

    /// Revoked accounts whose data is still kept (their retention has not run out): access to them
    /// can still be restored.
    package func restorable() async throws -> [StoreAccount] {
        try await database.withConnection {
            try await Self.select("access_state = 'revoked' AND purged_at IS NULL", on: $0)
        }
    }

    /// Accessible accounts that at least one user has an active integration with: the ones to sync.
    package func syncable() async throws -> [StoreAccount] {
        try await database.withConnection {
            try await Self.select(
                """
                access_state = 'accessible' AND EXISTS (
                    SELECT 1 FROM integrations i WHERE i.store_account_id = store_accounts.id AND i.status = 'active')
                """, on: $0)
        }
    }

    /// The service identity sees the account: it becomes accessible (again), with no missed checks.
    /// Returns `true` when it was not accessible before (compare-and-set: of two workers seeing the
    /// same change, one gets `true`).
    @discardableResult
    package func markAccessible(number: String, now: Date) async throws -> Bool {
        try await database.withTransaction { connection in
            let changed =
                try await connection.raw(
                    """
                    UPDATE store_accounts SET access_state = 'accessible', missed_checks = 0, last_missed_at = NULL,
                        revoked_at = NULL, purged_at = NULL, last_seen_at = \(bind: now)
                    WHERE number = \(bind: number) AND access_state <> 'accessible'
                    RETURNING id
                    """
                ).first() != nil
            if !changed {
                try await connection.raw(
                    """
                    UPDATE store_accounts SET missed_checks = 0, last_missed_at = NULL, last_seen_at = \(bind: now)
                    WHERE number = \(bind: number)
                    """
                ).run()
            }
            return changed
        }
    }

    /// Counts a check that confirmed the service identity no longer sees the accessible account, and
    /// returns its misses. A miss counts only when the last counted one is at least `apart` old:
    /// misses are evidence over time, not per check run, however many workers check or retry
    /// (compare-and-set: of two workers at once, one counts).
    package func recordMiss(number: String, now: Date, apart: TimeInterval) async throws -> Int {
        try await database.withTransaction { connection in
            if let counted = try await connection.raw(
                """
                UPDATE store_accounts SET missed_checks = missed_checks + 1, last_missed_at = \(bind: now)
                WHERE number = \(bind: number) AND access_state = 'accessible'
                    AND (last_missed_at IS NULL OR last_missed_at <= \(bind: now.addingTimeInterval(-apart)))
                RETURNING missed_checks
                """
            ).first() {
                return try counted.decode(column: "missed_checks", as: Int.self)
            }
            return try await connection.raw(
                "SELECT missed_checks FROM store_accounts WHERE number = \(bind: number)"
            ).first()?.decode(column: "missed_checks", as: Int.self) ?? 0
        }
    }

    /// The service identity lost the account: revoked from `now`. `true` when this call revoked it.
    package func revoke(number: String, now: Date) async throws -> Bool {
        try await database.withTransaction { connection in
            try await connection.raw(
                """
                UPDATE store_accounts SET access_state = 'revoked', revoked_at = \(bind: now)
                WHERE number = \(bind: number) AND access_state = 'accessible'
                RETURNING id
                """
            ).first() != nil
        }
    }

    // MARK: - Sync state

    /// Records the vendor numbers the service identity sees for the account, and in the audit log
    /// each vendor that came or went since `known` (none the first time the service lists them).
    package func setVendors(number: String, _ vendors: [String], known: [String], now: Date) async throws {
        try await database.withTransaction { connection in
            try await connection.raw(
                """
                UPDATE store_accounts SET vendors = \(bind: vendors.joined(separator: ","))
                WHERE number = \(bind: number)
                """
            ).run()
            guard !known.isEmpty else { return }
            for vendor in vendors where !known.contains(vendor) {
                try await AuditLog.insert(
                    AuditEvent(
                        at: now, userID: nil, accountNumber: number, action: "vendor_added",
                        detail: "Apple lists vendor \(vendor): Orchard fetches its reports, its history included."),
                    on: connection)
            }
            for vendor in known where !vendors.contains(vendor) {
                try await AuditLog.insert(
                    AuditEvent(
                        at: now, userID: nil, accountNumber: number, action: "vendor_dropped",
                        detail:
                            "Apple no longer lists vendor \(vendor): Orchard stopped fetching its reports "
                            + "(the days it has are kept)."),
                    on: connection)
            }
        }
    }

    /// Gives the account the name the service identity's listing shows; `true` when it changed.
    package func rename(number: String, to name: String) async throws -> Bool {
        try await database.withWriter { connection in
            try await connection.raw(
                """
                UPDATE store_accounts SET name = \(bind: name)
                WHERE number = \(bind: number) AND name <> \(bind: name)
                RETURNING id
                """
            ).first() != nil
        }
    }

    /// Starts a backfill's progress: `done` of `total` reports.
    package func setBackfill(number: String, done: Int, total: Int) async throws {
        try await database.withWriter { connection in
            try await connection.raw(
                """
                UPDATE store_accounts SET backfill_done = \(bind: done), backfill_total = \(bind: total)
                WHERE number = \(bind: number)
                """
            ).run()
        }
    }

    /// Counts reports done (and reports added to the plan) during a backfill, never past the plan
    /// (a backfill taken over after its worker stalled may count a report twice).
    package func advanceBackfill(number: String, done: Int, total: Int = 0) async throws {
        try await database.withWriter { connection in
            try await connection.raw(
                """
                UPDATE store_accounts SET backfill_total = backfill_total + \(bind: total),
                    backfill_done = CASE WHEN backfill_done + \(bind: done) > backfill_total + \(bind: total)
                        THEN backfill_total + \(bind: total) ELSE backfill_done + \(bind: done) END
                WHERE number = \(bind: number)
                """
            ).run()
        }
    }

    /// The daily sync completed through `day`.
    package func recordSync(number: String, through day: ReportDate, now: Date) async throws {
        try await database.withWriter { connection in
            try await connection.raw(
                """
                UPDATE store_accounts SET synced_through = \(bind: day.isoText), last_sync_at = \(bind: now), last_error = NULL
                WHERE number = \(bind: number)
                """
            ).run()
        }
    }

    /// Queues `job` (the account's daily sync) when the account is still synced through a day before
    /// `latest`, as read with the account's row locked: a scheduler working from an older reading
    /// queues nothing for an account whose sync finished meanwhile. (The sync records its day before
    /// its job is done, and waits for the lock; so either the day is read as synced, or the job is
    /// still running and its de-duplication key refuses the copy.) Returns the new job's id.
    @discardableResult
    package func queueSyncIfBehind(
        _ job: some QueueableJob, accountID: Int64, latest: ReportDate, now: Date
    ) async throws -> Int64? {
        let backend = database.backend
        return try await database.withTransaction { connection in
            let read: SQLQueryString = "SELECT synced_through FROM store_accounts WHERE id = \(bind: accountID)"
            guard
                let row = try await connection.raw(backend == .postgres ? read + " FOR UPDATE" : read).first(),
                let through = try row.decode(column: "synced_through", as: String?.self),
                through < latest.isoText
            else { return nil }
            return try await JobQueue.enqueue(
                job, storeAccountID: accountID, runAfter: now, now: now, on: connection)
        }
    }

    /// Records why the account's last sync failed (`nil` clears it), shown beside its integrations.
    package func recordSyncError(number: String, _ error: String?) async throws {
        try await database.withWriter { connection in
            try await connection.raw(
                "UPDATE store_accounts SET last_error = \(bind: error) WHERE number = \(bind: number)"
            ).run()
        }
    }

    // MARK: - Reading

    static let columns: SQLQueryString = """
        SELECT id, number, name, vendors, access_state, first_seen_at, last_seen_at, backfill_done,
               backfill_total, last_sync_at, last_error, synced_through, missed_checks, revoked_at, purged_at,
               unused_since
        FROM store_accounts
        """

    static func find(number: String, on connection: any SQLDatabase) async throws -> StoreAccount? {
        try await select("number = \(bind: number)", on: connection).first
    }

    static func select(_ condition: SQLQueryString, on connection: any SQLDatabase) async throws -> [StoreAccount] {
        try await connection.raw(columns + " WHERE " + condition + " ORDER BY id").all().map(account)
    }

    static func account(_ row: any SQLRow) throws -> StoreAccount {
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
            lastError: try row.decode(column: "last_error", as: String?.self),
            syncedThrough: try Self.day(row.decode(column: "synced_through", as: String?.self)),
            missedChecks: try row.decode(column: "missed_checks", as: Int.self),
            revokedAt: try row.decode(column: "revoked_at", as: Date?.self),
            unusedSince: try row.decode(column: "unused_since", as: Date?.self),
            purgedAt: try row.decode(column: "purged_at", as: Date?.self))
    }

    /// A stored `YYYY-MM-DD` day, checked: a malformed one is an error, never a default.
    private static func day(_ text: String?) throws -> String? {
        guard let text else { return nil }
        guard text.count == 10, ReportDate(text) != nil else {
            throw StoredValueError(column: "store_accounts.synced_through", value: text)
        }
        return text
    }
}
