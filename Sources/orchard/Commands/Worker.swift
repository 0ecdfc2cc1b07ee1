import ArgumentParser

struct Worker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the background workers only (invitation checks, backfill, daily sync), for scale-out.")

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        throw NotYetAvailable(command: "worker")
    }
}
