import ArgumentParser
import Foundation
import Logging
import OrchardCore
import OrchardStorage
import OrchardTestSupport
import SQLKit
import SalesReports

/// The dashboard's read path under load: years of daily rollups for many apps, countries
/// and devices, then the metrics API and the overview page measured with wrk, and the same question
/// asked naively of the raw facts.
///
/// The server is a child process (``MetricsServer``, `orchard-bench metrics-serve`) on the prepared
/// database, and curl and wrk are children too: only the load generator's own work, never the
/// benchmark's, runs beside the server's.
struct MetricsBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metrics",
        abstract: "Metrics API and dashboard latency and throughput over years of rollups (wrk).",
        discussion: """
            The database at --database-url is filled once (rollups, report ledger, metric slices, one year of
            raw facts for the naive baseline) and reused by later runs. The server runs in a child process \
            (orchard-bench metrics-serve) and is measured from outside. wrk and curl are installed with apt-get when missing.
            """)

    @Option(help: "sqlite:///path or postgres://… (filled on the first run).") var databaseURL: String
    @Option(help: "Store accounts (the user has all of them).") var accounts = 5
    @Option(help: "Apps per account.") var apps = 10
    @Option(help: "Countries.") var countries = 175
    @Option(help: "Devices.") var devices = 5
    @Option(help: "Days of history.") var days = 1_095
    @Option(help: "wrk connections.") var connections = 64
    @Option(help: "Seconds per wrk run.") var seconds = 10
    @Option(help: "wrk runs per endpoint (the median is reported).") var runs = 3
    @Option(help: "Days of raw facts for the naive baseline (0: skip it).") var factDays = 365
    @Flag(help: "Fill the database and stop (measure in a later run, on a quiet machine).") var fillOnly = false
    @Option(help: "Measure only the endpoints whose name contains this (and skip the SQL comparison).")
    var only: String?

    static let deviceNames = ["iPhone", "iPad", "Desktop", "Apple TV", "iPod touch", "Apple Watch", "Vision"]
    /// ECB currencies, and a few Apple pays in that the ECB does not publish (shown unconverted).
    static let currencies = [
        "USD", "EUR", "GBP", "JPY", "CAD", "AUD", "CHF", "SEK", "NOK", "DKK", "PLN", "CZK", "HUF", "TRY", "INR", "CNY",
        "KRW", "BRL", "MXN", "ZAR", "SGD", "HKD", "NZD", "ILS", "THB", "IDR", "PHP", "MYR", "SAR", "AED",
    ]
    /// The last day of the history.
    static let lastDay = ReportDate(year: 2026, month: 10, day: 29)!
    /// The server's "today", which makes the year asked about the last 365 report days.
    static let serverNow = Date(timeIntervalSince1970: Double(lastDay.dayNumber + 1) * 86_400 + 3_600)

    func run() async throws {
        var logger = Logger(label: "orchard.bench")
        logger.logLevel = .warning
        guard let url = DatabaseURL(parsing: databaseURL) else {
            throw ValidationError("--database-url is sqlite:///path or postgres://…")
        }
        let database = try await OrchardDatabase.open(url, maxConnections: 8, logger: logger)
        do {
            try await measure(database, logger: logger)
            try await database.close()
        } catch {
            try? await database.close()
            throw error
        }
    }

    private func measure(_ database: OrchardDatabase, logger: Logger) async throws {
        _ = try await MigrationRunner(logger: logger).run(on: database)
        let rates = try await FXRateStore(database: database).loadShippedRates()
        if rates > 0 { say("loaded \(rates) shipped ECB rates") }
        let last = Self.lastDay
        let first = last.adding(days: -(days - 1))
        let filled = try await database.withConnection {
            try await $0.raw("SELECT COUNT(*) AS n FROM store_accounts").first()!.decode(column: "n", as: Int.self)
        }
        if filled == 0 { try await fill(database, first: first, last: last) }
        let counts = try await database.withConnection { connection in
            (
                try await connection.raw("SELECT COUNT(*) AS n FROM daily_rollups").first()!.decode(
                    column: "n", as: Int.self),
                try await connection.raw("SELECT COUNT(*) AS n FROM metric_slices").first()!.decode(
                    column: "n", as: Int.self),
                try await connection.raw("SELECT COUNT(*) AS n FROM sales_facts").first()!.decode(
                    column: "n", as: Int.self)
            )
        }
        say("database \(database.displayName): \(counts.0) rollups, \(counts.1) slices, \(counts.2) facts")
        if fillOnly { return }

        let user = try await UserStore(database: database).credentials(email: "bench@orchard.example")!.user
        let sessions = SessionStore(database: database)
        let (_, token) = try await sessions.issueToken(userID: user.id, name: "bench", now: Date())
        let session = try await sessions.start(userID: user.id, now: Date(), lifetime: 86_400)

        // The year to ask about (the server's "today" makes it the last 365 report days).
        let yearFrom = last.adding(days: -364)
        try await withServer { port in
            try await measureRequests(
                base: "http://127.0.0.1:\(port)", yearFrom: yearFrom, last: last, token: token, session: session,
                database: database, logger: logger)
        }

        // The same question of the raw facts, naively: the slices' query against a GROUP BY of a year of facts.
        guard factDays > 0, only == nil else { return }
        let readable = try await MetricsStore(database: database).visibleAccounts(userID: user.id).map(\.id)
        let query = MetricsStore.Query(accountIDs: readable, from: yearFrom, to: last, currency: "USD")
        var sliced: [Double] = []
        var naive: [Double] = []
        for _ in 0..<5 {
            let started = ContinuousClock.now
            _ = try await MetricsStore(database: database).totals(query)
            sliced.append((ContinuousClock.now - started).milliseconds)
        }
        let ids = readable.map(String.init).joined(separator: ", ")
        for _ in 0..<3 {
            let started = ContinuousClock.now
            _ = try await database.withConnection { connection in
                try await connection.raw(
                    """
                    SELECT f.day, f.proceeds_currency, f.customer_currency,
                        SUM(CASE WHEN f.bucket = 'downloads' THEN f.units ELSE 0 END) AS downloads,
                        SUM(CASE WHEN f.bucket = 'redownloads' THEN f.units ELSE 0 END) AS redownloads,
                        SUM(CASE WHEN f.bucket = 'updates' THEN f.units ELSE 0 END) AS updates,
                        SUM(CASE WHEN f.bucket = 'inAppPurchases' THEN f.units ELSE 0 END) AS iap,
                        SUM(CASE WHEN f.units < 0 THEN -f.units ELSE 0 END) AS returns,
                        SUM(f.proceeds_micros) AS proceeds, SUM(f.sales_micros) AS sales
                    FROM sales_facts f JOIN report_ledger l ON l.id = f.report_id
                    WHERE l.store_account_id IN (\(unsafeRaw: ids))
                        AND f.day BETWEEN \(bind: yearFrom.isoText) AND \(bind: last.isoText)
                    GROUP BY f.day, f.proceeds_currency, f.customer_currency
                    """
                ).all().count
            }
            naive.append((ContinuousClock.now - started).milliseconds)
        }
        var countries: [Double] = []
        for _ in 0..<5 {
            let started = ContinuousClock.now
            _ = try await MetricsStore(database: database).rows(query, groupBy: .country, byDay: false)
            countries.append((ContinuousClock.now - started).milliseconds)
        }
        say("top countries of 1 year in SQL, uncached: \(format(countries.sorted()[2])) ms (median of 5)")
        let slicedMedian = sliced.sorted()[sliced.count / 2]
        let naiveMedian = naive.sorted()[naive.count / 2]
        say(
            """
            summary of 1 year in SQL: slices \(format(slicedMedian)) ms (median of 5), naive GROUP BY over \
            \(counts.2) raw facts \(format(naiveMedian)) ms (median of 3), ratio \(format(naiveMedian / slicedMedian))×
            """)
    }

    /// Each endpoint once uncached with curl, then with wrk: one client, then `connections` clients `runs` times.
    private func measureRequests(
        base: String, yearFrom: ReportDate, last: ReportDate, token: String, session: String,
        database: OrchardDatabase, logger: Logger
    ) async throws {
        let range = "from=\(yearFrom.isoText)&to=\(last.isoText)"
        let targets: [(String, String, String)] = [
            ("summary, 1 year", "/api/v1/metrics/summary?\(range)", "Authorization: Bearer \(token)"),
            (
                "timeseries, 1 year by day", "/api/v1/metrics/timeseries?\(range)&metric=proceeds",
                "Authorization: Bearer \(token)"
            ),
            ("overview page, 1 year", "/dashboard?\(range)", "Cookie: orchard_session=\(session)"),
            ("an app's page, 1 year", "/dashboard?\(range)&app=APP0-0", "Cookie: orchard_session=\(session)"),
            ("Data Integration page", "/integrations", "Cookie: orchard_session=\(session)"),
        ]
        // New data as a sync brings it: Apple's Daily Sales report of the last day, for the first
        // account and its first app (the app page's), ingested again with other figures each time.
        let ingestor = ReportIngestor(database: database, archive: nil, logger: logger)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("orchard-bench-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var counter: Int64 = 0
        try await probe.measure(
            base: base, targets: targets.filter { target in only.map { target.0.contains($0) } ?? true },
            newData: { _ in
                counter += 1
                let rows = ["AA", "AB", "AC"].map { country in
                    SalesFileBuilder.row(
                        sku: "APP0-0", type: "1", units: 40 + counter, proceeds: "0.70", price: "0.99",
                        country: country, day: last)
                }
                let path = try SalesFileBuilder.write(rows, day: last, in: directory)
                _ = try await ingestor.ingest(path: path, accountNumber: "8000000", now: Date())
            })
    }

    private var probe: LoadProbe {
        LoadProbe(databaseURL: databaseURL, connections: connections, seconds: seconds, runs: runs)
    }

    private func withServer(_ body: (Int) async throws -> Void) async throws {
        try await probe.withServer(body)
    }

    private func format(_ value: Double) -> String { LoadProbe.format(value) }

    /// Accounts with an active integration of one user; rollups, ledger and slices for every day; raw
    /// facts for the last `factDays` days.
    private func fill(_ database: OrchardDatabase, first: ReportDate, last: ReportDate) async throws {
        let started = ContinuousClock.now
        let now = Date()
        let user = try await UserStore(database: database).insert(
            email: "bench@orchard.example", passwordHash: "-", role: .operator, now: now)
        let stores = StoreAccountStore(database: database)
        let integrations = IntegrationStore(database: database)
        var ids: [Int64] = []
        for index in 0..<accounts {
            let number = String(8_000_000 + index)
            let account = try await stores.register(number: number, name: "Bench \(index + 1)", vendors: [], now: now)
            _ = try await stores.markAccessible(number: number, now: now)
            _ = try await integrations.create(userID: user.id, accountNumber: number, now: now)
            ids.append(account.id)
        }
        let countryCodes = (0..<countries).map { index in
            let letters = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
            return String([letters[index / 26 % 26], letters[index % 26]])
        }
        let deviceNames = (0..<devices).map { Self.deviceNames[$0 % Self.deviceNames.count] }
        var rows = 0
        for (accountIndex, id) in ids.enumerated() {
            // A month per transaction keeps the write-ahead log small.
            var start = first
            while start <= last {
                let from = start
                let to = min(from.adding(days: 29), last)
                let chunkRows = try await database.withDriverTransaction { driver, connection in
                    var ledger: [SQLQueryString] = []
                    var day = from
                    while day <= to {
                        ledger.append(
                            """
                            (\(bind: id), 'V\(unsafeRaw: String(accountIndex))', 'Sales', 'Summary', 'Daily', \
                            \(bind: day.isoText), '1_0', 'fetched', 0, 'bench')
                            """)
                        day = day.adding(days: 1)
                    }
                    try await connection.raw(
                        """
                        INSERT INTO report_ledger (store_account_id, vendor, report_type, report_subtype, frequency,
                            report_date, version, state, row_count, sha256) VALUES
                        """ + " " + ledger.joined(separator: ", ")
                    ).run()
                    var writer = BulkWriter(connection: driver, table: "daily_rollups", columns: Self.rollupColumns)
                    do {
                        day = from
                        while day <= to {
                            for app in 0..<apps {
                                for (countryIndex, country) in countryCodes.enumerated() {
                                    let currency = Self.currencies[countryIndex % Self.currencies.count]
                                    for (deviceIndex, device) in deviceNames.enumerated() {
                                        let seed = (day.dayNumber &* 31 &+ app &* 7 &+ countryIndex &* 3 &+ deviceIndex)
                                        let downloads = Int64(seed % 17)
                                        let purchases = Int64(seed % 5)
                                        try await writer.append([
                                            .integer(id), .text("APP\(accountIndex)-\(app)"), .text(day.isoText),
                                            .text(country), .text(device), .text(currency), .text(currency),
                                            .integer(downloads), .integer(Int64(seed % 4)), .integer(Int64(seed % 23)),
                                            .integer(purchases), .integer(0), .integer(0),
                                            .integer(Int64(seed % 97 == 0 ? 1 : 0)),
                                            .integer(purchases * 2_100_000), .integer(purchases * 2_990_000),
                                        ])
                                    }
                                }
                            }
                            day = day.adding(days: 1)
                        }
                        try await writer.flush()
                    } catch {
                        await writer.abandon()
                        throw error
                    }
                    return writer.written
                }
                rows += chunkRows
                start = to.adding(days: 1)
            }
            say(
                "account \(accountIndex + 1)/\(ids.count): \(rows) rollup rows, \(format((ContinuousClock.now - started).seconds)) s"
            )
        }
        let slicing = ContinuousClock.now
        for id in ids { try await MetricSlices.rebuildAll(accountID: id, database: database) }
        say("metric slices built in \(format((ContinuousClock.now - slicing).seconds)) s")
        guard factDays > 0 else { return }
        // Raw facts of the last `factDays` days, one per rollup row (what a naive dashboard would group).
        let facting = ContinuousClock.now
        let factFrom = last.adding(days: -(factDays - 1))
        for id in ids {
            var start = factFrom
            while start <= last {
                let from = start
                let to = min(from.adding(days: 29), last)
                try await database.withDriverTransaction { driver, connection in
                    let reports = try await connection.raw(
                        """
                        SELECT id, report_date FROM report_ledger WHERE store_account_id = \(bind: id)
                            AND report_date BETWEEN \(bind: from.isoText) AND \(bind: to.isoText)
                        """
                    ).all().map {
                        (
                            try $0.decode(column: "report_date", as: String.self),
                            try $0.decode(column: "id", as: Int64.self)
                        )
                    }
                    let reportOf = Dictionary(reports, uniquingKeysWith: { first, _ in first })
                    let rollups = try await connection.raw(
                        """
                        SELECT app_sku, day, country, device, proceeds_currency, customer_currency, downloads,
                            in_app_purchases, returns, proceeds_micros, sales_micros
                        FROM daily_rollups WHERE store_account_id = \(bind: id)
                            AND day BETWEEN \(bind: from.isoText) AND \(bind: to.isoText)
                        """
                    ).all()
                    var writer = BulkWriter(
                        connection: driver, table: "sales_facts",
                        columns: [
                            "report_id", "line", "day", "app_sku", "sku", "product_type", "bucket", "units",
                            "proceeds_micros", "proceeds_currency", "sales_micros", "customer_currency", "country",
                            "device",
                        ])
                    do {
                        var line: Int64 = 0
                        for row in rollups {
                            let day = try row.decode(column: "day", as: String.self)
                            line += 1
                            let app = try row.decode(column: "app_sku", as: String.self)
                            try await writer.append([
                                .integer(reportOf[day] ?? 0), .integer(line), .text(day), .text(app), .text(app),
                                .text("1"), .text("downloads"),
                                .integer(try row.decode(column: "downloads", as: Int64.self)),
                                .integer(try row.decode(column: "proceeds_micros", as: Int64.self)),
                                .text(try row.decode(column: "proceeds_currency", as: String.self)),
                                .integer(try row.decode(column: "sales_micros", as: Int64.self)),
                                .text(try row.decode(column: "customer_currency", as: String.self)),
                                .text(try row.decode(column: "country", as: String.self)),
                                .text(try row.decode(column: "device", as: String.self)),
                            ])
                        }
                        try await writer.flush()
                    } catch {
                        await writer.abandon()
                        throw error
                    }
                }
                start = to.adding(days: 1)
            }
        }
        say("raw facts of \(factDays) days written in \(format((ContinuousClock.now - facting).seconds)) s")
        if database.backend == .postgres {
            try await database.withConnection { try await $0.raw("VACUUM ANALYZE").run() }
        } else {
            try await database.withConnection { try await $0.raw("ANALYZE").run() }
        }
    }

    private static let rollupColumns = [
        "store_account_id", "app_sku", "day", "country", "device", "proceeds_currency", "customer_currency",
        "downloads", "redownloads", "updates", "in_app_purchases", "restores", "other", "returns", "proceeds_micros",
        "sales_micros",
    ]
}

/// A line on standard output at once (print buffers when the output is a file).
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

extension Duration {
    var milliseconds: Double { seconds * 1_000 }
}
