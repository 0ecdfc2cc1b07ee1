import ArgumentParser
import Hummingbird
import Logging
import OrchardCore
import OrchardStorage
import OrchardWeb

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

        _ = try CommandSupport.secretBox(settings, logger: logger)
        let database = try await CommandSupport.openDatabase(settings, logger: logger)
        _ = try await CommandSupport.migrate(database, logger: logger)
        let app = buildApplication(settings: settings, database: database, logger: logger) { port in
            logger.notice(
                "Orchard is listening",
                metadata: ["url": "http://\(settings.host):\(port)", "database": "\(database.displayName)"])
        }
        do {
            try await app.runService()
        } catch {
            try? await database.close()
            throw error
        }
        try await database.close()
    }
}

extension CommandSupport {
    /// Opens the configured database, or exits naming it (password masked) and the reason.
    static func openDatabase(_ settings: Settings, logger: Logger) async throws -> OrchardDatabase {
        do {
            return try await OrchardDatabase.open(settings.databaseURL, logger: logger)
        } catch {
            printError("orchard: \(error)")
            throw ExitCode.failure
        }
    }

    /// The master key for secrets at rest: `ORCHARD_MASTER_KEY`, else the data directory's `master.key`,
    /// generated (with a warning) the first time.
    static func secretBox(_ settings: Settings, logger: Logger) throws -> SecretBox {
        do {
            let (box, origin) = try MasterKeyFile.load(
                configured: settings.masterKey?.revealed, dataDirectory: settings.dataDirectory)
            if case .generated(let path) = origin {
                logger.warning(
                    "ORCHARD_MASTER_KEY is not set: generated a new master key; back it up, secrets at rest need it",
                    metadata: ["path": "\(path)"])
            }
            return box
        } catch {
            printError("orchard: cannot load the master key: \(error)")
            throw ExitCode(78)
        }
    }

    /// Applies pending migrations, or closes the database and exits with the reason.
    static func migrate(_ database: OrchardDatabase, logger: Logger) async throws -> MigrationRunner.Report {
        do {
            return try await MigrationRunner(logger: logger).run(on: database)
        } catch {
            try? await database.close()
            printError("orchard: \(error)")
            throw ExitCode.failure
        }
    }
}
