import ArgumentParser
import Foundation
import Logging
import OrchardCore
import OrchardStorage
import SalesReports

struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Ingest downloaded report files (.txt or .txt.gz) into the database for one account.",
        discussion: """
            Each file is one report, named as Apple names it (S_D_<vendor>_<yyyymmdd>.txt.gz …) or with --vendor.
            Importing the same file again changes nothing; a corrected file replaces the report's rows.
            """)

    @Option(help: "The App Store Connect account number the files belong to.")
    var account: String

    @Option(help: "The vendor number, when the file names do not carry it.")
    var vendor: String?

    @Argument(help: "Report files.")
    var files: [String]

    @OptionGroup var database: DatabaseOptions

    func validate() throws {
        guard !account.isEmpty, account.allSatisfy(\.isNumber) else {
            throw ValidationError("--account must be the account number (digits), not '\(account)'")
        }
        for file in files where !FileManager.default.isReadableFile(atPath: file) {
            throw ValidationError("cannot read \(file)")
        }
    }

    func run() async throws {
        let settings = try CommandSupport.settings(commandLine: database.commandLineSettings)
        let logger = Logger(label: "orchard.import")
        let database = try await CommandSupport.openDatabase(settings, logger: logger)
        _ = try await CommandSupport.migrate(database, settings: settings, logger: logger)
        let ingestor = ReportIngestor(
            database: database,
            archive: ReportArchive(backend: database.backend, dataDirectory: settings.dataDirectory),
            logger: logger)
        let progress = ProgressLine()
        var failures = 0
        for (index, file) in files.enumerated() {
            let label = "[\(index + 1)/\(files.count)] \((file as NSString).lastPathComponent)"
            progress.show("\(label): reading")
            do {
                let result = try await ingestor.ingest(path: file, accountNumber: account, vendor: vendor, now: Date())
                {
                    rows in progress.show("\(label): \(rows) rows")
                }
                progress.finish("\(label): \(Self.describe(result))")
            } catch {
                failures += 1
                progress.finish("\(label): FAILED, nothing changed: \(error)", toStandardError: true)
            }
        }
        try await database.close()
        if failures > 0 {
            CommandSupport.printError("orchard import: \(failures) of \(files.count) file(s) failed")
            throw ExitCode.failure
        }
    }

    static func describe(_ result: ReportIngestor.Result) -> String {
        let what =
            "\(result.identity.type.rawValue) \(result.identity.frequency.rawValue) \(result.identity.date.isoText) "
            + "vendor \(result.identity.vendor)"
        switch result.outcome {
        case .ingested(let rows): return "\(what): \(rows) rows ingested"
        case .restated(let rows): return "\(what): restated, \(rows) rows replace the earlier ones"
        case .unchanged: return "\(what): already ingested, unchanged"
        }
    }
}

/// One line that rewrites itself on a terminal, and plain lines otherwise (logs, pipes, CI).
final class ProgressLine: Sendable {
    private let isTerminal = isatty(STDOUT_FILENO) == 1

    func show(_ text: String) {
        guard isTerminal else { return }
        FileHandle.standardOutput.write(Data("\r\u{1B}[2K\(text)".utf8))
    }

    func finish(_ text: String, toStandardError: Bool = false) {
        if isTerminal { FileHandle.standardOutput.write(Data("\r\u{1B}[2K".utf8)) }
        if toStandardError {
            CommandSupport.printError(text)
        } else {
            print(text)
        }
    }
}
