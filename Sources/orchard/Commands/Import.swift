import ArgumentParser

struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Ingest downloaded report files (.txt or .txt.gz) into the database for one account.")

    @Option(help: "The App Store Connect account number the files belong to.")
    var account: String

    @Argument(help: "Report files.")
    var files: [String]

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        throw NotYetAvailable(command: "import")
    }
}
