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
import Synchronization

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
            ORCHARD_TEST_POSTGRES_URL (an admin URL; a fresh database is made and dropped). With --workers N \
            the timed run is N `orchard worker` processes sharing the PostgreSQL queue (the sandbox stays \
            in this process, its clock at today's date, since the workers keep the real time), each with \
            --concurrency requests in flight: the ideal is requests × latency / (N × concurrency).
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
    @Option(
        help: ArgumentHelp(
            "`orchard worker` processes for the timed run (0: one JobWorker in this process); several counts (1,2,4) are run in turn, each on a copy of the database as set up."
        ))
    var workers = "0"
    @Option(help: "The orchard binary the workers run (default: next to this one).") var orchard: String?
    @Option(help: "The worker processes' log level (ORCHARD_LOG_LEVEL); warning shows each failed job.")
    var workerLogLevel = "warning"

    func run() async throws {
        guard let backend = TestBackend(rawValue: backend) else {
            throw ValidationError("--backend is sqlite or postgres")
        }
        let workerCounts = workers.split(separator: ",").compactMap { Int($0) }
        guard !workerCounts.isEmpty, workerCounts.allSatisfy({ $0 >= 0 }),
            workerCounts == [0] || workerCounts.allSatisfy({ $0 > 0 })
        else { throw ValidationError("--workers is 0, or worker counts such as 1,2,4") }
        guard workerCounts == [0] || backend == .postgres else {
            throw ValidationError("--workers needs --backend postgres: processes share a PostgreSQL queue")
        }
        let orchardBinary =
            orchard
            ?? URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(
                "orchard"
            ).path
        // Worker processes keep the real time: the timed day is today, set up from yesterday.
        let timedDay =
            workerCounts != [0]
            ? Date(timeIntervalSince1970: (Date().timeIntervalSince1970 / 60).rounded(.down) * 60)
            : Date(timeIntervalSince1970: 1_781_524_800 + 86_400)  // 2026-06-16 12:00 UTC
        let start = timedDay.addingTimeInterval(-86_400)
        let clock = ManualClock(start)
        let inProcess = workerCounts == [0]
        let concurrency = concurrency
        let latencyMs = latencyMs
        let workerLogLevel = workerLogLevel
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
            // Closed before the worker processes' runs, which copy the database as set up.
            let database = try await fresh.open(maxConnections: 8)
            let pool = OpenPool()
            do {
                // As `orchard migrate` sets a database up: the shipped exchange rates too (else the
                // timed run's workers would load them, and rebuild every account's euro amounts).
                _ = try await MigrationRunner(logger: quiet).run(on: database)
                _ = try await FXRateStore(database: database).loadShippedRates()
                try await SandboxServer.withRunning(
                    seed: 11, now: start, rateLimit: 100_000_000, reportCacheCapacity: cacheCapacity
                ) { sandbox in
                    let key = SecretBox.generateKey()
                    let keys = try KeyRing(base64Keys: [key])
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

                    say("setup: \(accountCount) accounts; first sync (untimed, no latency)")
                    try await engine.scheduleSyncs()
                    _ = try await runQueue(
                        queue, engine: engine, database: database, keys: keys, clock: clock, logger: quiet)

                    clock.advance(by: 86_400)
                    sandbox.clock.set(clock.now, frozen: true)
                    sandbox.faults.settings = FaultSettings(latencyMs: latencyMs)
                    try await engine.scheduleSyncs()
                    if inProcess {
                        // For profilers: attach now to see only the timed run.
                        FileHandle.standardError.write(Data("timed run starts\n".utf8))
                        let before = await limiter.started
                        let (seconds, memory, busy) = try await runQueue(
                            queue, engine: engine, database: database, keys: keys, clock: clock, logger: quiet)
                        let requests = await limiter.started - before
                        try await report(
                            database,
                            workers:
                                "one worker in this process, concurrency \(concurrency) (peak in flight \(await limiter.peak))",
                            requests: requests, totalConcurrency: concurrency, seconds: seconds, memory: memory,
                            busy: busy)
                        return
                    }
                    try await database.close()
                    pool.closed()
                    for count in workerCounts {
                        try await Self.withCopy(of: fresh.url) { url in
                            let copy = try await OrchardDatabase.open(url, maxConnections: 2, logger: quiet)
                            do {
                                let before = sandbox.faults.requests
                                let (seconds, memory, busy) = try await runWorkers(
                                    count, binary: orchardBinary, queue: JobQueue(database: copy),
                                    environment: [
                                        "DATABASE_URL": url.settingValue, "ORCHARD_MASTER_KEY": key,
                                        "ORCHARD_REPORTER_URL": sandbox.baseURL,
                                        "ORCHARD_SYNC_CONCURRENCY": String(concurrency),
                                        "ORCHARD_RESTATEMENT_DAYS": String(restatementDays),
                                        "ORCHARD_BACKFILL_DAYS": String(settings.backfillDays),
                                        "ORCHARD_INVITATION_CHECK_SECONDS": "86400", "ORCHARD_FX_URL": "none",
                                        "ORCHARD_JOB_LEASE_SECONDS": "3600",
                                        // Warnings at least: a failed job (retried) is logged at that level.
                                        "ORCHARD_LOG_LEVEL": workerLogLevel,
                                    ])
                                let requests = sandbox.faults.requests - before
                                if ReportCalendar.latestDay(at: Date()) != ReportCalendar.latestDay(at: timedDay) {
                                    say(
                                        "warning: Apple's newest day changed during the run; the workers asked for another day"
                                    )
                                }
                                try await report(
                                    copy, workers: "\(count) orchard worker processes × concurrency \(concurrency)",
                                    requests: requests, totalConcurrency: count * concurrency, seconds: seconds,
                                    memory: memory, busy: busy)
                                try await copy.close()
                            } catch {
                                try? await copy.close()
                                throw error
                            }
                        }
                    }
                }
                if pool.isOpen { try await database.close() }
            } catch {
                if pool.isOpen { try? await database.close() }
                throw error
            }
        }
    }

    /// Whether the set-up's pool is still open (closed before the workers' copies are made).
    final class OpenPool: Sendable {
        private let state = Mutex(true)
        var isOpen: Bool { state.withLock { $0 } }
        func closed() { state.withLock { $0 = false } }
    }

    /// Prints one timed run's figures against the ideal.
    private func report(
        _ database: OrchardDatabase, workers: String, requests: Int, totalConcurrency: Int, seconds: Double,
        memory: [Double], busy: Double
    ) async throws {
        let ideal = Double(requests) * Double(latencyMs) / 1_000 / Double(totalConcurrency)
        let twice = try await database.withConnection { connection in
            try await connection.raw("SELECT COUNT(*) AS n FROM jobs WHERE kind = 'sync_account' AND attempts > 1")
                .first()!.decode(column: "n", as: Int.self)
        }
        let all = try await JobQueue(database: database).counts()
        let counts = all["sync_account"] ?? [:]
        let others = all.filter { $0.key != "sync_account" }.map { kind, states in
            "\(kind): " + states.map { "\($0.key.rawValue) \($0.value)" }.sorted().joined(separator: ", ")
        }.sorted().joined(separator: "; ")
        say(
            """
            daily sync on \(backend): \(accounts) accounts, \(requests) Apple requests, latency \(latencyMs) ms, \(workers)
            sync_account jobs run more than once: \(twice)
            measured \(String(format: "%.1f", seconds)) s, ideal \(String(format: "%.1f", ideal)) s, \
            ratio \(String(format: "%.3f", seconds / ideal))
            jobs: \(counts.map { "\($0.key.rawValue) \($0.value)" }.sorted().joined(separator: ", ")) (other kinds, \
            setup included: \(others))
            resident memory (MiB, the largest process) at 0/25/50/75/100% of the run: \
            \(memory.map { String(format: "%.0f", $0) }.joined(separator: " / "))
            machine CPU busy during the run (workers, PostgreSQL and the sandbox together): \
            \(String(format: "%.0f", busy * 100))% of \(ProcessInfo.processInfo.activeProcessorCount) cores
            """)
    }

    /// Runs `body` with a copy of the PostgreSQL database at `url` (no connection may be open to it),
    /// dropped afterwards.
    static func withCopy(of url: DatabaseURL, _ body: (DatabaseURL) async throws -> Void) async throws {
        guard case .postgres(let text) = url, var components = URLComponents(string: text),
            let adminText = ProcessInfo.processInfo.environment[TestBackend.postgresURLVariable],
            let admin = DatabaseURL(parsing: adminText)
        else { throw ValidationError("a copy needs PostgreSQL and \(TestBackend.postgresURLVariable)") }
        let source = String(components.path.dropFirst())
        let name = "\(source)_run\(UUID().uuidString.prefix(6).lowercased())"
        components.path = "/\(name)"
        let adminDatabase = try await OrchardDatabase.open(admin, maxConnections: 1, logger: Logger(label: "bench"))
        do {
            try await adminDatabase.withConnection {
                try await $0.raw("CREATE DATABASE \(ident: name) TEMPLATE \(ident: source)").run()
            }
            do {
                try await body(.postgres(url: components.string!))
            } catch {
                try? await adminDatabase.withConnection {
                    try await $0.raw("DROP DATABASE IF EXISTS \(ident: name) WITH (FORCE)").run()
                }
                throw error
            }
            try await adminDatabase.withConnection {
                try await $0.raw("DROP DATABASE IF EXISTS \(ident: name) WITH (FORCE)").run()
            }
            try await adminDatabase.close()
        } catch {
            try? await adminDatabase.close()
            throw error
        }
    }

    /// Backfills are not part of the measure: the accounts are set up as synced already. Nor are the
    /// activations' notifications (this process's worker has no notification handlers).
    private func cancelBackfills(_ database: OrchardDatabase) async throws {
        try await database.withTransaction { connection in
            try await connection.raw(
                "UPDATE jobs SET state = 'cancelled' WHERE kind IN ('backfill_account', 'dispatch_event')"
            ).run()
        }
    }

    /// The jobs of a daily sync: each account's sync, and the Financial reports it queues.
    static let syncKinds = ["sync_account", "sync_finance"]

    /// Sync jobs still queued or running.
    static func left(_ queue: JobQueue) async throws -> Int {
        let counts = try await queue.counts()
        return syncKinds.reduce(0) { sum, kind in
            sum + (counts[kind]?[.queued] ?? 0) + (counts[kind]?[.running] ?? 0)
        }
    }

    /// Runs the queue with one worker until no sync job (``syncKinds``) is queued or running; returns the seconds
    /// taken, the resident memory at each quarter and the share of the machine's CPU used.
    private func runQueue(
        _ queue: JobQueue, engine: SyncEngine, database: OrchardDatabase, keys: KeyRing, clock: ManualClock,
        logger: Logger
    ) async throws -> (Double, [Double], Double) {
        let total = (try await queue.counts()["sync_account"]?[.queued]) ?? 0
        let worker = JobWorker(
            queue: queue,
            handlers: syncHandlers(
                database: database, keys: keys, engine: engine, now: { clock.now }, logger: logger),
            lease: 3_600, idleCap: 0.05, concurrency: concurrency, now: { clock.now }, logger: logger)
        let started = ContinuousClock.now
        let cpu = BenchWorld.machineCPU()
        var memory = [BenchWorld.residentMiB()]
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                let services = ServiceGroup(
                    configuration: .init(services: [worker], gracefulShutdownSignals: [], logger: logger))
                try await services.run()
            }
            while true {
                try await Task.sleep(for: .milliseconds(100))
                let left = try await Self.left(queue)
                let quarter = total == 0 ? 4 : max(0, total - left) * 4 / total
                while memory.count <= quarter, memory.count < 5 { memory.append(BenchWorld.residentMiB()) }
                if left == 0 { break }
            }
            group.cancelAll()
        }
        return ((ContinuousClock.now - started).seconds, memory, BenchWorld.busyShare(since: cpu))
    }
}

extension DailySyncBenchmark {
    /// Runs the queued sync jobs (``syncKinds``) with `count` `orchard worker` processes until none is queued or
    /// running; returns the seconds taken, at each quarter the largest worker's resident memory, and the
    /// share of the machine's CPU used.
    func runWorkers(_ count: Int, binary: String, queue: JobQueue, environment: [String: String]) async throws
        -> (Double, [Double], Double)
    {
        let total = (try await queue.counts()["sync_account"]?[.queued]) ?? 0
        let root = FileManager.default.temporaryDirectory.appendingPathComponent(
            "orchard-daily-sync-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: root) }
        let started = ContinuousClock.now
        let cpu = BenchWorld.machineCPU()
        let processes = try (0..<count).map { index in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = ["worker"]
            process.environment = ProcessInfo.processInfo.environment.merging(
                environment.merging(["ORCHARD_DATA_DIR": root.appendingPathComponent("host\(index)").path]) { $1 }
            ) { $1 }
            try process.run()
            return process
        }
        defer { for process in processes where process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        func largestResident() -> Double {
            processes.map { BenchWorld.residentMiB(of: $0.processIdentifier) }.max() ?? 0
        }
        var memory = [largestResident()]
        while true {
            try await Task.sleep(for: .milliseconds(100))
            if let exited = processes.first(where: { !$0.isRunning }) {
                throw ValidationError("an orchard worker exited with status \(exited.terminationStatus)")
            }
            let left = try await Self.left(queue)
            let quarter = total == 0 ? 4 : max(0, total - left) * 4 / total
            while memory.count <= quarter, memory.count < 5 { memory.append(largestResident()) }
            if left == 0 { break }
        }
        let seconds = (ContinuousClock.now - started).seconds
        let busy = BenchWorld.busyShare(since: cpu)
        for process in processes { process.terminate() }
        for process in processes { await process.exited() }
        return (seconds, memory, busy)
    }
}

extension Duration {
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
