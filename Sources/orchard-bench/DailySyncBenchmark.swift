import AppStoreConnect
import ArgumentParser
import AsyncHTTPClient
import ConnectSandbox
import Foundation
import Logging
import OrchardCore
import OrchardStorage
import OrchardSync
import OrchardTestSupport
import SQLKit
import SalesReports
import ServiceLifecycle

/// The daily sync of many accounts against the sandbox with injected latency,
/// against the ideal time (requests × latency / concurrency).
struct DailySyncBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "daily-sync",
        abstract: "Time the daily sync of many accounts against Connect Sandbox with injected latency.",
        discussion: """
            Sets up the accounts synced through the day before yesterday (a first sync, untimed, fetches \
            the restatement window), moves the clock a day, then times the daily sync of every account: \
            yesterday's new report and the restatement window again, for each account. PostgreSQL needs \
            ORCHARD_TEST_POSTGRES_URL (an admin URL; a fresh database is made and dropped).
            """)

    @Option(help: "Store accounts to sync.") var accounts = 2_000
    @Option(help: "Latency the sandbox adds to each Apple request, in milliseconds.") var latencyMs = 100
    @Option(help: "Apple requests in flight (ORCHARD_SYNC_CONCURRENCY).") var concurrency = 32
    @Option(help: "Days fetched again by the daily sync (ORCHARD_RESTATEMENT_DAYS).") var restatementDays = 7
    @Option(help: "Apps per account.") var apps = 3
    @Option(help: "sqlite or postgres.") var backend = "sqlite"
    /// Apple's report files cost Orchard nothing to make; the sandbox standing in for Apple makes
    /// them on the same two cores, so by default it keeps every report of the run instead of
    /// regenerating them when its cache (20,000 in `orchard sandbox`) fills.
    @Option(help: "Reports the sandbox keeps generated (20,000 in `orchard sandbox`).")
    var cacheCapacity = 100_000

    func run() async throws {
        guard let backend = TestBackend(rawValue: backend) else {
            throw ValidationError("--backend is sqlite or postgres")
        }
        let start = Date(timeIntervalSince1970: 1_781_524_800)  // 2026-06-15 12:00 UTC
        let clock = ManualClock(start)
        let concurrency = concurrency
        let latencyMs = latencyMs
        let settings = {
            var settings = SyncSettings()
            settings.concurrency = concurrency
            settings.restatementDays = restatementDays
            settings.backfillDays = 30
            return settings
        }()
        let accountCount = accounts
        let apps = apps
        let cacheCapacity = cacheCapacity
        var logger = Logger(label: "orchard.bench")
        logger.logLevel = .warning
        let quiet = logger
        try await TestDatabase.withFresh(backend) { fresh in
            try await fresh.withOpen { database in
                _ = try await MigrationRunner(logger: quiet).run(on: database)
                try await SandboxServer.withRunning(
                    seed: 11, now: start, rateLimit: 100_000_000, reportCacheCapacity: cacheCapacity
                ) { sandbox in
                    let keys = try KeyRing(base64Keys: [SecretBox.generateKey()])
                    let (accounts, token) = try BenchWorld.sandboxAccounts(
                        sandbox, count: accountCount, apps: apps, historyDays: 40)
                    try BenchWorld.inviteService(sandbox, into: accounts)
                    try await BenchWorld.integrate(
                        accounts, database: database, keys: keys, serviceToken: token, now: start)
                    var configuration = HTTPClient.Configuration()
                    configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = concurrency
                    let http = HTTPClient(
                        eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
                    defer { _ = http.shutdown() }
                    let limiter = RequestLimiter(limit: concurrency, perAccount: settings.perAccountConcurrency)
                    let engine = SyncEngine(
                        database: database,
                        reporter: ReporterClient(
                            baseURL: URL(string: sandbox.baseURL)!, transport: .asyncHTTPClient(http), logger: quiet),
                        service: ServiceIdentity(database: database, keys: keys, configuredToken: nil),
                        settings: settings, archive: nil, limiter: limiter, now: { clock.now }, logger: quiet)
                    // Active accounts synced through the day before the restatement window.
                    try await engine.checkInvitations()
                    let through = engine.latestReportDay().adding(days: -(settings.restatementDays + 1))
                    for account in accounts {
                        try await StoreAccountStore(database: database).recordSync(
                            number: String(account.number), through: through, now: start)
                    }
                    let queue = JobQueue(database: database)
                    try await cancelBackfills(database)

                    print("setup: \(accountCount) accounts; first sync (untimed, no latency)")
                    try await engine.scheduleSyncs()
                    _ = try await runQueue(
                        queue, engine: engine, database: database, keys: keys, clock: clock, logger: quiet)

                    clock.advance(by: 86_400)
                    sandbox.clock.set(clock.now, frozen: true)
                    sandbox.faults.settings = FaultSettings(latencyMs: latencyMs)
                    try await engine.scheduleSyncs()
                    // For profilers: attach now to see only the timed run.
                    FileHandle.standardError.write(Data("timed run starts\n".utf8))
                    let before = await limiter.started
                    let (seconds, memory) = try await runQueue(
                        queue, engine: engine, database: database, keys: keys, clock: clock, logger: quiet)
                    let requests = await limiter.started - before
                    let ideal = Double(requests) * Double(latencyMs) / 1_000 / Double(concurrency)
                    let counts = try await queue.counts()["sync_account"] ?? [:]
                    print(
                        """
                        daily sync on \(backend): \(accountCount) accounts, \(requests) Apple requests, \
                        latency \(latencyMs) ms, concurrency \(concurrency) (peak in flight \(await limiter.peak))
                        measured \(String(format: "%.1f", seconds)) s, ideal \(String(format: "%.1f", ideal)) s, \
                        ratio \(String(format: "%.3f", seconds / ideal))
                        jobs: \(counts.map { "\($0.key.rawValue) \($0.value)" }.sorted().joined(separator: ", "))
                        resident memory (MiB) at 0/25/50/75/100% of the run: \
                        \(memory.map { String(format: "%.0f", $0) }.joined(separator: " / "))
                        """)
                }
            }
        }
    }

    /// Backfills are not part of the measure: the accounts are set up as synced already.
    private func cancelBackfills(_ database: OrchardDatabase) async throws {
        try await database.withTransaction { connection in
            try await connection.raw("UPDATE jobs SET state = 'cancelled' WHERE kind = 'backfill_account'").run()
        }
    }

    /// Runs the queue with one worker until no sync job is queued or running; returns the seconds
    /// taken and the resident memory at each quarter.
    private func runQueue(
        _ queue: JobQueue, engine: SyncEngine, database: OrchardDatabase, keys: KeyRing, clock: ManualClock,
        logger: Logger
    ) async throws -> (Double, [Double]) {
        let total = (try await queue.counts()["sync_account"]?[.queued]) ?? 0
        let worker = JobWorker(
            queue: queue,
            handlers: syncHandlers(
                database: database, keys: keys, engine: engine, now: { clock.now }, logger: logger),
            lease: 3_600, idleCap: 0.05, concurrency: concurrency, now: { clock.now }, logger: logger)
        let started = ContinuousClock.now
        var memory = [BenchWorld.residentMiB()]
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                let services = ServiceGroup(
                    configuration: .init(services: [worker], gracefulShutdownSignals: [], logger: logger))
                try await services.run()
            }
            while true {
                try await Task.sleep(for: .milliseconds(100))
                let counts = try await queue.counts()["sync_account"] ?? [:]
                let left = (counts[.queued] ?? 0) + (counts[.running] ?? 0)
                let quarter = total == 0 ? 4 : (total - left) * 4 / total
                while memory.count <= quarter, memory.count < 5 { memory.append(BenchWorld.residentMiB()) }
                if left == 0 { break }
            }
            group.cancelAll()
        }
        return ((ContinuousClock.now - started).seconds, memory)
    }
}

extension Duration {
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
