import ArgumentParser
import Foundation
import Logging
import OrchardCore
import OrchardStorage
import SalesReports

struct FX: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fx", abstract: "Exchange rates: the ECB's daily reference rates.",
        subcommands: [ImportRates.self, Convert.self])

    struct ImportRates: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract: "Load ECB reference rates from a CSV (Date,USD,JPY,… per EUR, as eurofxref-hist.csv).")

        @Argument(help: "The CSV file.") var file: String
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let settings = try CommandSupport.settings(commandLine: database.commandLineSettings)
            let logger = Logger(label: "orchard.fx")
            let database = try await CommandSupport.openDatabase(settings, logger: logger)
            _ = try await CommandSupport.migrate(database, settings: settings, logger: logger)
            do {
                let count = try await FXRateStore(database: database).importECB(path: file)
                try await database.close()
                print("\(file): \(count) rates stored")
            } catch {
                try? await database.close()
                CommandSupport.printError("orchard fx import: \(error)")
                throw ExitCode.failure
            }
        }
    }

    struct Convert: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Convert an amount on a day with the nearest earlier reference rates (at most \(FXDays.maximumRateAge) days old)."
        )

        @Argument(help: "The amount, e.g. 12.34.") var amount: String
        @Argument(help: "From currency, e.g. JPY.") var from: String
        @Argument(help: "To currency, e.g. USD.") var to: String
        @Option(help: "The day, YYYY-MM-DD.") var date: String
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            guard let value = Decimal(string: amount, locale: Locale(identifier: "en_US_POSIX")) else {
                throw ValidationError("'\(amount)' is not an amount")
            }
            guard let day = ReportDate(date), day.isoText == date else {
                throw ValidationError("'\(date)' is not a day (YYYY-MM-DD)")
            }
            let settings = try CommandSupport.settings(commandLine: database.commandLineSettings)
            let logger = Logger(label: "orchard.fx")
            let database = try await CommandSupport.openDatabase(settings, logger: logger)
            _ = try await CommandSupport.migrate(database, settings: settings, logger: logger)
            var micros = value * 1_000_000
            var rounded = Decimal()
            NSDecimalRound(&rounded, &micros, 0, .bankers)
            let result: FXRateStore.Conversion
            do {
                result = try await FXRateStore(database: database).convert(
                    micros: NSDecimalNumber(decimal: rounded).int64Value, from: from.uppercased(), to: to.uppercased(),
                    on: day)
                try await database.close()
            } catch let unconvertible as FXRateStore.Unconvertible {
                try? await database.close()
                CommandSupport.printError("orchard fx convert: \(unconvertible)")
                throw ExitCode.failure
            }
            let converted = Decimal(result.micros) / 1_000_000
            print("\(converted) \(to.uppercased()) (rates of \(result.rateDate ?? date))")
        }
    }
}
