import AppStoreConnect
import ArgumentParser
import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import Metrics
import NIOCore
import OrchardCore
import OrchardStorage
import OrchardSync
import OrchardWeb
import Prometheus

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the web dashboard and JSON API (and the background workers unless --no-workers).")

    @Option(help: "The address to listen on (env ORCHARD_HOST). Default 127.0.0.1.")
    var host: String?

    @Option(help: "The port to listen on; 0 picks a free one (env ORCHARD_PORT). Default 8080.")
    var port: Int?

    @OptionGroup var database: DatabaseOptions

    @Flag(help: "Serve HTTP only; run workers separately with `orchard worker` (env ORCHARD_WORKERS=false).")
    var noWorkers = false

    func run() async throws {
        var given = database.commandLineSettings
        if let host { given[.host] = host }
        if let port { given[.port] = String(port) }
        if noWorkers { given[.runWorkers] = "false" }
        let settings = try CommandSupport.settings(commandLine: given)
        let logger = Logger(label: "orchard.serve")

        let database = try await CommandSupport.openDatabase(
            settings, logger: logger, waiting: CommandSupport.databaseWait)
        let (keys, _) = try await CommandSupport.masterKeys(settings, database: database, logger: logger)
        // While nobody has signed up, the first account (the operator's) needs a code only this
        // console shows: whoever reaches the site first does not become its operator.
        let setupCode = try await AdmissionStore(database: database).issueSetupCode(now: Date())
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(prometheusFactory(registry))
        let (workers, http, engine) = CommandSupport.workers(
            settings, database: database, keys: keys, logger: Logger(label: "orchard.worker"))
        let app = buildApplication(
            settings: settings, database: database, logger: logger, services: settings.runWorkers ? workers : [],
            metrics: PrometheusController(
                registry: registry, token: settings.metricsToken, snapshot: { try await engine.snapshot() }),
            funnel: CommandSupport.funnel(settings, http: http, keys: keys),
            notifications: CommandSupport.notifications(settings, database: database, keys: keys),
            operations: { try await engine.snapshot() }, health: engine.recentHealth(),
            onServerRunning: { port in
                CommandSupport.listening(on: port, settings: settings)
                logger.notice(
                    "Orchard is listening",
                    metadata: ["url": "http://\(settings.host):\(port)", "database": "\(database.displayName)"])
                if let setupCode {
                    FileHandle.standardOutput.write(
                        Data(Self.setupBanner(code: setupCode, url: "http://\(settings.host):\(port)").utf8))
                }
            })
        try await CommandSupport.runUntilStopped(app, port: settings.port, http: http, database: database)
    }
}

extension Serve {
    /// What `serve` prints while nobody has signed up: the one-time code the first account needs.
    static func setupBanner(code: String, url: String) -> String {
        """

        Nobody has signed up on this Orchard yet. The first account is the operator's; create it at
            \(url)/signup
        with this one-time setup code (it stops working once the operator has signed up):

            \(code)


        """
    }
}

extension CommandSupport {
    /// The funnel's access to Apple's Reporter: a person waits there, so a short timeout and one
    /// retry, then a clear message.
    static func funnel(_ settings: Settings, http: HTTPClient, keys: KeyRing) -> FunnelDependencies {
        FunnelDependencies(
            reporter: ReporterClient(
                baseURL: settings.reporterURL, transport: .asyncHTTPClient(http),
                retry: RetryPolicy(maxAttempts: 2), timeout: .seconds(20), logger: Logger(label: "orchard.funnel")),
            keys: keys)
    }

    /// Runs `app` until SIGINT or SIGTERM, then shuts down the Apple client and closes the database;
    /// a port already taken is said as such, with the way out.
    static func runUntilStopped(
        _ app: some ApplicationProtocol, port: Int, http: HTTPClient, database: OrchardDatabase
    ) async throws {
        do {
            try await app.runService()
        } catch {
            try? await http.shutdown()
            try? await database.close()
            if let error = error as? IOError, error.errnoCode == EADDRINUSE {
                printError("orchard: port \(port) is in use; choose another with --port")
                throw ExitCode.failure
            }
            throw error
        }
        try? await http.shutdown()
        try await database.close()
    }

    /// Opens the configured database, or exits naming it (password masked) and the reason.
    ///
    /// - Parameter waiting: a long-running role (`serve`, `worker`) started while PostgreSQL restarts
    ///   waits up to this many seconds for it to answer, saying so, instead of exiting at once.
    static func openDatabase(_ settings: Settings, logger: Logger, waiting: Double = 0) async throws
        -> OrchardDatabase
    {
        let database: OrchardDatabase
        do {
            // PostgreSQL: 16 connections keep two cores busy under 64 concurrent requests (8 left a
            // quarter of them idle, 32 queued more in the server); SQLite 8, as its benchmarks ran.
            let connections = if case .postgres = settings.databaseURL { 16 } else { 8 }
            database = try await OrchardDatabase.open(
                settings.databaseURL, maxConnections: connections, logger: logger)
        } catch {
            printError("orchard: \(error)")
            throw ExitCode.failure
        }
        guard database.backend == .postgres else { return database }
        let started = ContinuousClock.now
        while true {
            do {
                try await database.checkConnection()
                return database
            } catch {
                guard (ContinuousClock.now - started) < .seconds(waiting) else {
                    try? await database.close()
                    printError("orchard: \(error)")
                    throw ExitCode.failure
                }
                logger.warning(
                    "the database does not answer yet; trying again",
                    metadata: ["database": "\(database.displayName)", "error": "\(error)"])
                try await Task.sleep(for: .seconds(1))
            }
        }
    }

    /// How long `serve` and `worker` wait for a database that does not answer at start.
    static let databaseWait: Double = 60
}
