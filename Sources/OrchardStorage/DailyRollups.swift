import Foundation
import SQLKit
package import SalesReports

/// Daily rollups per account, app, day, country, device and currency pair: derived from the
/// facts of Daily Sales reports, recomputed per day on ingestion, and rebuildable at any time.
///
/// Money is integer millionths. A fact's money is its own row's (`Units × |per-unit amount|`,
/// computed exactly before it is stored); a day's rollup adds facts with the database's checked
/// integer `SUM` (an overflow is an error, never a float); totals over a range are added in
/// `Int128`, so a long range in VND or IDR stays exact past `Int64`.
package enum DailyRollups {
    /// One Daily Sales report that may feed a day's rollups.
    struct Candidate: Sendable, Equatable {
        var id: Int64
        var vendor: String
        var day: String
        /// Apple's format version as numbers, `1_3` as `[1, 3]`.
        var version: [Int]
        var sha256: String
    }

    /// The reports a day's rollups are made of: per vendor and day one report (the newest format
    /// version, then the latest ingested), and a file whose bytes another report of that day already
    /// has is the same report under another name (renamed, or imported once without its vendor): it
    /// counts once, under its known vendor. Files without a vendor count as one vendor.
    static func chooseReports(_ candidates: [Candidate]) -> [Int64] {
        var chosen: [Int64] = []
        for (_, reports) in Dictionary(grouping: candidates, by: \.day) {
            let ordered = reports.sorted { left, right in
                let leftUnknown = left.vendor == ReportIdentity.unknownVendor
                let rightUnknown = right.vendor == ReportIdentity.unknownVendor
                if leftUnknown != rightUnknown { return !leftUnknown }
                if left.vendor != right.vendor { return left.vendor < right.vendor }
                let order = compareVersions(left.version, right.version)
                if order != 0 { return order > 0 }
                return left.id > right.id
            }
            var vendors = Set<String>()
            // Bytes already accounted for: chosen, or superseded by their vendor's newer version.
            var files = Set<String>()
            for report in ordered {
                let counted = vendors.contains(report.vendor) || files.contains(report.sha256)
                files.insert(report.sha256)
                guard !counted else { continue }
                vendors.insert(report.vendor)
                chosen.append(report.id)
            }
        }
        return chosen.sorted()
    }

    /// A stored `1_0`-style version as its numbers; anything else is an error, never a default.
    static func versionParts(_ text: String) throws -> [Int] {
        var parts: [Int] = []
        for part in text.split(separator: "_", omittingEmptySubsequences: false) {
            guard let number = Int(part), number >= 0 else {
                throw StoredValueError(column: "report_ledger.version", value: text)
            }
            parts.append(number)
        }
        return parts
    }

    /// Compares versions part by part as numbers (a missing part is 0): negative, zero or positive.
    static func compareVersions(_ leftParts: [Int], _ rightParts: [Int]) -> Int {
        for index in 0..<max(leftParts.count, rightParts.count) {
            let l = index < leftParts.count ? leftParts[index] : 0
            let r = index < rightParts.count ? rightParts[index] : 0
            if l != r { return l < r ? -1 : 1 }
        }
        return 0
    }

    /// The rollups the report being ingested added up itself (``RollupAccumulator``).
    struct OwnRollups: Sendable {
        var reportID: Int64
        var rows: RollupRows
        var driver: OrchardDatabase.DriverConnection
    }

    /// Recomputes the rollups of `days` for one account from the facts of its Daily Sales reports.
    /// Runs inside the ingestion's transaction, which holds the account's lock. A day whose only
    /// chosen report is `own`'s takes `own`'s rows as they are, and its slices are added up from them
    /// (``OwnSlices``); other days are grouped in SQL. Returns how many days' slices came from `own`.
    @discardableResult
    static func recompute(
        accountID: Int64, days: [ReportDate], backend: OrchardDatabase.Backend, on connection: any SQLDatabase,
        own: OwnRollups? = nil, freshStatistics: Bool = false, slices: Bool = true
    ) async throws -> Int {
        guard !days.isEmpty else { return 0 }
        var ownSlices = 0
        if slices {
            // Cached dashboard answers of this account are now stale, and whole months' sums of these
            // days (the row is locked already).
            try await MetricChanges.raise(
                accountID, days: MetricChanges.Days(first: days.min()!.isoText, last: days.max()!.isoText),
                on: connection)
        }
        if backend == .postgres {
            // Enough memory to group a day's facts in a hash table instead of an on-disk sort; this
            // transaction only.
            try await connection.raw("SET LOCAL work_mem = '256MB'").run()
        }
        let texts = days.map(\.isoText)
        // Chunks keep the IN lists well under every bind limit.
        for chunk in stride(from: 0, to: texts.count, by: 500).map({ Array(texts[$0..<min($0 + 500, texts.count)]) }) {
            let dayList = list(chunk)
            // The reports of these days, chosen first: filtering the facts by report id lets the
            // planner see how many rows it groups (a join estimate made PostgreSQL sort a million rows).
            let candidates = try await Self.candidates(accountID: accountID, days: chunk, on: connection)
            try await connection.raw(
                "DELETE FROM daily_rollups WHERE store_account_id = \(bind: accountID) AND day IN " + dayList
            ).run()
            var grouped = chunk
            // The days whose slices are still to be made in SQL (not the report's own days).
            var sliced = chunk
            if let own {
                // The days whose rollups are the report's own rows.
                let alone = Set(
                    Dictionary(grouping: candidates, by: \.day).compactMap { day, reports in
                        chooseReports(reports) == [own.reportID] ? day : nil
                    })
                if !alone.isEmpty {
                    let aloneDays = Set(alone.compactMap { ReportDate($0) })
                    var writer = BulkWriter(connection: own.driver, table: "daily_rollups", columns: RollupRows.columns)
                    do {
                        try await own.rows.write(days: aloneDays, accountID: accountID, into: &writer)
                        try await writer.flush()
                    } catch {
                        await writer.abandon()
                        throw error
                    }
                    grouped.removeAll { alone.contains($0) }
                    if slices,
                        try await OwnSlices(rows: own.rows, accountID: accountID, backend: backend).write(
                            days: aloneDays, on: connection, driver: own.driver)
                    {
                        sliced.removeAll { alone.contains($0) }
                        ownSlices += alone.count
                    }
                }
            }
            let reports = chooseReports(candidates.filter { grouped.contains($0.day) })
            if slices, !sliced.isEmpty {
                try await MetricSlices.rebuildProducts(
                    accountID: accountID, days: sliced,
                    reports: chooseReports(candidates.filter { sliced.contains($0.day) }), on: connection)
            }
            guard !reports.isEmpty, !grouped.isEmpty else {
                if slices, !sliced.isEmpty {
                    try await MetricSlices.rebuild(accountID: accountID, days: sliced, on: connection)
                }
                continue
            }
            if backend == .postgres, freshStatistics {
                // Statistics that count a large report just written, so the grouping below uses a hash
                // table, not an on-disk sort. Only on this path: ANALYZE locks the table until commit.
                try await connection.raw("ANALYZE sales_facts").run()
            }
            let groupedList = list(grouped)
            try await connection.raw(
                """
                INSERT INTO daily_rollups (store_account_id, app_sku, day, country, device, proceeds_currency,
                    customer_currency, downloads, redownloads, updates, in_app_purchases, restores, other, returns,
                    proceeds_micros, sales_micros)
                SELECT \(bind: accountID), f.app_sku, f.day, f.country, f.device, f.proceeds_currency,
                    f.customer_currency,
                    SUM(CASE WHEN f.bucket = 'downloads' THEN f.units ELSE 0 END),
                    SUM(CASE WHEN f.bucket = 'redownloads' THEN f.units ELSE 0 END),
                    SUM(CASE WHEN f.bucket = 'updates' THEN f.units ELSE 0 END),
                    SUM(CASE WHEN f.bucket = 'inAppPurchases' THEN f.units ELSE 0 END),
                    SUM(CASE WHEN f.bucket = 'restores' THEN f.units ELSE 0 END),
                    SUM(CASE WHEN f.bucket = 'other' THEN f.units ELSE 0 END),
                    SUM(CASE WHEN f.units < 0 THEN -f.units ELSE 0 END),
                    SUM(f.proceeds_micros),
                    SUM(f.sales_micros)
                FROM sales_facts f
                WHERE f.report_id IN
                """ + " " + list(reports) + " AND f.day IN " + groupedList + " "
                    + """
                    GROUP BY f.app_sku, f.day, f.country, f.device, f.proceeds_currency, f.customer_currency
                    """
            ).run()
            if slices, !sliced.isEmpty {
                try await MetricSlices.rebuild(accountID: accountID, days: sliced, on: connection)
            }
        }
        return ownSlices
    }

    /// The Daily Sales reports of `days` that may feed their rollups.
    static func candidates(accountID: Int64, days: [String], on connection: any SQLDatabase) async throws
        -> [Candidate]
    {
        try await connection.raw(
            """
            SELECT id, vendor, report_date, version, sha256 FROM report_ledger
            WHERE store_account_id = \(bind: accountID) AND report_type = 'Sales' AND frequency = 'Daily'
                AND sha256 IS NOT NULL AND state IN ('fetched', 'restated', 'empty') AND report_date IN
            """ + " " + list(days)
        ).all().map { row in
            Candidate(
                id: try row.decode(column: "id", as: Int64.self),
                vendor: try row.decode(column: "vendor", as: String.self),
                day: try row.decode(column: "report_date", as: String.self),
                version: try versionParts(row.decode(column: "version", as: String.self)),
                sha256: try row.decode(column: "sha256", as: String.self))
        }
    }

    private static func list<Value: Encodable & Sendable>(_ values: [Value]) -> SQLQueryString {
        SQLQueryString("(") + values.map { "\(bind: $0)" as SQLQueryString }.joined(separator: ", ")
            + SQLQueryString(")")
    }

    /// Totals of one account over `from...to` (inclusive), money per currency in millionths.
    package struct Totals: Sendable, Equatable {
        package var units: [UnitBucket: Int64] = [:]
        package var returns: Int64 = 0
        package var proceeds: [String: Int128] = [:]
        package var sales: [String: Int128] = [:]
    }

    package static func totals(accountNumber: String, from: ReportDate, to: ReportDate, database: OrchardDatabase)
        async throws -> Totals
    {
        try await database.withConnection { connection in
            // Money is added as whole units and remainders (each sum fits in 64 bits for any
            // realistic range) and joined in Int128 here: exact past Int64 on both databases.
            let rows = try await connection.raw(
                """
                SELECT r.proceeds_currency, r.customer_currency,
                    CAST(SUM(r.downloads) AS BIGINT) AS downloads, CAST(SUM(r.redownloads) AS BIGINT) AS redownloads,
                    CAST(SUM(r.updates) AS BIGINT) AS updates,
                    CAST(SUM(r.in_app_purchases) AS BIGINT) AS in_app_purchases,
                    CAST(SUM(r.restores) AS BIGINT) AS restores, CAST(SUM(r.other) AS BIGINT) AS other,
                    CAST(SUM(r.returns) AS BIGINT) AS returns,
                    CAST(SUM(r.proceeds_micros / 1000000) AS BIGINT) AS proceeds_units,
                    CAST(SUM(r.proceeds_micros % 1000000) AS BIGINT) AS proceeds_rest,
                    CAST(SUM(r.sales_micros / 1000000) AS BIGINT) AS sales_units,
                    CAST(SUM(r.sales_micros % 1000000) AS BIGINT) AS sales_rest
                FROM daily_rollups r JOIN store_accounts a ON a.id = r.store_account_id
                WHERE a.number = \(bind: accountNumber) AND r.day >= \(bind: from.isoText)
                    AND r.day <= \(bind: to.isoText)
                GROUP BY r.proceeds_currency, r.customer_currency
                """
            ).all()
            var totals = Totals()
            let columns: [(String, UnitBucket)] = [
                ("downloads", .downloads), ("redownloads", .redownloads), ("updates", .updates),
                ("in_app_purchases", .inAppPurchases), ("restores", .restores), ("other", .other),
            ]
            for row in rows {
                for (column, bucket) in columns {
                    totals.units[bucket, default: 0] += try row.decode(column: column, as: Int64.self)
                }
                totals.returns += try row.decode(column: "returns", as: Int64.self)
                func money(_ name: String) throws -> Int128 {
                    Int128(try row.decode(column: "\(name)_units", as: Int64.self)) * 1_000_000
                        + Int128(try row.decode(column: "\(name)_rest", as: Int64.self))
                }
                let proceedsCurrency = try row.decode(column: "proceeds_currency", as: String.self)
                let proceeds = try money("proceeds")
                if !(proceedsCurrency.isEmpty && proceeds == 0) {
                    totals.proceeds[proceedsCurrency, default: 0] += proceeds
                }
                let customerCurrency = try row.decode(column: "customer_currency", as: String.self)
                let sales = try money("sales")
                if !(customerCurrency.isEmpty && sales == 0) { totals.sales[customerCurrency, default: 0] += sales }
            }
            return totals
        }
    }
}
