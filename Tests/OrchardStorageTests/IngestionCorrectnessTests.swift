import Foundation
import OrchardTestSupport
import SQLKit
import SalesReports
import Synchronization
import Testing

@testable import OrchardStorage

/// Money to the cent and ingestion under faults: refunds as Apple writes them, totals
/// past Int64, reparse, one report under two names, failures after a batch was written, and the
/// ingestion entry point with a known identity.
@Suite("Ingestion correctness")
struct IngestionCorrectnessTests {
    static let now = Date(timeIntervalSince1970: 1_700_000_000)
    static let day = ReportDate(year: 2023, month: 7, day: 18)!

    static func ingestor(_ database: OrchardDatabase, raw: URL?) -> ReportIngestor {
        ReportIngestor(
            database: database, archive: raw.map { .directory(RawReportStore(directory: $0)) },
            logger: TestLogging.logger)
    }

    static func count(_ table: String, in database: OrchardDatabase) async throws -> Int {
        try await database.withConnection {
            try await $0.raw("SELECT COUNT(*) AS n FROM \(unsafeRaw: table)").first()!.decode(column: "n", as: Int.self)
        }
    }

    @Test("a refund as Apple writes it reduces sales and proceeds", arguments: TestBackend.available)
    func refundsReduceMoney(backend: TestBackend) async throws {
        try await withMigrated(backend) { database in
            try await withTemporaryDirectory { directory in
                // given: Apple's sample refund: Units -50, Developer Proceeds .7, Customer Price -0.99
                let rows = [
                    SalesFileBuilder.row(
                        sku: "app", type: "1F", units: 100, proceeds: "0.70", price: "0.99", day: Self.day),
                    SalesFileBuilder.row(
                        sku: "app", type: "1F", units: -50, proceeds: ".7", price: "-0.99", day: Self.day),
                ]
                let path = try SalesFileBuilder.write(rows, day: Self.day, in: directory)

                // when
                _ = try await Self.ingestor(database, raw: nil).ingest(path: path, accountNumber: "1", now: Self.now)

                // then: 100 × 0.99 − 50 × 0.99 = 49.50; 100 × 0.70 − 50 × 0.70 = 35.00
                let totals = try await DailyRollups.totals(
                    accountNumber: "1", from: Self.day, to: Self.day, database: database)
                #expect(totals.sales == ["USD": 49_500_000])
                #expect(totals.proceeds == ["USD": 35_000_000])
                #expect(totals.units[.downloads] == 50)
                #expect(totals.returns == 50)
                let summary = try SalesSummarizer.summarize(paths: [path])
                #expect(totals.sales == summary.sales.mapValues(\.millionths))
                #expect(totals.proceeds == summary.proceeds.mapValues(\.millionths))
            }
        }
    }

    @Test(
        "a refund is negative whichever sign its Developer Proceeds are written with",
        arguments: TestBackend.available)
    func refundProceedsOfEitherSign(backend: TestBackend) async throws {
        try await withMigrated(backend) { database in
            try await withTemporaryDirectory { directory in
                // given: a refund of one unit at 0.70 with its proceeds written negative, one written positive
                let rows = [
                    SalesFileBuilder.row(
                        sku: "minus", type: "1", units: -1, proceeds: "-0.70", price: "-0.99", day: Self.day),
                    SalesFileBuilder.row(
                        sku: "plus", type: "1", units: -1, proceeds: "0.70", price: "-0.99", day: Self.day),
                ]
                let path = try SalesFileBuilder.write(rows, day: Self.day, in: directory)

                // when
                _ = try await Self.ingestor(database, raw: nil).ingest(path: path, accountNumber: "1", now: Self.now)

                // then: −0.70 each, in the facts, the rollups and `orchard summarize`
                let facts = try await database.withConnection { connection in
                    try await connection.raw("SELECT app_sku, proceeds_micros FROM sales_facts ORDER BY app_sku")
                        .all().map {
                            [
                                try $0.decode(column: "app_sku", as: String.self):
                                    try $0.decode(column: "proceeds_micros", as: Int64.self)
                            ]
                        }
                }
                #expect(facts == [["minus": -700_000], ["plus": -700_000]])
                let totals = try await DailyRollups.totals(
                    accountNumber: "1", from: Self.day, to: Self.day, database: database)
                #expect(totals.proceeds == ["USD": -1_400_000])
                #expect(totals.sales == ["USD": -1_980_000])
                #expect(totals.returns == 2)
                let summary = try SalesSummarizer.summarize(paths: [path])
                #expect(summary.proceeds == ["USD": DecimalAmount("-1.40")!])
                #expect(
                    summary.apps.map(\.proceeds) == [
                        ["USD": DecimalAmount("-0.70")!], ["USD": DecimalAmount("-0.70")!],
                    ])
            }
        }
    }

    @Test("totals over a range past Int64 are exact", arguments: TestBackend.available)
    func totalsPastInt64(backend: TestBackend) async throws {
        try await withMigrated(backend) { database in
            try await withTemporaryDirectory { directory in
                // given: three days, each 3,000 units at 3,000,000,000 VND: 9e12 VND a day, 2.7e13 in all,
                // that is 9e18 millionths a day (fits) and 2.7e19 over the range (does not fit Int64)
                let days = (18...20).map { ReportDate(year: 2023, month: 7, day: $0)! }
                let ingest = Self.ingestor(database, raw: nil)
                for day in days {
                    let rows = [
                        SalesFileBuilder.row(
                            sku: "app", type: "IA1", units: 3_000, proceeds: "3000000000", price: "3000000000",
                            currency: "VND", country: "VN", parent: "app", day: day)
                    ]
                    let path = try SalesFileBuilder.write(rows, day: day, in: directory)
                    _ = try await ingest.ingest(path: path, accountNumber: "1", now: Self.now)
                }

                // when
                let totals = try await DailyRollups.totals(
                    accountNumber: "1", from: days[0], to: days[2], database: database)

                // then
                let expected: Int128 = 3 * 3_000 * 3_000_000_000 * 1_000_000
                #expect(expected > Int128(Int64.max))
                #expect(totals.sales == ["VND": expected])
                #expect(totals.proceeds == ["VND": expected])
                #expect(totals.units[.inAppPurchases] == 9_000)
            }
        }
    }

    @Test("a row whose money does not fit is a clear error and nothing is stored", arguments: TestBackend.available)
    func rowMoneyOutOfRange(backend: TestBackend) async throws {
        try await withMigrated(backend) { database in
            try await withTemporaryDirectory { directory in
                // given: 10,000,000 units at 999,999,999,999 VND
                let rows = [
                    SalesFileBuilder.row(
                        sku: "app", type: "IA1", units: 10_000_000, proceeds: "1", price: "999999999999",
                        currency: "VND", parent: "app", day: Self.day)
                ]
                let path = try SalesFileBuilder.write(rows, day: Self.day, in: directory)

                // when
                let error = await #expect(throws: (any Error).self) {
                    try await Self.ingestor(database, raw: nil).ingest(path: path, accountNumber: "1", now: Self.now)
                }

                // then
                #expect("\(error!)".hasSuffix(":2: an amount is too large to store exactly"))
                #expect(try await Self.count("sales_facts", in: database) == 0)
                #expect(try await Self.count("report_ledger", in: database) == 0)
            }
        }
    }

    @Test("units past 32 bits fall back to grouping in SQL, exactly", arguments: TestBackend.available)
    func hugeUnits(backend: TestBackend) async throws {
        try await withMigrated(backend) { database in
            try await withTemporaryDirectory { directory in
                // given: a refund of Int32.min units next to a sale of more than Int32.max units
                let rows = [
                    SalesFileBuilder.row(sku: "app", type: "1", units: -2_147_483_648, day: Self.day),
                    SalesFileBuilder.row(sku: "app", type: "1", units: 3_000_000_000, country: "DE", day: Self.day),
                ]
                let path = try SalesFileBuilder.write(rows, day: Self.day, in: directory)

                // when
                _ = try await Self.ingestor(database, raw: nil).ingest(path: path, accountNumber: "1", now: Self.now)

                // then
                let totals = try await DailyRollups.totals(
                    accountNumber: "1", from: Self.day, to: Self.day, database: database)
                #expect(totals.units[.downloads] == 852_516_352)
                #expect(totals.returns == 2_147_483_648)
            }
        }
    }

    @Test("a daily report with rows of two days is refused", arguments: TestBackend.available)
    func dailyReportOfTwoDays(backend: TestBackend) async throws {
        try await withMigrated(backend) { database in
            try await withTemporaryDirectory { directory in
                // given
                let next = ReportDate(year: 2023, month: 7, day: 19)!
                let rows = [
                    SalesFileBuilder.row(sku: "app", type: "1", units: 1, day: Self.day),
                    SalesFileBuilder.row(sku: "app", type: "1", units: 1, day: next),
                ]
                let path = try SalesFileBuilder.write(rows, day: Self.day, in: directory)

                // when
                let error = await #expect(throws: ReportIngestor.Failure.self) {
                    try await Self.ingestor(database, raw: nil).ingest(path: path, accountNumber: "1", now: Self.now)
                }

                // then
                #expect("\(error!)".contains("rows for 2 days"))
                #expect(try await Self.count("sales_facts", in: database) == 0)
            }
        }
    }

    @Test("reparse rebuilds altered facts and rollups from the raw file", arguments: TestBackend.available)
    func reparseRepairsFacts(backend: TestBackend) async throws {
        try await withMigrated(backend) { database in
            try await withTemporaryDirectory { directory in
                // given: an ingested report whose stored facts were altered
                let raw = directory.appendingPathComponent("raw")
                let rows = IngestionTests.rows()
                let path = try SalesFileBuilder.write(rows, day: Self.day, in: directory)
                _ = try await Self.ingestor(database, raw: raw).ingest(path: path, accountNumber: "1", now: Self.now)
                let before = try await DailyRollups.totals(
                    accountNumber: "1", from: Self.day, to: Self.day, database: database)
                try await database.withConnection { connection in
                    try await connection.raw(
                        "UPDATE sales_facts SET bucket = 'other', proceeds_micros = 1, sales_micros = -7"
                    ).run()
                    try await connection.raw("UPDATE daily_rollups SET downloads = 0, proceeds_micros = 1").run()
                }
                let damaged = try await DailyRollups.totals(
                    accountNumber: "1", from: Self.day, to: Self.day, database: database)
                #expect(damaged != before)

                // when
                let entry = try #require(
                    try await ReportLedger(database: database).allWithFiles(accountNumber: "1").first)
                _ = try await Self.ingestor(database, raw: nil).reparse(
                    path: RawReportStore(directory: raw).path(sha256: entry.sha256), identity: entry.identity,
                    now: Self.now)

                // then
                let after = try await DailyRollups.totals(
                    accountNumber: "1", from: Self.day, to: Self.day, database: database)
                #expect(after == before)
                let summary = try SalesSummarizer.summarize(paths: [path])
                #expect(after.proceeds == summary.proceeds.mapValues(\.millionths))
                #expect(after.units[.downloads] == summary.units.downloads)
            }
        }
    }

    @Test("one report under two names counts once", arguments: TestBackend.available)
    func oneReportTwoIdentities(backend: TestBackend) async throws {
        try await withMigrated(backend) { database in
            try await withTemporaryDirectory { directory in
                // given: the same bytes as Apple names them, renamed without the vendor, and as version 1_1
                let ingest = Self.ingestor(database, raw: nil)
                let named = try SalesFileBuilder.write(
                    IngestionTests.rows(), vendor: "111", day: Self.day, in: directory)
                let renamed = directory.appendingPathComponent("downloaded-report.txt.gz").path
                try FileManager.default.copyItem(atPath: named, toPath: renamed)
                let newer = directory.appendingPathComponent("S_D_111_20230718_V1_1.txt.gz").path
                let newerRows = try SalesFileBuilder.write(
                    IngestionTests.rows(iapUnits: 13), vendor: "999", day: Self.day, in: directory)
                try FileManager.default.moveItem(atPath: newerRows, toPath: newer)
                _ = try await ingest.ingest(path: named, accountNumber: "1", now: Self.now)
                let once = try await DailyRollups.totals(
                    accountNumber: "1", from: Self.day, to: Self.day, database: database)

                // when
                let unknown = try await ingest.ingest(path: renamed, accountNumber: "1", now: Self.now)
                let afterRename = try await DailyRollups.totals(
                    accountNumber: "1", from: Self.day, to: Self.day, database: database)
                let versioned = try await ingest.ingest(path: newer, accountNumber: "1", now: Self.now)
                let afterVersion = try await DailyRollups.totals(
                    accountNumber: "1", from: Self.day, to: Self.day, database: database)

                // then
                #expect(unknown.identity.vendor == ReportIdentity.unknownVendor)
                #expect(afterRename == once)
                #expect(versioned.identity.version == "1_1")
                #expect(versioned.identity.vendor == "111")
                // the newer version replaces the 1_0 report of vendor 111: 13 - 1 + 2 in-app purchases
                #expect(afterVersion.units[.inAppPurchases] == 14)
                #expect(afterVersion.units[.downloads] == 10)
                #expect(try await Self.count("report_ledger", in: database) == 3)
            }
        }
    }

    @Test(
        "a failure after a batch was written leaves nothing visible",
        arguments: TestBackend.available)
    func failureAfterABatch(backend: TestBackend) async throws {
        try await withMigrated(backend) { database in
            try await withTemporaryDirectory { directory in
                // given: more rows than one batch on either database, the last one broken
                let good = (0..<25_000).map { index in
                    SalesFileBuilder.row(
                        sku: "app.\(index % 50)", type: "1", units: 1, country: "C\(index % 97)", day: Self.day)
                }
                let path = try SalesFileBuilder.write(good, day: Self.day, in: directory, gzip: false)
                var text = try String(contentsOfFile: path, encoding: .utf8)
                let lines = text.split(separator: "\n")
                let units = try #require(lines[0].split(separator: "\t").firstIndex(of: "Units"))
                var broken = lines.last!.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
                broken[units] = "one"
                text += broken.joined(separator: "\t") + "\n"
                try text.write(toFile: path, atomically: true, encoding: .utf8)
                let written = BatchCounter()

                // when
                await #expect(throws: ReportError.self) {
                    try await Self.ingestor(database, raw: nil).ingest(
                        path: path, accountNumber: "1", now: Self.now, progress: { written.record($0) })
                }

                // then: at least one batch reached the database inside the transaction, and nothing is left
                #expect(written.maximum >= 20_000)
                for table in ["sales_facts", "daily_rollups", "report_ledger", "apps", "store_accounts"] {
                    #expect(try await Self.count(table, in: database) == 0, "\(table)")
                }
            }
        }
    }

    @Test("downloaded bytes ingest under the identity the sync asked for", arguments: TestBackend.available)
    func knownIdentity(backend: TestBackend) async throws {
        try await withMigrated(backend) { database in
            try await withTemporaryDirectory { directory in
                // given: bytes with no file name to guess from
                let path = try SalesFileBuilder.write(IngestionTests.rows(), day: Self.day, in: directory)
                let data = try Data(contentsOf: URL(fileURLWithPath: path))
                let identity = ReportIdentity(
                    accountNumber: "7", vendor: "85442109", type: .sales, frequency: .daily, date: Self.day)
                let ingest = Self.ingestor(database, raw: directory.appendingPathComponent("raw"))

                // when
                let result = try await ingest.ingest(.bytes(data, name: "download"), identity: identity, now: Self.now)
                var wrongDay = identity
                wrongDay.date = ReportDate(year: 2023, month: 7, day: 19)!
                let wrong = await #expect(throws: ReportIngestor.Failure.self) {
                    try await ingest.ingest(.bytes(data, name: "download"), identity: wrongDay, now: Self.now)
                }
                var wrongType = identity
                wrongType.type = .subscription
                await #expect(throws: ReportIngestor.Failure.self) {
                    try await ingest.ingest(.bytes(data, name: "download"), identity: wrongType, now: Self.now)
                }

                // then
                #expect(result.identity == identity)
                #expect(result.outcome == .ingested(rows: 6))
                #expect("\(wrong!)".contains("expected Daily from 2023-07-19"))
                let ledger = try await ReportLedger(database: database).entries(accountNumber: "7")
                #expect(ledger.map(\.identity) == [identity])
                let stored = try #require(ledger.first?.sha256)
                #expect(stored == RawReportStore.hash(data: data))
                #expect(
                    FileManager.default.fileExists(
                        atPath: RawReportStore(directory: directory.appendingPathComponent("raw")).path(sha256: stored))
                )
            }
        }
    }

    @Test("an unknown value in the ledger is an error, not a default", arguments: TestBackend.available)
    func unknownStoredValues(backend: TestBackend) async throws {
        try await withMigrated(backend) { database in
            try await withTemporaryDirectory { directory in
                // given
                let path = try SalesFileBuilder.write(IngestionTests.rows(), day: Self.day, in: directory)
                _ = try await Self.ingestor(database, raw: nil).ingest(path: path, accountNumber: "1", now: Self.now)
                try await database.withConnection {
                    try await $0.raw("UPDATE report_ledger SET frequency = 'Hourly'").run()
                }

                // when
                let error = await #expect(throws: StoredValueError.self) {
                    _ = try await ReportLedger(database: database).entries(accountNumber: "1")
                }

                // then
                #expect(error == StoredValueError(column: "report_ledger.frequency", value: "Hourly"))
            }
        }
    }
}

/// The highest progress count an ingestion reported.
final class BatchCounter: Sendable {
    private let value = Mutex(0)

    func record(_ rows: Int) { value.withLock { $0 = max($0, rows) } }

    var maximum: Int { value.withLock { $0 } }
}
