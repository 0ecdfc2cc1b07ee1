import ArgumentParser
import Foundation
import Logging
import OrchardApp
import OrchardCore
import OrchardStorage

/// `orchard user`: dashboard users, from the command line.
struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user", abstract: "Manage dashboard users.", subcommands: [Promote.self])

    struct Promote: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a dashboard user an operator (the first user to sign up is one already).")

        @Argument(help: "The user's e-mail address.") var email: String
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let settings = try CommandSupport.settings(commandLine: database.commandLineSettings)
            let logger = Logger(label: "orchard.user")
            let database = try await CommandSupport.openDatabase(settings, logger: logger)
            // A database never served yet has no tables: migrated first, it answers that nobody signed up.
            _ = try await CommandSupport.migrate(database, settings: settings, logger: logger)
            do {
                let user = try await Membership(database: database, hasher: PasswordHasher(), now: { Date() })
                    .promote(email: email)
                try await database.close()
                print("\(user.email) is now an operator.")
            } catch let refusal as MembershipError {
                try? await database.close()
                switch refusal {
                case .credential:
                    CommandSupport.printError("orchard user promote: '\(email)' is not an e-mail address")
                    throw ExitCode.validationFailure
                case .unknownUser(let address):
                    CommandSupport.printError(
                        "orchard user promote: no user has the address \(address); they sign up first")
                    throw ExitCode.failure
                default: throw refusal
                }
            } catch {
                try? await database.close()
                throw error
            }
        }
    }
}
