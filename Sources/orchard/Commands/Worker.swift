import ArgumentParser
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
            Jobs so far: erasing customers' access tokens past ORCHARD_FUNNEL_TOKEN_MINUTES. Invitation checks, \
            backfill and the daily sync come with the sync engine (issue 10). SIGTERM or SIGINT stops the worker \
            gracefully: a running job is released to be run again.
            """)

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let settings = try CommandSupport.settings(commandLine: database.commandLineSettings)
        let logger = Logger(label: "orchard.worker")
        let database = try await CommandSupport.openDatabase(settings, logger: logger)
        let (keys, _) = try await CommandSupport.masterKeys(settings, database: database, logger: logger)
        let group = ServiceGroup(
            configuration: .init(
                services: buildWorkers(database: database, keys: keys, logger: logger).map {
                    .init(service: $0, successTerminationBehavior: .gracefullyShutdownGroup)
                }, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch {
            try? await database.close()
            throw error
        }
        try await database.close()
    }
}
