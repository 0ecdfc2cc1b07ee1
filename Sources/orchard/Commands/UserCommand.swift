import ArgumentParser
import Foundation
import Logging
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
            let address: String
            do { address = try Credentials.email(email) } catch {
                CommandSupport.printError("orchard user promote: '\(email)' is not an e-mail address")
                throw ExitCode.validationFailure
            }
            let settings = try CommandSupport.settings(commandLine: database.commandLineSettings)
            let database = try await CommandSupport.openDatabase(settings, logger: Logger(label: "orchard.user"))
            do {
                let user = try await UserStore(database: database).promote(email: address, now: Date())
                try await database.close()
                print("\(user.email) is now an operator.")
            } catch UserStore.Failure.unknownUser {
                try? await database.close()
                CommandSupport.printError(
                    "orchard user promote: no user has the address \(address); they sign up first")
                throw ExitCode.failure
            } catch {
                try? await database.close()
                throw error
            }
        }
    }
}
