import Foundation
import OrchardTestSupport
import SQLKit
import SalesReports
import Synchronization
import Testing

@testable import OrchardStorage

@Suite("Migration 0003: facts carry their own money")
struct FactMoneyMigrationTests {
    @Test(
        "facts stored per unit by migration 2 are converted and the rollups rebuilt", arguments: TestBackend.available)
    func convertsAndRebuilds(backend: TestBackend) async throws {
        try await TestDatabase.withFresh(backend) { fresh in
            try await fresh.withOpen { database in
                // given: a database at version 2 holding a day with a sale and an Apple-style refund,
                // stored per unit with Apple's signs, and the rollup the old code made of it
                let before = Array(Migrations.all.prefix { $0.version <= 2 })
                _ = try await MigrationRunner(migrations: before, logger: TestLogging.logger).run(on: database)
                try await database.withConnection { connection in
                    try await connection.raw(
                        "INSERT INTO store_accounts (number, name, first_seen_at) VALUES ('1', '1', \(bind: Date()))"
                    ).run()
                    try await connection.raw(
                        """
                        INSERT INTO report_ledger (store_account_id, vendor, report_type, report_subtype, frequency,
                            report_date, version, state, row_count, sha256)
                        VALUES (1, '9', 'Sales', 'Summary', 'Daily', '2023-07-18', '1_0', 'fetched', 2, 'abc')
                        """
                    ).run()
                    for (line, units, price) in [(2, 100, 990_000), (3, -50, -990_000)] {
                        try await connection.raw(
                            """
                            INSERT INTO sales_facts (report_id, line, day, app_sku, sku, product_type, bucket, units,
                                proceeds_micros, proceeds_currency, price_micros, customer_currency, country, device)
                            VALUES (1, \(bind: line), '2023-07-18', 'app', 'app', '1F', 'downloads', \(bind: units),
                                700000, 'USD', \(bind: price), 'USD', 'US', 'iPhone')
                            """
                        ).run()
                    }
                    try await connection.raw(
                        """
                        INSERT INTO daily_rollups (store_account_id, app_sku, day, country, device, proceeds_currency,
                            customer_currency, downloads, redownloads, updates, in_app_purchases, restores, other,
                            returns, proceeds_micros, sales_micros)
                        VALUES (1, 'app', '2023-07-18', 'US', 'iPhone', 'USD', 'USD', 50, 0, 0, 0, 0, 0, 50,
                            35000000, 148500000)
                        """
                    ).run()
                }

                // when
                _ = try await MigrationRunner(logger: TestLogging.logger).run(on: database)

                // then: 100 × 0.99 − 50 × 0.99, not 100 × 0.99 + 50 × 0.99
                let day = ReportDate(year: 2023, month: 7, day: 18)!
                let totals = try await DailyRollups.totals(accountNumber: "1", from: day, to: day, database: database)
                #expect(totals.sales == ["USD": 49_500_000])
                #expect(totals.proceeds == ["USD": 35_000_000])
                #expect(totals.units[.downloads] == 50)
                #expect(totals.returns == 50)
            }
        }
    }
}
