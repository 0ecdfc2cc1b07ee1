import Foundation
import OrchardCore
import OrchardTestSupport
import SQLKit
import SalesReports
import Testing

@testable import OrchardStorage

@Suite("Report ingestion")
struct IngestionTests {
    static let day = ReportDate(year: 2023, month: 7, day: 18)!
    static let now = Date(timeIntervalSince1970: 1_700_000_000)

    /// One app with downloads, re-downloads, updates, an IAP with a refund, in two currencies.
    static func rows(iapUnits: Int64 = 3) -> [SalesRow] {
        [
            SalesFileBuilder.row(
                sku: "app.one", type: "1", units: 10, currency: "", customerCurrency: "USD", appleIdentifier: "111",
                title: "App One", day: day),
            SalesFileBuilder.row(
                sku: "app.one", type: "3", units: 5, appleIdentifier: "111", title: "App One", day: day),
            SalesFileBuilder.row(
                sku: "app.one", type: "7", units: 7, currency: "EUR", country: "DE", device: "iPad",
                appleIdentifier: "111",
                title: "App One", day: day),
            SalesFileBuilder.row(
                sku: "coins.100", type: "IA1", units: iapUnits, proceeds: "0.69", price: "0.99", parent: "app.one",
                appleIdentifier: "999", title: "100 Coins", day: day),
            SalesFileBuilder.row(
                sku: "coins.100", type: "IA1", units: -1, proceeds: "0.69", price: "0.99", parent: "app.one",
                appleIdentifier: "999", title: "100 Coins", day: day),
            SalesFileBuilder.row(
                sku: "pro.yearly", type: "IAY", units: 2, proceeds: "20.99", price: "29.99", currency: "EUR",
                country: "FR", parent: "app.one", title: "Pro", day: day),
        ]
    }

    func ingestor(_ database: OrchardDatabase, raw: URL) -> ReportIngestor {
        ReportIngestor(
            database: database, archive: .directory(RawReportStore(directory: raw)), logger: TestLogging.logger)
    }

    @Test("a daily report becomes facts, apps, rollups and a ledger row", arguments: TestBackend.available)
    func ingest(backend: TestBackend) async throws {
        try await withMigrated(backend) { database in
            try await withTemporaryDirectory { directory in
                // given
                let path = try SalesFileBuilder.write(Self.rows(), day: Self.day, in: directory)

                // when
                let result = try await ingestor(database, raw: directory.appendingPathComponent("raw")).ingest(
                    path: path, accountNumber: "2821955", now: Self.now)

                // then
                #expect(result.outcome == .ingested(rows: 6))
                #expect(result.days == [Self.day])
                #expect(result.identity.vendor == "85442109")
                #expect(result.identity.frequency == .daily)
                let totals = try await DailyRollups.totals(
                    accountNumber: "2821955", from: isoDay("2023-07-18"), to: isoDay("2023-07-18"), database: database)
                #expect(totals.units[.downloads] == 10)
                #expect(totals.units[.redownloads] == 5)
                #expect(totals.units[.updates] == 7)
                #expect(totals.units[.inAppPurchases] == 4)
                #expect(totals.returns == 1)
                #expect(totals.proceeds == ["USD": 1_380_000, "EUR": 41_980_000])
                #expect(totals.sales == ["USD": 1_980_000, "EUR": 59_980_000])
                let ledger = try await ReportLedger(database: database).entries(accountNumber: "2821955")
                #expect(ledger.map(\.state) == [.fetched])
                #expect(ledger.first?.rowCount == 6)
                let sha = try #require(ledger.first?.sha256)
                #expect(
                    FileManager.default.fileExists(
                        atPath: RawReportStore(directory: directory.appendingPathComponent("raw")).path(sha256: sha)))
                let apps = try await database.withConnection { connection in
                    try await connection.raw("SELECT sku, apple_identifier, title FROM apps ORDER BY sku").all().map {
                        [
                            try $0.decode(column: "sku", as: String.self),
                            try $0.decode(column: "title", as: String?.self) ?? "-",
                        ]
                    }
                }
                #expect(apps == [["app.one", "App One"]])
            }
        }
    }

    @Test("rollups agree with SalesReports' own summary of the same file", arguments: TestBackend.available)
    func agreesWithSummary(backend: TestBackend) async throws {
        try await withMigrated(backend) { database in
            try await withTemporaryDirectory { directory in
                let path = try SalesFileBuilder.write(Self.rows(iapUnits: 41), day: Self.day, in: directory)
                _ = try await ingestor(database, raw: directory).ingest(path: path, accountNumber: "1", now: Self.now)
                let summary = try SalesSummarizer.summarize(paths: [path])
                let totals = try await DailyRollups.totals(
                    accountNumber: "1", from: isoDay("2000-01-01"), to: isoDay("2100-01-01"), database: database)
                #expect(totals.units[.downloads] == summary.units.downloads)
                #expect(totals.units[.inAppPurchases] == summary.units.inAppPurchases)
                #expect(totals.returns == summary.returns)
                #expect(totals.proceeds == summary.proceeds.mapValues(\.millionths))
                #expect(totals.sales == summary.sales.mapValues(\.millionths))
            }
        }
    }

    @Test("the same file twice changes nothing; a corrected one replaces it", arguments: TestBackend.available)
    func idempotentAndRestated(backend: TestBackend) async throws {
        try await withMigrated(backend) { database in
            try await withTemporaryDirectory { directory in
                // given
                let ingest = ingestor(database, raw: directory.appendingPathComponent("raw"))
                let path = try SalesFileBuilder.write(Self.rows(), day: Self.day, in: directory)
                _ = try await ingest.ingest(path: path, accountNumber: "1", now: Self.now)

                // when
                let again = try await ingest.ingest(path: path, accountNumber: "1", now: Self.now)
                let corrected = try SalesFileBuilder.write(Self.rows(iapUnits: 30), day: Self.day, in: directory)
                let restated = try await ingest.ingest(path: corrected, accountNumber: "1", now: Self.now)

                // then
                #expect(again.outcome == .unchanged)
                #expect(restated.outcome == .restated(rows: 6))
                let totals = try await DailyRollups.totals(
                    accountNumber: "1", from: isoDay("2023-07-18"), to: isoDay("2023-07-18"), database: database)
                #expect(totals.units[.inAppPurchases] == 31)
                let facts = try await database.withConnection {
                    try await $0.raw("SELECT COUNT(*) AS n FROM sales_facts").first()!.decode(column: "n", as: Int.self)
                }
                #expect(facts == 6)
                let ledger = try await ReportLedger(database: database).entries(accountNumber: "1")
                #expect(ledger.map(\.state) == [.restated])
            }
        }
    }

    @Test("a file that fails half-way leaves the previous state", arguments: TestBackend.available)
    func failureKeepsPreviousState(backend: TestBackend) async throws {
        try await withMigrated(backend) { database in
            try await withTemporaryDirectory { directory in
                // given
                let ingest = ingestor(database, raw: directory.appendingPathComponent("raw"))
                let path = try SalesFileBuilder.write(Self.rows(), day: Self.day, in: directory, gzip: false)
                _ = try await ingest.ingest(path: path, accountNumber: "1", now: Self.now)
                let before = try await DailyRollups.totals(
                    accountNumber: "1", from: isoDay("2023-07-18"), to: isoDay("2023-07-18"), database: database)

                // when: the same report, its fifth line broken after four good rows
                var lines = try String(contentsOfFile: path, encoding: .utf8).split(
                    separator: "\n", omittingEmptySubsequences: false)
                let refund = try #require(lines.firstIndex { $0.contains("\t-1\t") })
                #expect(refund > 2)
                lines[refund] = lines[refund].replacingOccurrences(of: "\t-1\t", with: "\tminus one\t")[...]
                try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
                await #expect(throws: ReportError.self) {
                    try await ingest.ingest(path: path, accountNumber: "1", now: Self.now)
                }

                // then
                let after = try await DailyRollups.totals(
                    accountNumber: "1", from: isoDay("2023-07-18"), to: isoDay("2023-07-18"), database: database)
                #expect(after == before)
                let facts = try await database.withConnection {
                    try await $0.raw("SELECT COUNT(*) AS n FROM sales_facts").first()!.decode(column: "n", as: Int.self)
                }
                #expect(facts == 6)
            }
        }
    }

    @Test(
        "an empty daily report is a real zero; weekly reports do not feed the daily rollups",
        arguments: TestBackend.available)
    func emptyAndWeekly(backend: TestBackend) async throws {
        try await withMigrated(backend) { database in
            try await withTemporaryDirectory { directory in
                let ingest = ingestor(database, raw: directory)
                let empty = try SalesFileBuilder.write([], day: Self.day, in: directory)
                let emptyResult = try await ingest.ingest(path: empty, accountNumber: "1", now: Self.now)
                #expect(emptyResult.outcome == .ingested(rows: 0))
                let sunday = ReportDate(year: 2023, month: 7, day: 23)!
                let weekRows = Self.rows().map { row -> SalesRow in
                    var row = row
                    row.beginDate = ReportDate(year: 2023, month: 7, day: 17)!
                    row.endDate = sunday
                    return row
                }
                let weekly = try SalesFileBuilder.write(weekRows, day: sunday, frequency: "W", in: directory)
                let weeklyResult = try await ingest.ingest(path: weekly, accountNumber: "1", now: Self.now)
                #expect(weeklyResult.identity.frequency == .weekly)
                #expect(weeklyResult.days.isEmpty)
                let totals = try await DailyRollups.totals(
                    accountNumber: "1", from: isoDay("2023-07-01"), to: isoDay("2023-07-31"), database: database)
                #expect(totals.units.values.allSatisfy { $0 == 0 })
                let states = try await ReportLedger(database: database).entries(accountNumber: "1").map(\.state)
                // by report date: the weekly report starts on Monday 07-17, the empty daily one is 07-18
                #expect(states == [.fetched, .empty])
            }
        }
    }

    @Test("reparse rebuilds a report from its stored raw file", arguments: TestBackend.available)
    func reparse(backend: TestBackend) async throws {
        try await withMigrated(backend) { database in
            try await withTemporaryDirectory { directory in
                // given: an ingested report whose derived rows were lost
                let raw = RawReportStore(directory: directory.appendingPathComponent("raw"))
                let path = try SalesFileBuilder.write(Self.rows(), day: Self.day, in: directory)
                let ingest = ReportIngestor(database: database, archive: .directory(raw), logger: TestLogging.logger)
                _ = try await ingest.ingest(path: path, accountNumber: "1", now: Self.now)
                try FileManager.default.removeItem(atPath: path)
                try await database.withConnection { try await $0.raw("DELETE FROM daily_rollups").run() }

                // when
                let stored = try await ReportLedger(database: database).allWithFiles(accountNumber: "1")
                let entry = try #require(stored.first)
                let result = try await ReportIngestor(database: database, archive: nil, logger: TestLogging.logger)
                    .reparse(path: raw.path(sha256: entry.sha256), identity: entry.identity, now: Self.now)

                // then
                #expect(stored.count == 1)
                #expect(result.outcome == .ingested(rows: 6))
                let totals = try await DailyRollups.totals(
                    accountNumber: "1", from: isoDay("2023-07-18"), to: isoDay("2023-07-18"), database: database)
                #expect(totals.units[.downloads] == 10)
            }
        }
    }

    @Test("a financial report is recorded by its fiscal start date")
    func financialIdentity() async throws {
        try await withMigrated(.sqlite) { database in
            try await withTemporaryDirectory { directory in
                let writer = try ReportWriter(path: directory.appendingPathComponent("fin.txt").path, kind: .financial)
                var values = Array(repeating: "", count: writer.columns.count)
                for (name, value) in [
                    ("Start Date", "09/29/2024"), ("End Date", "10/26/2024"), ("Vendor Identifier", "app.sku"),
                    ("Quantity", "3"), ("Partner Share", "0.70"),
                    ("Extended Partner Share", "2.10"), ("Partner Share Currency", "USD"), ("Sales or Return", "S"),
                    ("Apple Identifier", "1"), ("Title", "App"), ("Product Type Identifier", "1"),
                    ("Country Of Sale", "US"),
                    ("Customer Price", "0.99"), ("Customer Currency", "USD"),
                ] {
                    if let index = writer.columns.firstIndex(of: name) { values[index] = value }
                }
                try writer.write(values: values)
                _ = try writer.finish()
                let result = try await ReportIngestor(database: database, archive: nil, logger: TestLogging.logger)
                    .ingest(path: directory.appendingPathComponent("fin.txt").path, accountNumber: "1", now: Self.now)
                #expect(result.identity.type == .financial)
                #expect(result.identity.frequency == .fiscal)
                #expect(result.identity.date == isoDay("2024-09-29"))
                #expect(result.outcome == .ingested(rows: 1))
                #expect(result.days.isEmpty)
            }
        }
    }

    @Test("two vendors' reports of one day add up in the rollups", arguments: TestBackend.available)
    func twoVendorsOneDay(backend: TestBackend) async throws {
        try await withMigrated(backend) { database in
            try await withTemporaryDirectory { directory in
                // given
                let ingest = ingestor(database, raw: directory.appendingPathComponent("raw"))
                let first = try SalesFileBuilder.write(Self.rows(), vendor: "111", day: Self.day, in: directory)
                let second = try SalesFileBuilder.write(
                    Self.rows(iapUnits: 10), vendor: "222", day: Self.day, in: directory)

                // when
                _ = try await ingest.ingest(path: first, accountNumber: "1", now: Self.now)
                _ = try await ingest.ingest(path: second, accountNumber: "1", now: Self.now)
                // and the first one again, corrected: its share is replaced, the other's kept
                let corrected = try SalesFileBuilder.write(
                    Self.rows(iapUnits: 5), vendor: "111", day: Self.day, in: directory)
                _ = try await ingest.ingest(path: corrected, accountNumber: "1", now: Self.now)

                // then
                let totals = try await DailyRollups.totals(
                    accountNumber: "1", from: isoDay("2023-07-18"), to: isoDay("2023-07-18"), database: database)
                #expect(totals.units[.downloads] == 20)
                // IAP units: (5 - 1 + 2) from the first vendor, (10 - 1 + 2) from the second.
                let inAppPurchases: Int64 = 17
                #expect(totals.units[.inAppPurchases] == inAppPurchases)
                // USD proceeds: 4 + 9 net coin purchases at 0.69.
                let usd: Int128 = 8_970_000
                #expect(totals.proceeds["USD"] == usd)
            }
        }
    }

    @Test("file names are read as Apple writes them")
    func fileNames() {
        #expect(
            ReportIdentity.parseFileName("/x/S_D_85442109_20230718.txt.gz")
                == .init(vendor: "85442109", frequency: .daily, date: isoDay("2023-07-18"), version: nil))
        #expect(ReportIdentity.parseFileName("S_M_1_202307.txt").date == isoDay("2023-07-01"))
        #expect(ReportIdentity.parseFileName("S_W_1_20230723.txt").date == isoDay("2023-07-17"))
        #expect(ReportIdentity.parseFileName("Subscription_1_20230718_V1_3.txt.gz").version == "1_3")
        #expect(ReportIdentity.parseFileName("report.txt") == .init())
    }
}

/// A day written `YYYY-MM-DD`.
func isoDay(_ text: String) -> ReportDate { ReportDate(text)! }
