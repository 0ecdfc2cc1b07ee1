package import Foundation
import SQLKit

/// Removes everything Orchard holds of a revoked store account, or of one nobody integrates any
/// more, once its retention has passed
/// (docs/STATUSES.md, Retention and purge): sales facts, daily rollups, the report ledger, apps, and the raw report
/// files no other account's ledger names. Facts and rollups carry no foreign keys, so they are
/// named here. The account row stays, revoked and marked purged, so each user's removed integration
/// can still say why.
package struct AccountPurge: Sendable {
    package struct Result: Sendable, Equatable {
        package var facts: Int
        package var rollups: Int
        package var reports: Int
        package var files: Int
    }

    let database: OrchardDatabase
    let archive: ReportArchive?

    package init(database: OrchardDatabase, archive: ReportArchive?) {
        self.database = database
        self.archive = archive
    }

    /// Purges the account when it is still revoked, or still without any integration since it was
    /// marked unused; `nil` when it is neither (access came back, someone integrated it again, or it
    /// was purged already).
    package func purge(number: String, now: Date) async throws -> Result? {
        let outcome: (Result, [String])? = try await database.withTransaction { connection in
            guard
                let id = try await connection.raw(
                    """
                    SELECT id FROM store_accounts
                    WHERE number = \(bind: number) AND purged_at IS NULL
                      AND (access_state = 'revoked'
                           OR (unused_since IS NOT NULL
                               AND NOT EXISTS (SELECT 1 FROM integrations i
                                               WHERE i.store_account_id = store_accounts.id)))
                    """
                ).first()?.decode(column: "id", as: Int64.self)
            else { return nil }
            let files = try await connection.raw(
                """
                SELECT DISTINCT l.sha256 FROM report_ledger l
                WHERE l.store_account_id = \(bind: id) AND l.sha256 IS NOT NULL
                  AND NOT EXISTS (SELECT 1 FROM report_ledger o
                                  WHERE o.sha256 = l.sha256 AND o.store_account_id <> \(bind: id))
                """
            ).all().map { try $0.decode(column: "sha256", as: String.self) }
            let facts = try await connection.raw(
                """
                DELETE FROM sales_facts
                WHERE report_id IN (SELECT id FROM report_ledger WHERE store_account_id = \(bind: id))
                RETURNING 1 AS gone
                """
            ).all().count
            try await connection.raw("DELETE FROM subscription_states WHERE store_account_id = \(bind: id)").run()
            try await connection.raw("DELETE FROM financial_lines WHERE store_account_id = \(bind: id)").run()
            try await connection.raw("DELETE FROM subscription_events WHERE store_account_id = \(bind: id)").run()
            try await connection.raw("DELETE FROM subscription_days WHERE store_account_id = \(bind: id)").run()
            try await connection.raw("DELETE FROM subscription_event_days WHERE store_account_id = \(bind: id)").run()
            let rollups = try await connection.raw(
                "DELETE FROM daily_rollups WHERE store_account_id = \(bind: id) RETURNING 1 AS gone"
            ).all().count
            try await connection.raw("DELETE FROM metric_slices WHERE store_account_id = \(bind: id)").run()
            // Every day's figures are gone: no answer or month's sum kept in memory is still true.
            try await MetricChanges.raise(id, days: .all, on: connection)
            try await connection.raw("DELETE FROM product_slices WHERE store_account_id = \(bind: id)").run()
            try await connection.raw("DELETE FROM products WHERE store_account_id = \(bind: id)").run()
            let reports = try await connection.raw(
                "DELETE FROM report_ledger WHERE store_account_id = \(bind: id) RETURNING 1 AS gone"
            ).all().count
            try await connection.raw("DELETE FROM apps WHERE store_account_id = \(bind: id)").run()
            let forgotten = try await archive?.forget(files, on: connection) ?? 0
            try await connection.raw(
                """
                UPDATE store_accounts SET purged_at = \(bind: now), backfill_done = 0, backfill_total = 0,
                    synced_through = NULL
                WHERE id = \(bind: id)
                """
            ).run()
            try await AuditLog.insert(
                AuditEvent(
                    at: now, userID: nil, accountNumber: number, action: "account_purged",
                    detail: "\(reports) reports, \(facts) sales rows, \(rollups) rollup rows"),
                on: connection)
            return (Result(facts: facts, rollups: rollups, reports: reports, files: forgotten), files)
        }
        guard let (found, files) = outcome else { return nil }
        var result = found
        // The rows are gone for good; their files follow (a crash here leaves only unnamed files).
        result.files += archive?.removeFiles(files) ?? 0
        return result
    }
}
