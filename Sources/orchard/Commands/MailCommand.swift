import ArgumentParser
import Foundation
import OrchardApp
import OrchardCore
import OrchardMail

/// `orchard mail test ADDRESS`: one message through the configured mail server, and its answer.
struct MailCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mail", abstract: "Check the mail Orchard sends.", subcommands: [Test.self])

    struct Test: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Send one test message to ADDRESS with ORCHARD_SMTP_URL (or into ORCHARD_MAIL_DIR) and print the mail server's answer."
        )

        @Argument(help: "Where the test message goes.") var address: String

        func run() async throws {
            let settings = try CommandSupport.settings(commandLine: [:])
            let setup = CommandSupport.mailSetup(settings)
            guard let transport = setup.transport else {
                CommandSupport.printError(
                    "orchard mail test: no mail server is configured: set ORCHARD_SMTP_URL (smtp://user:password@host:587 "
                        + "or smtps://…@host:465) and ORCHARD_MAIL_FROM, or ORCHARD_MAIL_DIR for files")
                throw ExitCode(78)
            }
            guard let recipient = MailAddress(address.trimmingCharacters(in: .whitespaces)) else {
                CommandSupport.printError("orchard mail test: '\(address)' is not an e-mail address")
                throw ExitCode.validationFailure
            }
            let composer = MailComposer(publicURL: setup.publicURL)
            let document = MailDocument(
                subject: "A test message from Orchard",
                preview: "If you read this, Orchard's mail reaches you.",
                title: "Orchard's mail works",
                blocks: [
                    .paragraph(
                        "This message was sent with `orchard mail test` through \(setup.description), from \(setup.from.address)."
                    ),
                    .button(title: "Open Orchard", url: composer.url("/")),
                ],
                footer: "Sent once, by the operator's command.")
            let message = MailMessage(
                from: setup.from, to: recipient, subject: document.subject, text: document.text, html: document.html)
            do {
                let receipt = try await transport.send(message)
                print("sent to \(recipient.address) through \(setup.description): \(receipt.code) \(receipt.text)")
            } catch let error as SMTPError {
                CommandSupport.printError("orchard mail test: \(error.description)")
                throw ExitCode.failure
            } catch {
                CommandSupport.printError("orchard mail test: \(error)")
                throw ExitCode.failure
            }
        }
    }
}
