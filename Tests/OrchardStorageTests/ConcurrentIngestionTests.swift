import Foundation
import OrchardTestSupport
import SQLKit
import SalesReports
import Testing

@testable import OrchardStorage

/// Ingestions of one account at once (several vendors of a day, restatements racing each other)
/// end with exactly the rollups of a serial run.
@Suite("Concurrent ingestion")
struct ConcurrentIngestionTests {
    static let now = Date(timeIntervalSince1970: 1_700_000_000)
    static let days = [ReportDate(year: 2023, month: 7, day: 18)!, ReportDate(year: 2023, month: 7, day: 19)!]

    /// Reports of four vendors (each with its own apps) over two days, and corrections of two of them.
    static func files(in directory: URL) throws -> (originals: [String], restatements: [String]) {
        func rows(vendor: Int, day: ReportDate, extra: Int64) -> [SalesRow] {
            (0..<40).map { index in
                let app = "v\(vendor).app\(index % 4)"
                let iap = index % 3 == 0
                return SalesFileBuilder.row(
                    sku: iap ? "\(app).coins" : app, type: iap ? "IA1" : ["1", "3", "7"][index % 3],
                    units: Int64(index % 7 + 1) + extra - (index % 11 == 0 ? 9 : 0),
                    proceeds: iap ? "0.70" : "0", price: iap ? (index % 11 == 0 ? "-0.99" : "0.99") : "0",
                    currency: index % 2 == 0 ? "USD" : "EUR", country: ["US", "DE", "FR", "JP", "BR"][index % 5],
                    device: ["iPad", "iPhone", "Desktop"][index % 3], parent: iap ? app : "", day: day)
            }
        }
        var originals: [String] = []
        var restatements: [String] = []
        for vendor in 1...4 {
            for day in days {
                let folder = directory.appendingPathComponent("original-\(vendor)")
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                originals.append(
                    try SalesFileBuilder.write(
                        rows(vendor: vendor, day: day, extra: 0), vendor: "\(vendor)", day: day, in: folder))
                if vendor <= 2 {
                    let corrected = directory.appendingPathComponent("restated-\(vendor)")
                    try FileManager.default.createDirectory(at: corrected, withIntermediateDirectories: true)
                    restatements.append(
                        try SalesFileBuilder.write(
                            rows(vendor: vendor, day: day, extra: 3), vendor: "\(vendor)", day: day, in: corrected))
                }
            }
        }
        return (originals, restatements)
    }

    /// Every rollup row, sorted, as text.
    static func rollups(_ database: OrchardDatabase) async throws -> [String] {
        try await database.withConnection { connection in
            try await connection.raw(
                """
                SELECT app_sku, day, country, device, proceeds_currency, customer_currency, downloads, redownloads,
                    updates, in_app_purchases, restores, other, returns, proceeds_micros, sales_micros
                FROM daily_rollups
                ORDER BY day, app_sku, country, device, proceeds_currency, customer_currency
                """
            ).all().map { row in
                var fields: [String] = []
                for column in ["app_sku", "day", "country", "device", "proceeds_currency", "customer_currency"] {
                    fields.append(try row.decode(column: column, as: String.self))
                }
                for column in [
                    "downloads", "redownloads", "updates", "in_app_purchases", "restores", "other", "returns",
                    "proceeds_micros", "sales_micros",
                ] {
                    fields.append(String(try row.decode(column: column, as: Int64.self)))
                }
                return fields.joined(separator: "|")
            }
        }
    }

    static func ingest(_ paths: [String], into database: OrchardDatabase, concurrently: Bool) async throws {
        let ingestor = ReportIngestor(database: database, archive: nil, logger: TestLogging.logger)
        if concurrently {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for path in paths {
                    group.addTask { _ = try await ingestor.ingest(path: path, accountNumber: "1", now: Self.now) }
                }
                try await group.waitForAll()
            }
        } else {
            for path in paths { _ = try await ingestor.ingest(path: path, accountNumber: "1", now: Self.now) }
        }
    }

    @Test("many ingestions of one account at once equal a serial run", arguments: TestBackend.available)
    func concurrentEqualsSerial(backend: TestBackend) async throws {
        try await withTemporaryDirectory { directory in
            // given
            let (originals, restatements) = try Self.files(in: directory)
            let serial = try await TestDatabase.withFresh(backend) { fresh in
                try await fresh.withOpen { database in
                    _ = try await MigrationRunner(logger: TestLogging.logger).run(on: database)
                    try await Self.ingest(originals, into: database, concurrently: false)
                    try await Self.ingest(restatements, into: database, concurrently: false)
                    return try await Self.rollups(database)
                }
            }
            #expect(serial.count > 50)

            for round in 1...3 {
                // when: every vendor at once on a pool of several connections, then the restatements at once
                let concurrent = try await TestDatabase.withFresh(backend) { fresh in
                    let database = try await fresh.open(maxConnections: 6)
                    do {
                        _ = try await MigrationRunner(logger: TestLogging.logger).run(on: database)
                        try await Self.ingest(originals.shuffled(), into: database, concurrently: true)
                        try await Self.ingest(restatements.shuffled(), into: database, concurrently: true)
                        let rows = try await Self.rollups(database)
                        try await database.close()
                        return rows
                    } catch {
                        try? await database.close()
                        throw error
                    }
                }

                // then
                #expect(concurrent == serial, "round \(round)")
            }
        }
    }

    /// The rollups of `path` ingested alone into a fresh PostgreSQL database.
    static func alone(_ path: String) async throws -> [String] {
        try await TestDatabase.withFresh(.postgres) { fresh in
            try await fresh.withOpen { database in
                _ = try await MigrationRunner(logger: TestLogging.logger).run(on: database)
                try await Self.ingest([path], into: database, concurrently: false)
                return try await Self.rollups(database)
            }
        }
    }

    /// On SQLite a process's writers queue on one lock (and processes on the file's), so a race
    /// needs PostgreSQL: there the ingestions really overlap, held at the account's row lock.
    @Test(
        "one report raced from six connections at once ends as one whole version of it, never a mix or a double",
        .needsPostgres)
    func sameReportRaced() async throws {
        try await withTemporaryDirectory { directory in
            // given: a day's report of one vendor and its restatement (the same report, other rows)
            let (originals, restatements) = try Self.files(in: directory)
            let (original, restated) = (originals[0], restatements[0])
            let versions = [try await Self.alone(original), try await Self.alone(restated)]
            #expect(versions[0] != versions[1])

            try await TestDatabase.withFresh(.postgres) { fresh in
                let database = try await fresh.open(maxConnections: 10)
                do {
                    _ = try await MigrationRunner(logger: TestLogging.logger).run(on: database)
                    try await database.withConnection { connection in
                        try await connection.raw(
                            "INSERT INTO store_accounts (number, name, first_seen_at) VALUES ('1', '1', \(bind: Self.now))"
                        ).run()
                    }
                    // when: six ingestions of it start while another transaction holds the account's row,
                    // and are let go together once all six are seen waiting for that lock
                    let racing = try await database.withTransaction { holder in
                        try await holder.raw("SELECT id FROM store_accounts WHERE number = '1' FOR NO KEY UPDATE").run()
                        let racing = Task {
                            try await Self.ingest(
                                [original, restated, original, restated, original, restated], into: database,
                                concurrently: true)
                        }
                        var waiting = 0
                        for _ in 0..<2_000 where waiting < 6 {
                            waiting = try await database.withConnection { connection in
                                try await connection.raw(
                                    """
                                    SELECT COUNT(*) AS n FROM pg_stat_activity
                                    WHERE datname = current_database() AND wait_event_type = 'Lock'
                                    """
                                ).first()?.decode(column: "n", as: Int.self) ?? 0
                            }
                            if waiting < 6 { try await Task.sleep(for: .milliseconds(10)) }
                        }
                        #expect(waiting == 6, "all six ingestions wait for the account at once")
                        return racing
                    }
                    try await racing.value

                    // then: the report is one of its versions, whole; its facts are not doubled
                    let rollups = try await Self.rollups(database)
                    #expect(versions.contains(rollups))
                    let ledger = try await database.withConnection { connection in
                        try await connection.raw("SELECT COUNT(*) AS n FROM report_ledger").first()?.decode(
                            column: "n", as: Int.self)
                    }
                    #expect(ledger == 1)
                    try await database.close()
                } catch {
                    try? await database.close()
                    throw error
                }
            }
        }
    }

    @Test("a report's own added-up rollups equal the rollups grouped in SQL", arguments: TestBackend.available)
    func ownRollupsEqualSQL(backend: TestBackend) async throws {
        try await withMigrated(backend) { database in
            try await withTemporaryDirectory { directory in
                // given: one vendor's report over many apps, countries, devices and currencies, refunds
                // included, so its rollups are added up on its parse thread
                let (originals, _) = try Self.files(in: directory)
                let ingestor = ReportIngestor(database: database, archive: nil, logger: TestLogging.logger)
                _ = try await ingestor.ingest(path: originals[0], accountNumber: "1", now: Self.now)
                let own = try await Self.rollups(database)

                // when: the same days grouped from the facts in SQL
                _ = try await database.withTransaction { connection in
                    try await DailyRollups.recompute(
                        accountID: 1, days: Self.days, backend: database.backend, on: connection)
                }
                let grouped = try await Self.rollups(database)

                // then
                #expect(own.count > 20)
                #expect(own == grouped)
            }
        }
    }

    @Test("a rollup row is unique on its grain", arguments: TestBackend.available)
    func rollupGrainIsUnique(backend: TestBackend) async throws {
        try await withMigrated(backend) { database in
            // given
            let insert: SQLQueryString = """
                INSERT INTO daily_rollups (store_account_id, app_sku, day, country, device, proceeds_currency,
                    customer_currency, downloads, redownloads, updates, in_app_purchases, restores, other, returns,
                    proceeds_micros, sales_micros)
                VALUES (1, 'app', '2023-07-18', 'US', 'iPhone', 'USD', 'USD', 1, 0, 0, 0, 0, 0, 0, 0, 0)
                """
            try await database.withConnection { try await $0.raw(insert).run() }

            // when / then
            await #expect(throws: (any Error).self) {
                try await database.withConnection { try await $0.raw(insert).run() }
            }
        }
    }
}
