import ArgumentParser
import ConnectSandbox
import Foundation
import Logging
import OrchardCore
import OrchardStorage
import SQLKit
import SalesReports

/// The payouts' read path under load (docs/PAYOUTS.md): years of one account's daily Summary Sales
/// reports and every region's Financial report of each fiscal month, made by Connect Sandbox and
/// ingested as the sync ingests them; then the payouts API, CSV and page measured with wrk from
/// outside the server's process, beside the metrics summary of the same days in the same run.
struct PayoutsBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "payouts",
        abstract: "Payouts API and page latency and throughput over years of sales and Financial reports (wrk).",
        discussion: """
            The database at --database-url is filled once (one account's daily sales reports and Financial \
            reports, ingested) and reused by later runs. The server runs in a child process \
            (orchard-bench metrics-serve) and is measured from outside. wrk and curl are installed with apt-get when missing.
            """)

    @Option(help: "sqlite:///path or postgres://… (filled on the first run).") var databaseURL: String
    @Option(help: "Apps of the account.") var apps = 40
    @Option(help: "Days of history.") var days = 730
    @Option(help: "wrk connections.") var connections = 64
    @Option(help: "Seconds per wrk run.") var seconds = 10
    @Option(help: "wrk runs per endpoint (the median is reported).") var runs = 3
    @Flag(help: "Fill the database and stop.") var fillOnly = false

    /// Fiscal 2026 (2025-09-28 to 2026-09-26): every month closed on the server's day.
    static let fiscalYear = 2026

    func run() async throws {
        var logger = Logger(label: "orchard.bench")
        logger.logLevel = .warning
        guard let url = DatabaseURL(parsing: databaseURL) else {
            throw ValidationError("--database-url is sqlite:///path or postgres://…")
        }
        let database = try await OrchardDatabase.open(url, maxConnections: 8, logger: logger)
        do {
            _ = try await MigrationRunner(logger: logger).run(on: database)
            let rates = try await FXRateStore(database: database).loadShippedRates()
            if rates > 0 { say("loaded \(rates) shipped ECB rates") }
            if try await count("financial_lines", database) == 0 { try await fill(database, logger: logger) }
            say(
                "database \(database.displayName): \(try await count("sales_facts", database)) sales facts, "
                    + "\(try await count("financial_lines", database)) financial lines, "
                    + "\(try await count("report_ledger", database)) reports")
            if !fillOnly {
                let user = try await UserStore(database: database).credentials(email: "bench@orchard.example")!.user
                let sessions = SessionStore(database: database)
                let (_, token) = try await sessions.issueToken(userID: user.id, name: "bench", now: Date())
                let session = try await sessions.start(userID: user.id, now: Date(), lifetime: 86_400)
                let bearer = "Authorization: Bearer \(token)"
                let periods = FiscalPeriod.periods(ofYear: Self.fiscalYear)
                let year = "fiscalYear=\(Self.fiscalYear)&currency=USD"
                let range = "from=\(periods[0].start.isoText)&to=\(periods[11].end.isoText)&currency=USD"
                let probe = LoadProbe(databaseURL: databaseURL, connections: connections, seconds: seconds, runs: runs)
                try await probe.withServer { port in
                    try await probe.measure(
                        base: "http://127.0.0.1:\(port)",
                        targets: [
                            ("payouts, FY\(Self.fiscalYear) (12 fiscal months)", "/api/v1/payouts?\(year)", bearer),
                            ("payouts CSV, FY\(Self.fiscalYear)", "/api/v1/payouts/export.csv?\(year)", bearer),
                            (
                                "Payouts page, FY\(Self.fiscalYear)", "/payouts?\(year)",
                                "Cookie: orchard_session=\(session)"
                            ),
                            (
                                "baseline: metrics summary of the same 364 days", "/api/v1/metrics/summary?\(range)",
                                bearer
                            ),
                        ])
                }
            }
            try await database.close()
        } catch {
            try? await database.close()
            throw error
        }
    }

    private func count(_ table: String, _ database: OrchardDatabase) async throws -> Int {
        try await database.withConnection {
            try await $0.raw("SELECT COUNT(*) AS n FROM " + SQLQueryString(table)).first()!.decode(
                column: "n", as: Int.self)
        }
    }

    /// One sandbox account of `apps` apps with `days` days of history to the server's day: each
    /// day's Summary Sales report and each region's Financial report of every closed fiscal month,
    /// ingested by ``ReportIngestor`` as the sync does.
    private func fill(_ database: OrchardDatabase, logger: Logger) async throws {
        let started = ContinuousClock.now
        let now = MetricsBenchmark.serverNow
        let latest = ReportCalendar.latestDay(at: now)
        let world = SandboxWorld(options: .init(seed: 11), clock: SandboxClock(base: { now }))
        let account = try world.createAccount(name: "Bench payouts", apps: apps, historyDays: days)
        let library = ReportLibrary(retentionDays: days + 400)
        let number = String(account.number)
        let vendor = account.vendors[0]
        let users = UserStore(database: database)
        var found = try await users.credentials(email: "bench@orchard.example")?.user
        if found == nil {
            found = try await users.insert(email: "bench@orchard.example", passwordHash: "-", role: .operator, now: now)
        }
        guard let user = found else { throw ValidationError("the bench user could not be made") }
        let stores = StoreAccountStore(database: database)
        try await stores.register(number: number, name: account.name, vendors: [String(vendor)], now: now)
        _ = try await stores.markAccessible(number: number, now: now)
        _ = try await IntegrationStore(database: database).create(userID: user.id, accountNumber: number, now: now)
        let ingestor = ReportIngestor(database: database, archive: nil, logger: logger)
        var reports = 0
        for offset in 0..<days {
            let day = latest.adding(days: -offset)
            guard
                case .file(let file) = try library.salesReport(
                    .sales, account: account, vendor: vendor,
                    period: try ReportPeriod.reporter(.daily, day.compactText),
                    now: now)
            else { continue }
            _ = try await ingestor.ingest(
                .bytes(file.data, name: file.filename),
                identity: ReportIdentity(
                    accountNumber: number, vendor: String(vendor), type: .sales, frequency: .daily, date: day),
                now: now)
            reports += 1
        }
        say("ingested \(reports) daily reports in \(ContinuousClock.now - started)")
        var period = FiscalPeriod(containing: latest).previous
        let first = latest.adding(days: -(days - 1))
        var financial = 0
        while period.start >= first {
            for region in ReportLibrary.financeRegions {
                guard
                    case .file(let file) = try library.financialReport(
                        account: account, vendor: vendor, region: region, fiscalYear: period.year,
                        fiscalPeriod: period.period, now: now)
                else { continue }
                _ = try await ingestor.ingest(
                    .bytes(file.data, name: file.filename),
                    identity: .financial(accountNumber: number, vendor: String(vendor), region: region, period: period),
                    now: now)
                financial += 1
            }
            period = period.previous
        }
        say("filled in \(ContinuousClock.now - started): \(reports) daily and \(financial) Financial reports")
    }
}
