import ArgumentParser
import OrchardCore

@main
struct Orchard: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "orchard",
        abstract: "App Store metrics from Apple's own sales reports, self-hosted.",
        discussion: """
            Every option also reads from ORCHARD_* environment variables (DATABASE_URL for the database);
            the command line wins over the environment, which wins over the defaults. See .env.example.
            """,
        version: OrchardVersion.current,
        subcommands: [
            Serve.self, Worker.self, Migrate.self, Demo.self, Sandbox.self, Reporter.self, Import.self,
            Summarize.self, FX.self, RotateKey.self, Reparse.self, Archive.self, ServiceCommand.self, UserCommand.self,
            MailCommand.self,
        ]
    )
}
