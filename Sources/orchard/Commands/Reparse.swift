import ArgumentParser
import Foundation
import Logging
import OrchardCore
import OrchardStorage

struct Reparse: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Parse every stored raw report again (after a parser fix) and replace its rows.",
        discussion: """
            On PostgreSQL the reports are read from the database's archive, so any host can run it; on SQLite \
            from raw/ in the data directory.
            """)

    @Option(help: "Only this account number.") var account: String?
    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let settings = try CommandSupport.settings(commandLine: database.commandLineSettings)
        let logger = Logger(label: "orchard.reparse")
        let database = try await CommandSupport.openDatabase(settings, logger: logger)
        _ = try await CommandSupport.migrate(database, settings: settings, logger: logger)
        let archive = ReportArchive(backend: database.backend, dataDirectory: settings.dataDirectory)
        let ingestor = ReportIngestor(database: database, archive: nil, logger: logger)
        var done = 0
        var missing = 0
        var failed = 0
        for entry in try await ReportLedger(database: database).allWithFiles(accountNumber: account) {
            guard let source = try await archive.source(sha256: entry.sha256, database: database) else {
                missing += 1
                continue
            }
            do {
                _ = try await ingestor.ingest(source, identity: entry.identity, now: Date(), force: true)
                done += 1
            } catch {
                failed += 1
                CommandSupport.printError("orchard reparse: \(entry.identity): \(error)")
            }
        }
        try await database.close()
        print("reparsed \(done) report(s); \(missing) without a raw file; \(failed) failed")
        if failed > 0 { throw ExitCode.failure }
    }
}
