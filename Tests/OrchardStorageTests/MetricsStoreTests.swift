import Foundation
import Logging
import OrchardCore
import OrchardTestSupport
import SQLKit
import SalesReports
import Testing

@testable import OrchardStorage

/// What the dashboard reads: slices equal to the reports' own totals, money converted
/// with each day's rate (and kept apart where there is none), gaps versus zeros, and the tenant
/// boundary.
@Suite("Metrics store")
struct MetricsStoreTests {
    static let now = Date(timeIntervalSince1970: 1_790_000_000)
    static let day = ReportDate(year: 2026, month: 10, day: 29)!

    /// USD 1.20 on the 29th (1.25 on the 28th); JPY only on the 28th (160); RUB last published in 2022.
    static let rates = """
        Date,USD,JPY,RUB,
        2026-10-29,1.2000,N/A,N/A,
        2026-10-28,1.2500,160,N/A,
        2022-03-01,1.1214,121.5,117.2842,

        """

    /// One day by hand: downloads with a refund in the US, a sale in Japan, one in Russia, an
    /// in-app purchase of the app in Germany on an iPad.
    static let rows = [
        SalesFileBuilder.row(
            sku: "app", type: "1", units: 10, proceeds: "0.70", price: "0.99", title: "App", day: day),
        SalesFileBuilder.row(sku: "app", type: "1", units: -2, proceeds: ".7", price: "-0.99", day: day),
        SalesFileBuilder.row(
            sku: "app", type: "1", units: 5, proceeds: "100", price: "160", currency: "JPY", country: "JP", day: day),
        SalesFileBuilder.row(
            sku: "app", type: "1", units: 1, proceeds: "50", price: "75", currency: "RUB", country: "RU", day: day),
        SalesFileBuilder.row(
            sku: "gems", type: "IA1", units: 3, proceeds: "1.40", price: "1.99", currency: "EUR", country: "DE",
            device: "iPad", parent: "app", day: day),
    ]

    /// Ingests the day's report (and an empty one the day after) for account "1" with the rates loaded.
    static func prepare(_ database: OrchardDatabase, in directory: URL) async throws -> Int64 {
        let ratesPath = directory.appendingPathComponent("rates.csv").path
        try rates.write(toFile: ratesPath, atomically: true, encoding: .utf8)
        try await FXRateStore(database: database).importECB(path: ratesPath)
        let ingestor = ReportIngestor(database: database, archive: nil, logger: TestLogging.logger)
        let path = try SalesFileBuilder.write(rows, day: day, in: directory)
        _ = try await ingestor.ingest(path: path, accountNumber: "1", now: now)
        let next = directory.appendingPathComponent("next")
        try FileManager.default.createDirectory(at: next, withIntermediateDirectories: true)
        let empty = try SalesFileBuilder.write([], day: day.adding(days: 1), in: next)
        _ = try await ingestor.ingest(path: empty, accountNumber: "1", now: now)
        return try await database.withConnection {
            try await $0.raw("SELECT id FROM store_accounts WHERE number = '1'").first()!.decode(
                column: "id", as: Int64.self)
        }
    }

    static func cents(_ micros: Double) -> String {
        String(format: "%.2f", (micros / 10_000).rounded(.toNearestOrEven) / 100)
    }

    @Test(
        "totals by hand: a refund, three currencies converted by their day's rate, one kept apart",
        arguments: TestBackend.available)
    func totalsByHand(backend: TestBackend) async throws {
        try await withMigrated(backend) { database in
            try await withTemporaryDirectory { directory in
                let account = try await Self.prepare(database, in: directory)
                let store = MetricsStore(database: database)
                let query = MetricsStore.Query(accountIDs: [account], from: Self.day, to: Self.day, currency: "USD")

                let usd = try await store.totals(query)

                // downloads 10 − 2 + 5 + 1; the refund's 2 units are returns
                #expect(usd.units[.downloads] == 14)
                #expect(usd.units[.inAppPurchases] == 3)
                #expect(usd.returns == 2)
                // USD 8 × 0.70 = 5.60 stays 5.60; JPY 500 / 160 × 1.20 = 3.75; EUR 3 × 1.40 = 4.20 × 1.20 = 5.04
                #expect(Self.cents(usd.proceeds) == "14.39")
                // USD 8 × 0.99 = 7.92; JPY 800 / 160 × 1.20 = 6.00; EUR 3 × 1.99 = 5.97 × 1.20 = 7.164
                #expect(Self.cents(usd.sales) == "21.08")
                // The rouble has no rate within 45 days: shown in roubles, never as 0 or dropped.
                #expect(usd.unconvertedProceeds == ["RUB": 50_000_000])
                #expect(usd.unconvertedSales == ["RUB": 75_000_000])
                // JPY used the 28th's rate (nearest earlier), USD the 29th's.
                #expect(usd.firstRateDay == "2026-10-28")
                #expect(usd.lastRateDay == "2026-10-29")

                var inEUR = query
                inEUR.currency = "EUR"
                let eur = try await store.totals(inEUR)
                // 5.60 / 1.20 + 500 / 160 + 4.20 = 4.666667 + 3.125 + 4.20
                #expect(Self.cents(eur.proceeds) == "11.99")

                var inJPY = query
                inJPY.currency = "JPY"
                let jpy = try await store.totals(inJPY)
                // 11.991667 EUR × 160 (the 28th's JPY rate applies on the 29th)
                #expect(Self.cents(jpy.proceeds) == "1918.67")
                #expect(jpy.firstRateDay == "2026-10-28")
            }
        }
    }

    @Test("every dimension adds up to the report's own totals; combined filters too", arguments: TestBackend.available)
    func dimensionsAddUp(backend: TestBackend) async throws {
        try await withMigrated(backend) { database in
            try await withTemporaryDirectory { directory in
                let account = try await Self.prepare(database, in: directory)
                let store = MetricsStore(database: database)
                let query = MetricsStore.Query(accountIDs: [account], from: Self.day, to: Self.day, currency: "EUR")
                let whole = try await store.totals(query)
                let summary = try SalesSummarizer.summarize(
                    paths: [try SalesFileBuilder.write(Self.rows, day: Self.day, in: directory, gzip: false)])
                #expect(whole.units[.downloads] == summary.units.downloads)
                #expect(whole.units[.inAppPurchases] == summary.units.inAppPurchases)
                #expect(whole.returns == summary.returns)

                for dimension in [MetricSlices.Dimension.app, .country, .device] {
                    let rows = try await store.rows(query, groupBy: dimension, byDay: false)
                    var sum = MetricsStore.Totals()
                    for row in rows { sum.add(row.totals) }
                    #expect(sum.units == whole.units, "\(dimension)")
                    #expect(Self.cents(sum.proceeds) == Self.cents(whole.proceeds), "\(dimension)")
                    #expect(sum.unconvertedProceeds == whole.unconvertedProceeds, "\(dimension)")
                }
                let countries = try await store.rows(query, groupBy: .country, byDay: false).map(\.key)
                #expect(countries == ["DE", "JP", "RU", "US"])

                // One filter reads the slices; two sum the rollups on the fly: same rules.
                var germany = query
                germany.country = "DE"
                #expect(try await store.totals(germany).units[.inAppPurchases] == 3)
                germany.app = "app"
                let both = try await store.totals(germany)
                #expect(both.units[.inAppPurchases] == 3)
                #expect(Self.cents(both.proceeds) == "4.20")
                germany.device = "iPhone"
                #expect(try await store.totals(germany).units[.inAppPurchases, default: 0] == 0)
            }
        }
    }

    @Test("a day not fetched is a gap, a day without sales is known", arguments: TestBackend.available)
    func gapsAndZeros(backend: TestBackend) async throws {
        try await withMigrated(backend) { database in
            try await withTemporaryDirectory { directory in
                let account = try await Self.prepare(database, in: directory)
                let store = MetricsStore(database: database)
                let from = Self.day.adding(days: -1)
                let to = Self.day.adding(days: 1)

                let coverage = try await store.coverage(accountIDs: [account], from: from, to: to)
                let rows = try await store.rows(
                    .init(accountIDs: [account], from: from, to: to), groupBy: nil, byDay: true)

                #expect(rows.map(\.day) == ["2026-10-29"])
                #expect(!coverage.isKnown("2026-10-28"))
                #expect(coverage.isKnown("2026-10-29"))
                #expect(coverage.isKnown("2026-10-30"))
                #expect(!coverage.isComplete)
                #expect(coverage.completeThrough == nil)
                let later = try await store.coverage(accountIDs: [account], from: Self.day, to: to.adding(days: 3))
                #expect(later.completeThrough == to)
                let whole = try await store.coverage(accountIDs: [account], from: Self.day, to: to)
                #expect(whole.isComplete)
                #expect(whole.completeThrough == to)
            }
        }
    }

    @Test(
        "the dashboard converts with a rate 45 days old, and keeps apart money whose rate is 46 days old",
        arguments: TestBackend.available)
    func maximumRateAge(backend: TestBackend) async throws {
        try await withMigrated(backend) { database in
            try await withTemporaryDirectory { directory in
                // given: a day's sales in GBP (last rate 45 days before) and CHF (last rate 46 days before)
                let gbpDay = Self.day.adding(days: -45)
                let chfDay = Self.day.adding(days: -46)
                let path = directory.appendingPathComponent("rates.csv").path
                try """
                Date,USD,GBP,CHF
                \(Self.day.isoText),1.2000,N/A,N/A
                \(gbpDay.isoText),1.1000,0.8000,N/A
                \(chfDay.isoText),1.1000,N/A,0.9500

                """.write(toFile: path, atomically: true, encoding: .utf8)
                try await FXRateStore(database: database).importECB(path: path)
                let rows = [
                    SalesFileBuilder.row(
                        sku: "app", type: "1", units: 1, proceeds: "10", currency: "GBP", country: "GB", day: Self.day),
                    SalesFileBuilder.row(
                        sku: "app", type: "1", units: 1, proceeds: "20", currency: "CHF", country: "CH", day: Self.day),
                ]
                let ingestor = ReportIngestor(database: database, archive: nil, logger: TestLogging.logger)
                _ = try await ingestor.ingest(
                    path: try SalesFileBuilder.write(rows, day: Self.day, in: directory), accountNumber: "1",
                    now: Self.now)
                let account = try await database.withConnection {
                    try await $0.raw("SELECT id FROM store_accounts WHERE number = '1'").first()!.decode(
                        column: "id", as: Int64.self)
                }

                // when
                let usd = try await MetricsStore(database: database).totals(
                    .init(accountIDs: [account], from: Self.day, to: Self.day, currency: "USD"))

                // then: 10 GBP / 0.80 × 1.20 = 15.00 USD with the GBP rate of 45 days before; the francs stay francs
                #expect(Self.cents(usd.proceeds) == "15.00")
                #expect(usd.unconvertedProceeds == ["CHF": 20_000_000])
                #expect(usd.firstRateDay == gbpDay.isoText)
            }
        }
    }

    @Test("exchange rates imported later re-convert the days they cover", arguments: TestBackend.available)
    func laterRates(backend: TestBackend) async throws {
        try await withMigrated(backend) { database in
            try await withTemporaryDirectory { directory in
                let account = try await Self.prepare(database, in: directory)
                let store = MetricsStore(database: database)
                let query = MetricsStore.Query(accountIDs: [account], from: Self.day, to: Self.day, currency: "USD")
                #expect(try await store.totals(query).unconvertedProceeds == ["RUB": 50_000_000])

                let path = directory.appendingPathComponent("rub.csv").path
                try "Date,USD,RUB\n2026-10-29,1.2000,100\n".write(toFile: path, atomically: true, encoding: .utf8)
                try await FXRateStore(database: database).importECB(path: path)

                // 50 RUB / 100 × 1.20 = 0.60 more
                let after = try await store.totals(query)
                #expect(after.unconvertedProceeds.isEmpty)
                #expect(Self.cents(after.proceeds) == "14.99")
            }
        }
    }

    @Test(
        "only active integrations, and removed ones in their retention, are readable", arguments: TestBackend.available)
    func tenantBoundary(backend: TestBackend) async throws {
        try await withMigrated(backend) { database in
            try await withTemporaryDirectory { directory in
                _ = try await Self.prepare(database, in: directory)
                let users = UserStore(database: database)
                let integrations = IntegrationStore(database: database)
                let accounts = StoreAccountStore(database: database)
                let store = MetricsStore(database: database)
                let owner = try await users.insert(
                    email: "owner@example.com", passwordHash: "x", role: .operator, now: Self.now)
                let stranger = try await users.insert(
                    email: "other@example.com", passwordHash: "x", role: .member, now: Self.now)
                _ = try await accounts.register(number: "2", name: "Other", vendors: [], now: Self.now)
                _ = try await integrations.create(userID: owner.id, accountNumber: "1", now: Self.now)
                _ = try await integrations.create(userID: stranger.id, accountNumber: "2", now: Self.now)

                #expect(try await store.visibleAccounts(userID: owner.id).isEmpty)  // pending
                _ = try await accounts.markAccessible(number: "1", now: Self.now)
                try await integrations.apply(.serviceSeesAccount, accountNumber: "1", reason: nil, now: Self.now)
                #expect(try await store.visibleAccounts(userID: owner.id).map(\.number) == ["1"])
                #expect(try await store.visibleAccounts(userID: stranger.id).isEmpty)

                _ = try await accounts.revoke(number: "1", now: Self.now)
                try await integrations.apply(.serviceLostAccess, accountNumber: "1", reason: "gone", now: Self.now)
                let removed = try await store.visibleAccounts(userID: owner.id)
                #expect(removed.map(\.status) == [.removed])

                _ = try await AccountPurge(database: database, archive: nil).purge(number: "1", now: Self.now)
                #expect(try await store.visibleAccounts(userID: owner.id).isEmpty)
                let slices = try await database.withConnection {
                    try await $0.raw("SELECT COUNT(*) AS n FROM metric_slices").first()!.decode(
                        column: "n", as: Int.self)
                }
                #expect(slices == 0)
            }
        }
    }

    /// Every slice row of every table, as text, in the grain's order.
    static func sliceRows(_ database: OrchardDatabase) async throws -> [String] {
        try await database.withConnection { connection in
            var rows: [String] = []
            for (table, columns) in [
                ("metric_slices", OwnSlices.metricColumns), ("product_slices", OwnSlices.productColumns),
            ] {
                let text = columns.map { "COALESCE(CAST(\($0) AS TEXT), 'NULL')" }.joined(separator: " || '|' || ")
                rows += try await connection.raw(
                    SQLQueryString("SELECT \(unsafeRaw: text) AS row FROM \(unsafeRaw: table) ORDER BY 1")
                ).all().map { try "\(table) " + $0.decode(column: "row", as: String.self) }
            }
            return rows
        }
    }

    @Test(
        "slices added up from a report's own rows equal the slices the database groups from the rollups",
        arguments: TestBackend.available)
    func ownSlicesEqualRebuild(backend: TestBackend) async throws {
        try await withMigrated(backend) { database in
            try await withTemporaryDirectory { directory in
                let ratesPath = directory.appendingPathComponent("rates.csv").path
                try Self.rates.write(toFile: ratesPath, atomically: true, encoding: .utf8)
                try await FXRateStore(database: database).importECB(path: ratesPath)
                let logs = CapturedLogs()
                var logger = logs.logger
                logger.logLevel = .debug
                let ingestor = ReportIngestor(database: database, archive: nil, logger: logger)
                // Two days in two reports: converted, kept apart (RUB), an earlier day's rate (JPY on the
                // 29th), in-app purchases in two currencies that both become euros, a restore, a refund.
                let extra = [
                    SalesFileBuilder.row(
                        sku: "gems", type: "IA1", units: 2, proceeds: "0.70", price: "0.99", country: "US",
                        parent: "app", day: Self.day),
                    SalesFileBuilder.row(
                        sku: "gems", type: "IA1", units: -1, proceeds: "0.70", price: "0.99", country: "US",
                        parent: "app", day: Self.day),
                    SalesFileBuilder.row(
                        sku: "pro", type: "IA3", units: 4, currency: "JPY", country: "JP", parent: "app", day: Self.day),
                    SalesFileBuilder.row(
                        sku: "other", type: "1F", units: 7, proceeds: "3.33", price: "4.99", country: "GB",
                        device: "Mac", day: Self.day),
                ]
                for (offset, rows) in [(0, Self.rows + extra), (-1, Self.rows)] {
                    let day = Self.day.adding(days: offset)
                    let folder = directory.appendingPathComponent("day\(offset)")
                    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                    let moved = rows.map { row in
                        var row = row
                        row.beginDate = day
                        row.endDate = day
                        return row
                    }
                    let path = try SalesFileBuilder.write(moved, day: day, in: folder)
                    _ = try await ingestor.ingest(path: path, accountNumber: "1", now: Self.now)
                }
                #expect(logs.text.components(separatedBy: "\"slicedFromRows\": 1").count == 3, "\(logs.text)")
                let own = try await Self.sliceRows(database)
                #expect(own.count > 20)

                let account = try await database.withConnection {
                    try await $0.raw("SELECT id FROM store_accounts WHERE number = '1'").first()!.decode(
                        column: "id", as: Int64.self)
                }
                try await MetricSlices.rebuildAll(accountID: account, database: database)
                try await database.withTransaction {
                    try await MetricSlices.rebuildProducts(accountID: account, days: nil, on: $0)
                }
                let rebuilt = try await Self.sliceRows(database)
                #expect(own == rebuilt)
            }
        }
    }

    @Test(
        "a session or token reads its user and exactly the accounts visibleAccounts gives, in one query",
        arguments: TestBackend.available)
    func viewerReadsTheTenantBoundary(backend: TestBackend) async throws {
        try await withMigrated(backend) { database in
            let users = UserStore(database: database)
            let integrations = IntegrationStore(database: database)
            let accounts = StoreAccountStore(database: database)
            let sessions = SessionStore(database: database)
            let store = MetricsStore(database: database)
            let owner = try await users.insert(
                email: "owner@example.com", passwordHash: "x", role: .member, now: Self.now)
            let lonely = try await users.insert(
                email: "none@example.com", passwordHash: "x", role: .member, now: Self.now)
            for number in ["3", "1", "2", "4"] {
                _ = try await accounts.register(number: number, name: "Account \(number)", vendors: [], now: Self.now)
                _ = try await integrations.create(userID: owner.id, accountNumber: number, now: Self.now)
            }
            for number in ["1", "2", "3"] {
                _ = try await accounts.markAccessible(number: number, now: Self.now)
                try await integrations.apply(.serviceSeesAccount, accountNumber: number, reason: nil, now: Self.now)
            }
            // 2 removed inside its retention (readable), 3 purged (not), 4 still pending (not)
            _ = try await accounts.revoke(number: "2", now: Self.now)
            try await integrations.apply(.serviceLostAccess, accountNumber: "2", reason: "gone", now: Self.now)
            _ = try await accounts.revoke(number: "3", now: Self.now)
            try await integrations.apply(.serviceLostAccess, accountNumber: "3", reason: "gone", now: Self.now)
            _ = try await AccountPurge(database: database, archive: nil).purge(number: "3", now: Self.now)

            let expected = try await store.visibleAccounts(userID: owner.id)
            #expect(expected.map(\.number) == ["1", "2"])
            #expect(expected.map(\.status) == [.active, .removed])
            let session = try await sessions.start(userID: owner.id, now: Self.now, lifetime: 3_600)
            let bySession = try #require(try await sessions.viewer(session: session, now: Self.now))
            #expect(bySession.user.id == owner.id)
            #expect(bySession.readable == expected)
            let (_, token) = try await sessions.issueToken(userID: owner.id, name: "script", now: Self.now)
            let byToken = try #require(try await sessions.viewer(apiToken: token, sliding: 3_600, now: Self.now))
            #expect(byToken.user.email == "owner@example.com")
            #expect(byToken.readable == expected)

            let none = try await sessions.start(userID: lonely.id, now: Self.now, lifetime: 3_600)
            let empty = try #require(try await sessions.viewer(session: none, now: Self.now))
            #expect(empty.user.id == lonely.id)
            #expect(empty.readable.isEmpty)
            #expect(try await sessions.viewer(session: "not a session", now: Self.now) == nil)
            #expect(try await sessions.viewer(session: session, now: Self.now.addingTimeInterval(7_200)) == nil)
        }
    }
}
