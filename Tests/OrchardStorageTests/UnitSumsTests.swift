import Foundation
import OrchardCore
import OrchardTestSupport
import SQLKit
import SalesReports
import Testing

@testable import OrchardStorage

/// Whole months and single days summed once and kept in memory answer exactly as the slices of
/// every day do: at
/// first, after a day is restated, after new exchange rates, after a change that left no record of
/// its days, and after the account is purged and its figures come again.
@Suite("Whole months and single days kept in memory")
struct UnitSumsTests {
    static let now = Date(timeIntervalSince1970: 1_790_000_000)
    static let days = ["2026-08-30", "2026-09-01", "2026-09-15", "2026-09-30", "2026-10-02"].map { ReportDate($0)! }

    static let rates = """
        Date,USD,JPY,
        2026-10-01,1.1700,171,
        2026-09-01,1.1600,170,
        2026-08-01,1.1500,169,

        """

    /// A day's rows: two apps, three countries and currencies, an in-app purchase, a refund.
    static func rows(_ day: ReportDate, scale: Int64) -> [SalesRow] {
        let n = Int64(day.day) * scale
        return [
            SalesFileBuilder.row(
                sku: "app", type: "1", units: n, proceeds: "0.70", price: "0.99", title: "App", day: day),
            SalesFileBuilder.row(sku: "app", type: "1", units: -1, proceeds: ".7", price: "-0.99", day: day),
            SalesFileBuilder.row(
                sku: "app", type: "1", units: n + 2, proceeds: "100", price: "160", currency: "JPY", country: "JP",
                device: "iPad", day: day),
            SalesFileBuilder.row(
                sku: "tool", type: "1", units: 3 * n, proceeds: "1.40", price: "1.99", currency: "EUR", country: "DE",
                title: "Tool", day: day),
            SalesFileBuilder.row(
                sku: "gems", type: "IA1", units: n % 7 + 1, proceeds: "2.10", price: "2.99", country: "US",
                device: "iPad", parent: "app", day: day),
        ]
    }

    static func ingest(_ days: [ReportDate], scale: Int64, _ database: OrchardDatabase, in directory: URL)
        async throws
    {
        let ingestor = ReportIngestor(database: database, archive: nil, logger: TestLogging.logger)
        let folder = directory.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for day in days {
            let path = try SalesFileBuilder.write(rows(day, scale: scale), day: day, in: folder)
            _ = try await ingestor.ingest(path: path, accountNumber: "1", now: now)
        }
    }

    /// The questions a dashboard asks over ranges with whole months and days at either end.
    static func questions(account: Int64, version: Int64) -> [(MetricsStore.Query, MetricSlices.Dimension?)] {
        var questions: [(MetricsStore.Query, MetricSlices.Dimension?)] = []
        let ranges = [("2026-08-30", "2026-10-02"), ("2026-08-01", "2026-10-31"), ("2026-09-01", "2026-09-30")]
        for (from, to) in ranges {
            for currency in ["USD", "EUR"] {
                for app in [nil, "app"] {
                    let query = MetricsStore.Query(
                        accountIDs: [account], from: ReportDate(from)!, to: ReportDate(to)!, app: app,
                        currency: currency, versions: [version])
                    for dimension in [nil, MetricSlices.Dimension.app, .country, .device] {
                        questions.append((query, dimension))
                    }
                }
            }
        }
        return questions
    }

    /// Money to the millionth, so sums added in another order compare equal.
    static func exact(_ rows: [MetricsStore.Row]) -> [MetricsStore.Row] {
        rows.map { row in
            var row = row
            row.totals.proceeds = row.totals.proceeds.rounded()
            row.totals.sales = row.totals.sales.rounded()
            return row
        }
    }

    /// Every question answered through the months kept in `store` equals the slices summed afresh.
    static func expectSameAnswers(
        _ store: MetricsStore, account: Int64, _ database: OrchardDatabase, _ when: String
    ) async throws {
        let version = try await database.withConnection {
            try await $0.raw("SELECT metrics_version FROM store_accounts WHERE id = \(bind: account)").first()!
                .decode(column: "metrics_version", as: Int64.self)
        }
        for (query, dimension) in questions(account: account, version: version) {
            let kept = try await store.rows(query, groupBy: dimension, byDay: false)
            let fresh = try await store.uncachedRows(query, groupBy: dimension, byDay: false)
            #expect(
                exact(kept) == exact(fresh),
                "\(when): \(query.from)…\(query.to) \(query.currency) app \(query.app ?? "-") by \(dimension?.rawValue ?? "total")"
            )
        }
    }

    @Test(
        "whole months kept in memory answer as every day's slices do, through restatements, new rates, purges",
        arguments: TestBackend.available)
    func monthsAnswerAsDays(backend: TestBackend) async throws {
        try await withMigrated(backend) { database in
            try await withTemporaryDirectory { directory in
                let ratesPath = directory.appendingPathComponent("rates.csv").path
                try Self.rates.write(toFile: ratesPath, atomically: true, encoding: .utf8)
                try await FXRateStore(database: database).importECB(path: ratesPath)
                try await Self.ingest(Self.days, scale: 1, database, in: directory)
                let account = try await database.withConnection {
                    try await $0.raw("SELECT id FROM store_accounts WHERE number = '1'").first()!.decode(
                        column: "id", as: Int64.self)
                }
                let store = MetricsStore(database: database)
                try await Self.expectSameAnswers(store, account: account, database, "first")
                let september = MetricsStore.Query(
                    accountIDs: [account], from: ReportDate("2026-08-30")!, to: ReportDate("2026-10-02")!,
                    currency: "USD")
                let before = try await store.uncachedRows(september, groupBy: nil, byDay: false)

                // Apple restates a day of a whole month and a single day at a range's end: those are
                // summed again, the others are kept.
                try await Self.ingest(
                    [ReportDate("2026-09-15")!, ReportDate("2026-10-02")!], scale: 5, database, in: directory)
                try await Self.expectSameAnswers(store, account: account, database, "restated")
                #expect(try await store.uncachedRows(september, groupBy: nil, byDay: false) != before)

                // New rates from a day in September re-convert it and every later day.
                let later = directory.appendingPathComponent("later.csv").path
                try "Date,USD,JPY\n2026-09-10,1.3000,150\n".write(toFile: later, atomically: true, encoding: .utf8)
                try await FXRateStore(database: database).importECB(path: later)
                try await Self.expectSameAnswers(store, account: account, database, "new rates")

                // A change of no day's store metrics (a subscription or Financial report) keeps every
                // unit: seen by first changing September's slices behind the version's back, which a new
                // question over September does not see (its month is the one kept before the raise).
                var other = MetricsStore.Query(
                    accountIDs: [account], from: ReportDate("2026-08-31")!, to: ReportDate("2026-10-01")!,
                    currency: "USD")
                let honest = try await store.uncachedRows(other, groupBy: nil, byDay: false)
                try await database.withTransaction { connection in
                    try await connection.raw(
                        "DELETE FROM metric_slices WHERE store_account_id = \(bind: account) AND day = '2026-09-15'"
                    ).run()
                    try await MetricChanges.raise(account, days: nil, on: connection)
                }
                other.versions = [
                    try await database.withConnection {
                        try await $0.raw("SELECT metrics_version FROM store_accounts WHERE id = \(bind: account)")
                            .first()!.decode(column: "metrics_version", as: Int64.self)
                    }
                ]
                #expect(Self.exact(try await store.rows(other, groupBy: nil, byDay: false)) == Self.exact(honest))
                #expect(try await store.uncachedRows(other, groupBy: nil, byDay: false) != honest)

                // A change that raised the version without saying which days: every unit again (September's
                // changed slices included).
                try await database.withTransaction { connection in
                    try await connection.raw(
                        "DELETE FROM metric_slices WHERE store_account_id = \(bind: account) AND day = '2026-09-01'"
                    ).run()
                    try await connection.raw(
                        "UPDATE store_accounts SET metrics_version = metrics_version + 1 WHERE id = \(bind: account)"
                    ).run()
                }
                try await Self.expectSameAnswers(store, account: account, database, "unrecorded change")

                // Purged, then one day comes again: nothing of the months before is left.
                let accounts = StoreAccountStore(database: database)
                _ = try await accounts.markAccessible(number: "1", now: Self.now)
                _ = try await accounts.revoke(number: "1", now: Self.now)
                #expect(
                    try await AccountPurge(database: database, archive: nil).purge(number: "1", now: Self.now) != nil)
                try await Self.ingest([ReportDate("2026-10-02")!], scale: 2, database, in: directory)
                try await Self.expectSameAnswers(store, account: account, database, "purged")
            }
        }
    }

    @Test("a range as whole months and single days, and the changes that touch each")
    func units() {
        let units = { (from: String, to: String) -> [String] in
            MetricsStore.units(ReportDate(from)!, ReportDate(to)!).map(\.name)
        }
        #expect(
            units("2025-10-30", "2026-02-02") == [
                "2025-10-30", "2025-10-31", "2025-11", "2025-12", "2026-01", "2026-02-01", "2026-02-02",
            ])
        #expect(units("2026-01-01", "2026-03-31") == ["2026-01", "2026-02", "2026-03"])
        #expect(units("2024-02-01", "2024-02-29") == ["2024-02"])
        #expect(units("2026-02-27", "2026-03-02") == ["2026-02-27", "2026-02-28", "2026-03-01", "2026-03-02"])
        #expect(units("2026-12-31", "2027-01-31") == ["2026-12-31", "2027-01"])
        let last = MetricsStore.units(ReportDate("2024-02-01")!, ReportDate("2024-02-29")!)[0].last
        #expect(last.isoText == "2024-02-29")
        let change = MetricChanges.Days(first: "2026-09-10", last: "2026-11-02")
        #expect(
            ["2026-08", "2026-09", "2026-11", "2026-12", "2026-09-09", "2026-09-10", "2026-11-02", "2026-11-03"].map {
                change.touches(unit: $0)
            } == [false, true, true, false, false, true, true, false])
    }
}
