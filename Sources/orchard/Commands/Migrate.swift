import ArgumentParser
import Logging
import OrchardCore
import OrchardStorage

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply pending database migrations (safe to run from several processes at once).")

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let settings = try CommandSupport.settings(commandLine: database.commandLineSettings)
        let logger = Logger(label: "orchard.migrate")
        let database = try await CommandSupport.openDatabase(settings, logger: logger)
        let report = try await CommandSupport.migrate(database, settings: settings, logger: logger)
        try await database.close()
        if report.applied.isEmpty {
            print("\(database.displayName): already at schema version \(report.currentVersion); nothing to apply.")
        } else {
            let versions = report.applied.map(String.init).joined(separator: ", ")
            print(
                "\(database.displayName): applied migration(s) \(versions); now at schema version \(report.currentVersion)."
            )
        }
    }
}
