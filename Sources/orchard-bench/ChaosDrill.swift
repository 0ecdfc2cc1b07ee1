import ArgumentParser
import ConnectSandbox
import Crypto
import Foundation
import Logging
import OrchardCore
import OrchardStorage
import OrchardTestSupport
import SQLKit

#if canImport(Glibc)
import Glibc
#endif

/// The chaos drill: real `orchard worker` processes backfill accounts from the sandbox, once
/// without faults and once with Apple failing (5xx, 429, truncated gzip, timeouts, account listings
/// answered 200 with an empty list or an HTML page) while a worker is killed with SIGKILL every few
/// seconds and started again. The facts, rollups and ledger of both runs must be identical, with no
/// duplicate ledger rows, and every integration must still be active.
struct ChaosDrill: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chaos",
        abstract: "Backfill through killed workers and a failing Apple; compare with a fault-free run.",
        discussion: """
            PostgreSQL needs ORCHARD_TEST_POSTGRES_URL (an admin URL; fresh databases are made and dropped). \
            Exits non-zero when the two runs differ.
            """)

    @Option(help: "The orchard binary to run as workers.") var orchard: String
    @Option(help: "Store accounts.") var accounts = 20
    @Option(help: "Days of history to backfill (ORCHARD_BACKFILL_DAYS).") var days = 60
    @Option(help: "Worker processes.") var workers = 2
    @Option(help: "Seconds between SIGKILLs of a worker.") var killEvery = 3.0
    @Option(help: "Give up after this many seconds per run.") var timeout = 900.0
    @Option(help: "sqlite or postgres.") var backend = "sqlite"
    @Option(help: "Share of Apple requests answered 5xx.") var errorRate = 0.20
    @Option(help: "Share answered 429 with Retry-After.") var rateLimitRate = 0.10
    @Option(help: "Share of reports sent truncated.") var truncateRate = 0.05
    @Option(help: "Share of requests that hang, then fail.") var timeoutRate = 0.05
    @Option(
        help:
            "Share of account listings answered 200 with an empty <Accounts/>, and again of an HTML page: no integration may be removed."
    ) var listingGlitchRate = 0.25
    @Option(
        help:
            "Seconds the workers keep running (and being killed) in the chaotic run after the backfill, Apple's listing still glitching, before the integrations are counted."
    ) var linger = 0.0

    func run() async throws {
        guard let backend = TestBackend(rawValue: backend) else {
            throw ValidationError("--backend is sqlite or postgres")
        }
        guard FileManager.default.isExecutableFile(atPath: orchard) else {
            throw ValidationError("--orchard must name the orchard binary (swift build --show-bin-path)/orchard")
        }
        var logger = Logger(label: "orchard.chaos")
        logger.logLevel = .warning
        let quiet = logger
        let drill = self
        // The workers run on the real clock and ask for a Pacific day from 5 am Pacific the next morning;
        // this sandbox publishes a day's report as soon as the day is over, so no sync waits for Apple.
        try await SandboxServer.withRunning(seed: 17, availabilityHour: 0, rateLimit: 100_000_000) { sandbox in
            let (accounts, token) = try BenchWorld.sandboxAccounts(
                sandbox, count: drill.accounts, apps: 3, historyDays: drill.days + 5)
            try BenchWorld.inviteService(sandbox, into: accounts)
            var results: [RunResult] = []
            for chaotic in [false, true] {
                sandbox.faults.settings =
                    chaotic
                    ? FaultSettings(
                        errorRate: drill.errorRate, rateLimitRate: drill.rateLimitRate, timeoutRate: drill.timeoutRate,
                        truncateRate: drill.truncateRate, emptyListingRate: drill.listingGlitchRate,
                        htmlRate: drill.listingGlitchRate, timeoutSeconds: 2)
                    : FaultSettings()
                let result = try await TestDatabase.withFresh(backend) { fresh in
                    try await drill.runOnce(
                        chaotic: chaotic, database: fresh, sandbox: sandbox, accounts: accounts, serviceToken: token,
                        logger: quiet)
                }
                print(result.summary)
                results.append(result)
            }
            let same = results[0].checksum == results[1].checksum
            print(
                same
                    ? "identical: facts, rollups and ledger of the chaotic run equal the fault-free run"
                    : "DIFFERENT: the chaotic run does not equal the fault-free run")
            let lost = results.reduce(0) { $0 + $1.notActive }
            if lost > 0 { print("LOST: \(lost) integrations or accounts are no longer active after the runs") }
            if !same || lost > 0 || results.contains(where: { $0.duplicateLedgerRows > 0 }) { throw ExitCode.failure }
        }
    }

    struct RunResult {
        var chaotic: Bool
        var seconds: Double
        var kills: Int
        var checksum: String
        var facts: Int
        var rollups: Int
        var ledger: Int
        var duplicateLedgerRows: Int
        /// Integrations not active and accounts not accessible at the end: Apple's glitches removed them.
        var notActive: Int
        var jobs: String

        var summary: String {
            """
            \(chaotic ? "chaotic" : "fault-free") run: \(String(format: "%.1f", seconds)) s, \(kills) SIGKILLs, \
            \(facts) facts, \(rollups) rollup rows, \(ledger) ledger rows (\(duplicateLedgerRows) duplicated), \
            \(notActive) not active, jobs \(jobs), checksum \(checksum.prefix(16))
            """
        }
    }

    private func runOnce(
        chaotic: Bool, database fresh: TestDatabase, sandbox: SandboxServer, accounts: [SandboxAccount],
        serviceToken: String, logger: Logger
    ) async throws -> RunResult {
        let key = SecretBox.generateKey()
        let dataDirectory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "orchard-chaos-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: dataDirectory) }
        return try await fresh.withOpen { database in
            _ = try await MigrationRunner(logger: logger).run(on: database)
            try await BenchWorld.integrate(
                accounts, database: database, keys: try KeyRing(base64Keys: [key]), serviceToken: serviceToken,
                now: Date())
            let environment = [
                "DATABASE_URL": fresh.url.settingValue, "ORCHARD_MASTER_KEY": key,
                "ORCHARD_REPORTER_URL": sandbox.baseURL, "ORCHARD_DATA_DIR": dataDirectory.path,
                "ORCHARD_INVITATION_CHECK_SECONDS": "2", "ORCHARD_BACKFILL_DAYS": String(days),
                "ORCHARD_JOB_LEASE_SECONDS": "6", "ORCHARD_JOB_RETRY_SECONDS": "1", "ORCHARD_SYNC_CONCURRENCY": "8",
                "ORCHARD_LOG_LEVEL": "critical",
            ]
            var processes = try (0..<workers).map { _ in try start(environment: environment) }
            let started = ContinuousClock.now
            var lastKill = ContinuousClock.now
            var kills = 0
            defer { for process in processes where process.isRunning { kill(process.processIdentifier, SIGKILL) } }
            while try await !finished(database, accounts: accounts.count) {
                guard (ContinuousClock.now - started).seconds < timeout else {
                    throw ValidationError(
                        "the \(chaotic ? "chaotic" : "fault-free") run did not finish in \(timeout) s")
                }
                try await Task.sleep(for: .milliseconds(250))
                if chaotic, (ContinuousClock.now - lastKill).seconds >= killEvery {
                    let victim = Int.random(in: 0..<processes.count)
                    kill(processes[victim].processIdentifier, SIGKILL)
                    await processes[victim].exited()
                    processes[victim] = try start(environment: environment)
                    kills += 1
                    lastKill = .now
                }
                // A worker that exited on its own is a failure of the drill.
                if let dead = processes.first(where: { !$0.isRunning }) {
                    throw ValidationError("a worker exited by itself with status \(dead.terminationStatus)")
                }
            }
            let seconds = (ContinuousClock.now - started).seconds
            // Minutes more of glitching listings and kills: integrations must stay active throughout.
            let lingering = ContinuousClock.now
            while chaotic, (ContinuousClock.now - lingering).seconds < linger {
                try await Task.sleep(for: .milliseconds(250))
                if (ContinuousClock.now - lastKill).seconds >= killEvery {
                    let victim = Int.random(in: 0..<processes.count)
                    kill(processes[victim].processIdentifier, SIGKILL)
                    await processes[victim].exited()
                    processes[victim] = try start(environment: environment)
                    kills += 1
                    lastKill = .now
                }
            }
            for process in processes {
                process.terminate()
                await process.exited()
            }
            return try await measure(database, chaotic: chaotic, seconds: seconds, kills: kills)
        }
    }

    private func start(environment: [String: String]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: orchard)
        process.arguments = ["worker"]
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Every account is backfilled and no backfill or sync is left to run.
    private func finished(_ database: OrchardDatabase, accounts: Int) async throws -> Bool {
        try await database.withConnection { connection in
            let done = try await connection.raw(
                """
                SELECT COUNT(*) AS n FROM store_accounts
                WHERE synced_through IS NOT NULL AND backfill_total > 0 AND backfill_done = backfill_total
                """
            ).first()!.decode(column: "n", as: Int.self)
            let pending = try await connection.raw(
                """
                SELECT COUNT(*) AS n FROM jobs
                WHERE state IN ('queued', 'running') AND kind NOT IN ('check_invitations', 'erase_funnel_tokens')
                """
            ).first()!.decode(column: "n", as: Int.self)
            return done == accounts && pending == 0
        }
    }

    /// A SHA-256 over the facts, rollups and ledger, in an order that does not depend on row ids.
    private func measure(_ database: OrchardDatabase, chaotic: Bool, seconds: Double, kills: Int) async throws
        -> RunResult
    {
        try await database.withConnection { connection in
            var hash = SHA256()
            func add(_ query: SQLQueryString, columns: [(String, Bool)]) async throws -> Int {
                let rows = try await connection.raw(query).all()
                for row in rows {
                    let fields = try columns.map { name, isNumber in
                        isNumber
                            ? String(try row.decode(column: name, as: Int64?.self) ?? -1)
                            : try row.decode(column: name, as: String?.self) ?? "∅"
                    }
                    hash.update(data: Data((fields.joined(separator: "\t") + "\n").utf8))
                }
                return rows.count
            }
            let facts = try await add(
                """
                SELECT a.number, l.vendor, l.report_type, l.frequency, l.report_date, f.line, f.day, f.app_sku, f.sku,
                       f.product_type, f.bucket, f.units, f.proceeds_micros, f.proceeds_currency, f.sales_micros,
                       f.customer_currency, f.country, f.device
                FROM sales_facts f JOIN report_ledger l ON l.id = f.report_id
                JOIN store_accounts a ON a.id = l.store_account_id
                ORDER BY a.number, l.vendor, l.report_type, l.frequency, l.report_date, f.line
                """,
                columns: [
                    ("number", false), ("vendor", false), ("report_type", false), ("frequency", false),
                    ("report_date", false), ("line", true), ("day", false), ("app_sku", false), ("sku", false),
                    ("product_type", false), ("bucket", false), ("units", true), ("proceeds_micros", true),
                    ("proceeds_currency", false), ("sales_micros", true), ("customer_currency", false),
                    ("country", false), ("device", false),
                ])
            let rollups = try await add(
                """
                SELECT a.number, r.app_sku, r.day, r.country, r.device, r.proceeds_currency, r.customer_currency,
                       r.downloads, r.redownloads, r.updates, r.in_app_purchases, r.restores, r.other, r.returns,
                       r.proceeds_micros, r.sales_micros
                FROM daily_rollups r JOIN store_accounts a ON a.id = r.store_account_id
                ORDER BY a.number, r.app_sku, r.day, r.country, r.device, r.proceeds_currency, r.customer_currency
                """,
                columns: [
                    ("number", false), ("app_sku", false), ("day", false), ("country", false), ("device", false),
                    ("proceeds_currency", false), ("customer_currency", false), ("downloads", true),
                    ("redownloads", true), ("updates", true), ("in_app_purchases", true), ("restores", true),
                    ("other", true), ("returns", true), ("proceeds_micros", true), ("sales_micros", true),
                ])
            let ledger = try await add(
                """
                SELECT a.number, l.vendor, l.report_type, l.report_subtype, l.frequency, l.report_date, l.version,
                       l.state, l.row_count, l.sha256
                FROM report_ledger l JOIN store_accounts a ON a.id = l.store_account_id
                ORDER BY a.number, l.vendor, l.report_type, l.frequency, l.report_date, l.version
                """,
                columns: [
                    ("number", false), ("vendor", false), ("report_type", false), ("report_subtype", false),
                    ("frequency", false), ("report_date", false), ("version", false), ("state", false),
                    ("row_count", true), ("sha256", false),
                ])
            let duplicates = try await connection.raw(
                """
                SELECT COUNT(*) AS n FROM (
                    SELECT store_account_id, vendor, report_type, report_subtype, frequency, report_date, version
                    FROM report_ledger
                    GROUP BY store_account_id, vendor, report_type, report_subtype, frequency, report_date, version
                    HAVING COUNT(*) > 1) d
                """
            ).first()!.decode(column: "n", as: Int.self)
            let notActive = try await connection.raw(
                """
                SELECT (SELECT COUNT(*) FROM integrations WHERE status <> 'active')
                     + (SELECT COUNT(*) FROM store_accounts WHERE access_state <> 'accessible') AS n
                """
            ).first()!.decode(column: "n", as: Int.self)
            let jobs = try await connection.raw(
                "SELECT kind, state, COUNT(*) AS n FROM jobs GROUP BY kind, state ORDER BY kind, state"
            ).all().map {
                "\(try $0.decode(column: "kind", as: String.self)) \(try $0.decode(column: "state", as: String.self)) \(try $0.decode(column: "n", as: Int.self))"
            }
            return RunResult(
                chaotic: chaotic, seconds: seconds, kills: kills,
                checksum: hash.finalize().map { String(format: "%02x", $0) }.joined(), facts: facts,
                rollups: rollups, ledger: ledger, duplicateLedgerRows: duplicates, notActive: notActive,
                jobs: jobs.joined(separator: ", "))
        }
    }
}
