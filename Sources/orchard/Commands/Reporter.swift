import ArgumentParser

struct Reporter: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "A client of Apple's Reporter service, like Apple's Reporter tool.",
        subcommands: [Accounts.self, Vendors.self, Report.self]
    )

    struct Connection: ParsableArguments {
        @Option(help: "The Reporter access token (env ORCHARD_REPORTER_TOKEN).")
        var token: String?

        @Option(help: "The account number, when the token sees several accounts.")
        var account: String?

        @Option(help: "Base URL of the Reporter service (env ORCHARD_REPORTER_URL).")
        var endpoint: String?
    }

    struct Accounts: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the accounts the token can see.")
        @OptionGroup var connection: Connection

        func run() async throws { throw NotYetAvailable(command: "reporter accounts") }
    }

    struct Vendors: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the vendor numbers of an account.")
        @OptionGroup var connection: Connection

        func run() async throws { throw NotYetAvailable(command: "reporter vendors") }
    }

    struct Report: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Download one report file.")
        @OptionGroup var connection: Connection

        @Option(help: "The vendor number.") var vendor: String?
        @Option(help: "Sales, Subscription, SubscriptionEvent, Subscriber.") var type: String = "Sales"
        @Option(help: "Summary, Detailed.") var subtype: String = "Summary"
        @Option(help: "Daily, Weekly, Monthly, Yearly.") var frequency: String = "Daily"
        @Option(help: "The report date, YYYY-MM-DD.") var date: String?
        @Option(help: "Where to write the file; Apple's file name by default.") var output: String?

        func run() async throws { throw NotYetAvailable(command: "reporter report") }
    }
}
