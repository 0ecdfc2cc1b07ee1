import ArgumentParser
import Foundation
import Logging
import OrchardCore
import OrchardStorage

/// `orchard archive`: the raw report archive.
struct Archive: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage the raw report archive.", subcommands: [MigrateFiles.self])

    struct MigrateFiles: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "migrate",
            abstract: "Move the data directory's raw/ report files into the PostgreSQL database's archive.",
            discussion: """
                Each file is checked against the SHA-256 it is named by, stored once, and removed from raw/ when the \
                database holds it; a file that does not match its name is left where it is and named. Safe to run \
                again and while workers run. Needs a PostgreSQL database: SQLite keeps raw/.
                """)

        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let settings = try CommandSupport.settings(commandLine: database.commandLineSettings)
            let logger = Logger(label: "orchard.archive")
            let database = try await CommandSupport.openDatabase(settings, logger: logger)
            guard database.backend == .postgres else {
                try? await database.close()
                CommandSupport.printError(
                    "orchard archive migrate: \(database.displayName) is SQLite, which keeps the raw/ directory; "
                        + "give a postgres:// database")
                throw ExitCode.validationFailure
            }
            _ = try await CommandSupport.migrate(database, settings: settings, logger: logger)
            let directory = RawReportStore(dataDirectory: settings.dataDirectory)
            let result: ReportArchive.Migration
            do {
                result = try await ReportArchive.migrate(from: directory, into: database, now: Date())
            } catch {
                try? await database.close()
                CommandSupport.printError("orchard archive migrate: \(error)")
                throw ExitCode.failure
            }
            try await database.close()
            print(
                "moved \(result.moved) report file(s) from \(directory.directory.path) into the database; "
                    + "\(result.alreadyThere) were there already; \(result.damaged.count) damaged")
            for path in result.damaged {
                CommandSupport.printError("orchard archive migrate: \(path) does not match its SHA-256: left in place")
            }
            if !result.damaged.isEmpty { throw ExitCode.failure }
        }
    }
}
