import SQLKit

/// What each raise of an account's data version changed (`metric_changes`, migration 17).
///
/// Every transaction that changes an account's figures raises `store_accounts.metrics_version`
/// (the key of every cached answer, ``MetricsCache``) through here, and records in the same
/// transaction the days whose rollups and slices it rewrote. A process that keeps whole months'
/// sums in memory reads the records between the version it summed at and the current one, and sums
/// again only the months they touch. A raise without its record (pruned, or made by code that does
/// not record) reads as "every day changed", so a missing record costs time, never a wrong figure.
package enum MetricChanges {
    /// The days a change touched, as a closed range of ISO days.
    package struct Days: Sendable, Equatable {
        package var first: String
        package var last: String

        package init(first: String, last: String) {
            self.first = first
            self.last = last
        }

        /// Every day: what a raise without a record means.
        package static let all = Days(first: "0000-01-01", last: "9999-12-31")

        /// Whether the range has a day of `unit`: a month ("YYYY-MM") or a day ("YYYY-MM-DD").
        package func touches(unit: String) -> Bool {
            unit.count == 7 ? first.prefix(7) <= unit && unit <= last.prefix(7) : first <= unit && unit <= last
        }
    }

    /// How many records an account keeps at least (a process summed further back sums everything again).
    static let kept = 1_000

    /// Raises the account's version and records the days changed: `days` `nil` when none of its
    /// daily figures changed (names, subscription or payouts figures). Runs in the caller's
    /// transaction, which holds the account's lock.
    static func raise(_ accountID: Int64, days: Days?, on connection: any SQLDatabase) async throws {
        guard
            let version = try await connection.raw(
                """
                UPDATE store_accounts SET metrics_version = metrics_version + 1 WHERE id = \(bind: accountID)
                RETURNING metrics_version
                """
            ).first()?.decode(column: "metrics_version", as: Int64.self)
        else { return }
        // No days are written as SQL's NULL, not a bound nil (PostgreSQL cannot type a bare nil).
        let range: SQLQueryString = days.map { "\(bind: $0.first), \(bind: $0.last)" } ?? "NULL, NULL"
        try await connection.raw(
            "INSERT INTO metric_changes (store_account_id, version, first_day, last_day) VALUES (\(bind: accountID), "
                + "\(bind: version), " + range + ")"
        ).run()
        // Pruned every hundredth raise, not on each.
        if version % 100 == 0 {
            try await connection.raw(
                """
                DELETE FROM metric_changes
                WHERE store_account_id = \(bind: accountID) AND version <= \(bind: version - Int64(kept))
                """
            ).run()
        }
    }

    /// Raises every account's version, recording `firstDay` and every later day (new exchange rates).
    static func raiseAll(from firstDay: String, on connection: any SQLDatabase) async throws {
        try await connection.raw("UPDATE store_accounts SET metrics_version = metrics_version + 1").run()
        try await connection.raw(
            """
            INSERT INTO metric_changes (store_account_id, version, first_day, last_day)
            SELECT id, metrics_version, \(bind: firstDay), \(bind: Days.all.last) FROM store_accounts
            """
        ).run()
    }

    /// The day ranges changed after version `after` up to `through` (each raise with days), or `nil`
    /// when a raise of that span has no record: every day may have changed.
    static func changes(accountID: Int64, after: Int64, through: Int64, on database: any SQLDatabase)
        async throws -> [Days]?
    {
        guard after < through else { return after == through ? [] : nil }
        let rows = try await database.raw(
            """
            SELECT first_day, last_day FROM metric_changes
            WHERE store_account_id = \(bind: accountID) AND version > \(bind: after) AND version <= \(bind: through)
            """
        ).all()
        guard rows.count == through - after else { return nil }
        return try rows.compactMap { row in
            let first = try row.decode(column: "first_day", as: String?.self)
            let last = try row.decode(column: "last_day", as: String?.self)
            switch (first, last) {
            case (nil, nil): return nil
            case (let first?, let last?): return Days(first: first, last: last)
            default: return .all
            }
        }
    }
}
