import ArgumentParser
import AsyncHTTPClient
import Logging
import OrchardCore
import OrchardStorage
import OrchardSync
import ServiceLifecycle
import UnixSignals

struct Worker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the background workers only, for scale-out: any number share one PostgreSQL queue.",
        discussion: """
            Checks invitations every ORCHARD_INVITATION_CHECK_SECONDS (activation, expiry, revocation), backfills \
            newly active accounts, runs the daily sync, purges revoked accounts after ORCHARD_RETENTION_DAYS and \
            erases customers' access tokens past ORCHARD_FUNNEL_TOKEN_MINUTES, with at most \
            ORCHARD_SYNC_CONCURRENCY Apple requests in flight. SIGTERM or SIGINT stops the worker gracefully: \
            running jobs are released to be run again.
            """)

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let settings = try CommandSupport.settings(commandLine: database.commandLineSettings)
        let logger = Logger(label: "orchard.worker")
        let database = try await CommandSupport.openDatabase(
            settings, logger: logger, waiting: CommandSupport.databaseWait)
        let (keys, _) = try await CommandSupport.masterKeys(settings, database: database, logger: logger)
        let (workers, http, _) = CommandSupport.workers(settings, database: database, keys: keys, logger: logger)
        var configuration = ServiceGroupConfiguration(
            services: workers.map { .init(service: $0, successTerminationBehavior: .gracefullyShutdownGroup) },
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        // Running jobs are released within moments of SIGTERM; one stuck on a database call that
        // never answers (a connection cut during a COPY) does not keep the process alive: it is
        // cancelled after 30 s and left behind after 10 s more, and its lease runs out elsewhere.
        configuration.maximumGracefulShutdownDuration = .seconds(30)
        configuration.maximumCancellationDuration = .seconds(10)
        let group = ServiceGroup(configuration: configuration)
        do {
            try await group.run()
        } catch {
            try? await http.shutdown()
            try? await database.close()
            throw error
        }
        try? await http.shutdown()
        try await database.close()
    }
}
