import AppStoreConnect
import ArgumentParser
import AsyncHTTPClient
import Foundation
import Logging
import OrchardCore
import SalesReports

struct Reporter: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "A client of Apple's Reporter service, like Apple's Reporter tool.",
        discussion: """
            Exit codes: 0 success; 1 an error (invalid or expired token, Apple unavailable, …);
            3 nothing to download (no sales for the date, or the report is not available yet).
            Prefer ORCHARD_REPORTER_TOKEN to --token: a command line is visible to other users of the machine.
            """,
        subcommands: [Accounts.self, Vendors.self, Report.self]
    )

    struct Connection: ParsableArguments {
        @Option(help: "The Reporter access token (env ORCHARD_REPORTER_TOKEN).")
        var token: String?

        @Option(help: "The account number, when the token sees several accounts.")
        var account: String?

        @Option(help: "Base URL of the Reporter service (env ORCHARD_REPORTER_URL; Apple's by default).")
        var endpoint: String?

        /// The client and token, or an exit naming what is missing.
        func client() throws -> (ReporterClient, ReporterAccessToken) {
            let settings = try CommandSupport.settings(commandLine: endpoint.map { [.reporterURL: $0] } ?? [:])
            guard let secret = token ?? ProcessInfo.processInfo.environment["ORCHARD_REPORTER_TOKEN"], !secret.isEmpty
            else {
                CommandSupport.printError(
                    "orchard reporter: give the access token with --token or ORCHARD_REPORTER_TOKEN")
                throw ExitCode.validationFailure
            }
            let client = ReporterClient(
                baseURL: settings.reporterURL, transport: .asyncHTTPClient(.shared),
                logger: Logger(label: "orchard.reporter"))
            return (client, ReporterAccessToken(secret))
        }
    }

    struct Accounts: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the accounts the token can see: number, a tab, name.")
        @OptionGroup var connection: Connection

        func run() async throws {
            let (client, token) = try connection.client()
            let accounts = try await Reporter.run { () async throws(ReporterError) in
                try await client.accounts(token: token)
            }
            for account in accounts {
                print("\(account.number)\t\(account.name)")
            }
        }
    }

    struct Vendors: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the vendor numbers of an account, one a line.")
        @OptionGroup var connection: Connection

        func run() async throws {
            let (client, token) = try connection.client()
            let account = connection.account
            let vendors = try await Reporter.run { () async throws(ReporterError) in
                try await client.vendors(token: token, account: account)
            }
            for vendor in vendors {
                print(vendor)
            }
        }
    }

    struct Report: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Download one report file, named as Apple names it (or --output; - for standard output).")
        @OptionGroup var connection: Connection

        @Option(help: "The vendor number; found with getVendors when the account has only one.") var vendor: String?
        @Option(help: "Sales, Subscription, SubscriptionEvent or Subscriber.") var type: String = "Sales"
        @Option(help: "Summary or Detailed; the type's own by default.") var subtype: String?
        @Option(help: "Daily, Weekly, Monthly or Yearly.") var frequency: String = "Daily"
        @Option(help: "Any day of the period, YYYY-MM-DD; the latest finished period by default.") var date: String?
        @Option(help: "The report format version, e.g. 1_0 or 1_3.") var version: String?
        @Option(help: "Where to write the file; Apple's file name in this directory by default.") var output: String?

        func validate() throws {
            guard let type = ReportType(reporterName: type), type.isSalesAndTrends else {
                throw ValidationError("--type must be one of Sales, Subscription, SubscriptionEvent, Subscriber")
            }
            guard let frequency = ReportFrequency(reporterName: frequency), frequency != .fiscal else {
                throw ValidationError("--frequency must be one of Daily, Weekly, Monthly, Yearly")
            }
            if let date, date.count != 10 || ReportDate(date) == nil {
                throw ValidationError("--date must be a real day written YYYY-MM-DD, not '\(date)'")
            }
        }

        func run() async throws {
            let (client, token) = try connection.client()
            let account = connection.account
            let frequency = ReportFrequency(reporterName: frequency)!
            let vendor = try await vendorNumber(client: client, token: token)
            let request = SalesReportRequest(
                vendor: vendor, type: ReportType(reporterName: type)!, subtype: subtype, frequency: frequency,
                date: date.flatMap { ReportDate($0) } ?? Self.latestFinished(frequency, now: Date()), version: version)
            let file = try await Reporter.run { () async throws(ReporterError) in
                try await client.salesReport(token: token, account: account, request: request)
            }
            if output == "-" {
                FileHandle.standardOutput.write(file.gzipData)
                return
            }
            let path = output ?? file.fileName
            do {
                try file.gzipData.write(to: URL(fileURLWithPath: path), options: .atomic)
            } catch {
                CommandSupport.printError("orchard reporter: cannot write \(path): \(error.localizedDescription)")
                throw ExitCode.failure
            }
            print("\(path)\t\(file.gzipData.count) bytes")
        }

        private func vendorNumber(client: ReporterClient, token: ReporterAccessToken) async throws -> String {
            if let vendor { return vendor }
            let account = connection.account
            let vendors = try await Reporter.run { () async throws(ReporterError) in
                try await client.vendors(token: token, account: account)
            }
            guard vendors.count == 1 else {
                CommandSupport.printError(
                    "orchard reporter: pass --vendor; the account has \(vendors.count) vendors: "
                        + vendors.joined(separator: ", "))
                throw ExitCode.validationFailure
            }
            return vendors[0]
        }

        /// The newest period that has ended by the newest report day (``ReportCalendar``).
        static func latestFinished(_ frequency: ReportFrequency, now: Date) -> ReportDate {
            let today = ReportCalendar.latestDay(at: now).adding(days: 1)
            switch frequency {
            case .daily: return today.adding(days: -1)
            // Any day of last week: the client asks for the Sunday that ends it.
            case .weekly: return today.adding(days: -7)
            case .monthly: return today.firstOfMonth.adding(days: -1).firstOfMonth
            // Validation keeps fiscal periods (Finance reports) out of this command.
            case .yearly, .fiscal: return today.firstOfYear.adding(days: -1).firstOfYear
            }
        }
    }

    /// Runs a Reporter call, turning its error into a message on stderr and the documented exit code.
    static func run<Result>(_ call: () async throws(ReporterError) -> Result) async throws -> Result {
        do {
            return try await call()
        } catch {
            CommandSupport.printError("orchard reporter: \(error)")
            switch error {
            case .noSales, .notAvailableYet: throw ExitCode(3)
            default: throw ExitCode.failure
            }
        }
    }
}
