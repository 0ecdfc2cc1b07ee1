import AppStoreConnect
import ArgumentParser
import AsyncHTTPClient
import Foundation
import Logging
import OrchardCore
import OrchardStorage
import OrchardSync
import SalesReports

/// `orchard service`; named apart from ServiceLifecycle's `Service`, which the workers are.
struct ServiceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "service",
        abstract: "The service Apple ID that customers invite into their App Store Connect accounts.",
        subcommands: [SetToken.self])

    struct SetToken: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set-token",
            abstract: "Store the service Apple ID's Reporter access token, read from standard input, encrypted.",
            discussion: """
                Generate it in App Store Connect, signed in as the service Apple ID: Sales and Trends > Reports > \
                About Reports > Generate Access Token. Apple is asked at once whether it accepts the token \
                (ORCHARD_REPORTER_URL): a refused token is not stored (exit 1); when Apple cannot be reached it \
                is stored and the workers test it. Reporter cannot tell when a token expires, so Orchard counts \
                180 days from today unless --expires gives the date App Store Connect shows. The token is never \
                printed; ORCHARD_SERVICE_ACCESS_TOKEN, when set, is used instead of the stored one.
                """)

        @Option(help: "The expiry App Store Connect shows, YYYY-MM-DD; 180 days from today by default.")
        var expires: String?
        @OptionGroup var database: DatabaseOptions

        func validate() throws {
            if let expires, expires.count != 10 || ReportDate(expires) == nil {
                throw ValidationError("--expires must be a real day written YYYY-MM-DD, not '\(expires)'")
            }
        }

        func run() async throws {
            guard let line = readLine(strippingNewline: true)?.trimmingCharacters(in: .whitespaces), !line.isEmpty
            else {
                CommandSupport.printError("orchard service set-token: give the token on standard input")
                throw ExitCode.validationFailure
            }
            let settings = try CommandSupport.settings(commandLine: database.commandLineSettings)
            let now = Date()
            let reporter = ReporterClient(
                baseURL: settings.reporterURL, transport: .asyncHTTPClient(.shared), retry: .none,
                timeout: .seconds(8), logger: Logger(label: "orchard.reporter"))
            let masked = ReporterAccessToken(line).masked
            let verdict = await ServiceIdentity.verdict(on: ReporterAccessToken(line), reporter: reporter)
            if case .refused(let problem) = verdict {
                CommandSupport.printError(
                    "orchard service set-token: Apple says token \(masked) is \(problem); nothing was stored. "
                        + "Generate a new token signed in as the service Apple ID and set that one.")
                throw ExitCode.failure
            }
            let logger = Logger(label: "orchard.service")
            let database = try await CommandSupport.openDatabase(settings, logger: logger)
            let (keys, _) = try await CommandSupport.masterKeys(settings, database: database, logger: logger)
            // The start of that day in UTC.
            let expiry = expires.flatMap(ReportDate.init).map {
                $0.startDate
            }
            do {
                let token = try await ServiceTokenStore(database: database, keys: keys).set(
                    line, expires: expiry, now: now)
                let day = ReportDate(containing: token.expiresAt).isoText
                print(
                    "service token \(masked) stored, encrypted; expires \(day) "
                        + "(\(token.daysLeft(now: now)) days)")
                switch verdict {
                case .accepted(let accounts):
                    print(
                        "Apple accepts it: the service Apple ID sees \(accounts) account\(accounts == 1 ? "" : "s"); "
                            + "syncing goes on with it")
                case .unknown(let problem):
                    print("Apple could not be asked now (\(problem)); the workers test the token at their next request")
                case .refused: break
                }
            } catch {
                try? await database.close()
                throw error
            }
            try await database.close()
        }
    }
}
