import AppStoreConnect
import AsyncHTTPClient
import ConnectSandbox
import Foundation
import OrchardCore
import OrchardStorage
import OrchardSync
import OrchardTestSupport
import SQLKit
import SalesReports
import Synchronization

/// Orchard's sync engine on a migrated database, against a Connect Sandbox on loopback, with one
/// clock for both and the service Apple ID's token set.
struct SyncHarness {
    static let serviceAppleID = "service@orchard.test"
    /// Noon Pacific: yesterday's reports are published (Apple, and the sandbox, by 05:00 Pacific).
    static let start = Date(timeIntervalSince1970: 1_781_550_000)  // 2026-06-15 19:00 UTC, 12:00 PDT

    let database: OrchardDatabase
    let sandbox: SandboxServer
    let clock: ManualClock
    let keys: KeyRing
    let engine: SyncEngine
    let settings: SyncSettings
    let worker: JobWorker
    let runs: SyncRuns
    let rawDirectory: URL

    var queue: JobQueue { JobQueue(database: database) }
    var accounts: StoreAccountStore { StoreAccountStore(database: database) }
    var integrations: IntegrationStore { IntegrationStore(database: database) }
    var ledger: ReportLedger { ReportLedger(database: database) }
    var service: ServiceIdentity { ServiceIdentity(database: database, keys: keys, configuredToken: nil) }

    /// Runs `body` with a harness on `backend`; `test` (the calling test) names it in the backend log.
    static func with(
        _ backend: TestBackend, settings: SyncSettings = Self.settings(), seed: UInt64 = 3, availabilityHour: Int = 5,
        start: Date = Self.start, test: String = #function,
        _ body: @escaping @Sendable (SyncHarness) async throws -> Void
    ) async throws {
        // A connection for each report in flight and two more for the jobs' claims and completions: with
        // a pool of two, a job waited for a connection behind the concurrent reports, and on a loaded
        // machine the pool's 10 s wait ran out (connectionRequestTimeout).
        try await withMigrated(backend, maxConnections: settings.concurrency + 2, test: test) { database in
            try await SandboxServer.withRunning(seed: seed, availabilityHour: availabilityHour, now: start) { sandbox in
                let clock = ManualClock(start)
                let keys = try KeyRing(base64Keys: [SecretBox.generateKey()])
                _ = try await SealedKeyRecord.claim(keys, database: database)
                // The service Apple ID, with a token and no accounts yet.
                let (_, token) = try sandbox.world.createUser(appleId: serviceAppleID, accounts: [])
                try await ServiceTokenStore(database: database, keys: keys).set(
                    token.value, expires: nil, now: start)
                let rawDirectory = FileManager.default.temporaryDirectory.appendingPathComponent(
                    "orchard-sync-\(UUID().uuidString)")
                defer { try? FileManager.default.removeItem(at: rawDirectory) }
                let now: @Sendable () -> Date = { clock.now }
                let engine = SyncEngine(
                    database: database,
                    reporter: ReporterClient(
                        baseURL: URL(string: sandbox.baseURL)!, transport: .asyncHTTPClient(.shared),
                        retry: RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(1), maxDelay: .milliseconds(5)),
                        logger: TestLogging.logger),
                    service: ServiceIdentity(database: database, keys: keys, configuredToken: nil), settings: settings,
                    archive: .directory(RawReportStore(directory: rawDirectory)), now: now, logger: TestLogging.logger)
                // The sync's jobs, counted; the notification jobs the sync's changes queue (their
                // dispatch) are done without running: notifications have tests of their own.
                let runs = SyncRuns()
                var handlers = syncHandlers(
                    database: database, keys: keys, engine: engine, now: now, logger: TestLogging.logger
                ).mapValues { handler -> JobWorker.Handler in
                    { job in
                        runs.count()
                        try await handler(job)
                    }
                }
                for kind in NotificationJob.Kind.allCases { handlers[kind.rawValue] = { _ in } }
                let worker = JobWorker(
                    queue: JobQueue(database: database), handlers: handlers, now: now, logger: TestLogging.logger)
                try await body(
                    SyncHarness(
                        database: database, sandbox: sandbox, clock: clock, keys: keys, engine: engine,
                        settings: settings, worker: worker, runs: runs, rawDirectory: rawDirectory))
            }
        }
    }

    static func settings(backfillDays: Int = 20) -> SyncSettings {
        var settings = SyncSettings()
        settings.backfillDays = backfillDays
        settings.restatementDays = 3
        settings.invitationWindow = 48 * 3_600
        settings.retention = 2 * 86_400
        settings.serviceAppleID = serviceAppleID
        settings.concurrency = 4
        settings.perAccountConcurrency = 3
        return settings
    }

    /// Moves Orchard's clock and the sandbox's together.
    func advance(days: Double) {
        clock.advance(by: days * 86_400)
        sandbox.clock.set(clock.now, frozen: true)
    }

    /// Runs every job that is due, one after the other; returns how many ran.
    @discardableResult
    func drain() async throws -> Int {
        let before = runs.value
        while try await worker.runNext() {}
        return runs.value - before
    }

    /// The jobs not done, with their last errors: what a test that expected a finished sync prints.
    func unfinishedJobs() async throws -> String {
        try await database.withConnection { connection in
            try await connection.raw(
                "SELECT kind, state, attempts, last_error FROM jobs WHERE state <> 'done' ORDER BY id"
            ).all().map { row in
                let kind = try row.decode(column: "kind", as: String.self)
                let state = try row.decode(column: "state", as: String.self)
                let attempts = try row.decode(column: "attempts", as: Int64.self)
                let error = try row.decode(column: "last_error", as: String?.self) ?? "-"
                return "\(kind) \(state) after \(attempts): \(error)"
            }.joined(separator: "; ")
        }
    }

    /// A dashboard user.
    func user(_ email: String) async throws -> Int64 {
        try await database.withConnection { connection in
            try await connection.raw(
                """
                INSERT INTO users (email, password_hash, created_at) VALUES (\(bind: email), 'x', \(bind: Self.start))
                RETURNING id
                """
            ).first()!.decode(column: "id", as: Int64.self)
        }
    }

    /// What the funnel leaves behind: the store account and the user's pending integration.
    func integrate(userID: Int64, account: SandboxAccount) async throws -> Integration {
        try await accounts.register(
            number: String(account.number), name: account.name, vendors: account.vendors.map(String.init),
            now: clock.now)
        return try await integrations.create(userID: userID, accountNumber: String(account.number), now: clock.now)
    }

    /// A sandbox account with its owner, integrated by a new user, the service invited, checked
    /// and backfilled: active and synced. Returns the account and the user.
    func activeAccount(name: String, apps: Int = 3, historyDays: Int, user email: String = "u@example.com")
        async throws -> (account: SandboxAccount, user: Int64)
    {
        let (account, _) = try sandbox.makeAccountWithUser(name: name, apps: apps, historyDays: historyDays)
        let user = try await user(email)
        _ = try await integrate(userID: user, account: account)
        try inviteService(into: account)
        try await engine.checkInvitations()
        try await drain()
        return (account, user)
    }

    /// The account's owner invites the service Apple ID and it accepts.
    func inviteService(into account: SandboxAccount, roles: Set<SandboxRole> = [.sales]) throws {
        try sandbox.world.invite(email: Self.serviceAppleID, to: account.number, roles: roles)
        try sandbox.world.acceptInvitation(email: Self.serviceAppleID, account: account.number)
    }

    /// Totals computed apart from Orchard's database: the same daily reports downloaded with the
    /// owner's token and summarised by SalesReports.
    func independentTotals(account: SandboxAccount, ownerToken: String, days: [ReportDate]) async throws
        -> SalesSummary
    {
        let client = ReporterClient(baseURL: URL(string: sandbox.baseURL)!, transport: .asyncHTTPClient(.shared))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "orchard-ref-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var paths: [String] = []
        for day in days {
            do {
                let file = try await client.salesReport(
                    token: ReporterAccessToken(ownerToken), account: String(account.number),
                    request: SalesReportRequest(vendor: String(account.vendors[0]), date: day))
                let path = directory.appendingPathComponent("\(day.compactText).txt.gz").path
                try file.gzipData.write(to: URL(fileURLWithPath: path))
                paths.append(path)
            } catch ReporterError.noSales {
                continue
            }
        }
        return try SalesSummarizer.summarize(paths: paths)
    }

    func count(_ table: String, account: SandboxAccount) async throws -> Int {
        try await database.withConnection { connection in
            let id = try await connection.raw(
                "SELECT id FROM store_accounts WHERE number = \(bind: String(account.number))"
            ).first()!.decode(column: "id", as: Int64.self)
            let condition: SQLQueryString =
                table == "sales_facts"
                ? "report_id IN (SELECT id FROM report_ledger WHERE store_account_id = \(bind: id))"
                : "store_account_id = \(bind: id)"
            return try await connection.raw(
                "SELECT COUNT(*) AS n FROM " + SQLQueryString(table) + " WHERE " + condition
            )
            .first()!.decode(column: "n", as: Int.self)
        }
    }
}

/// How many sync jobs a harness's worker ran.
final class SyncRuns: Sendable {
    private let runs = Mutex(0)
    var value: Int { runs.withLock { $0 } }
    func count() { runs.withLock { $0 += 1 } }
}
