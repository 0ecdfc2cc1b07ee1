import ArgumentParser

struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run everything on an embedded SQLite database: Connect Sandbox, server, workers and demo data.")

    @Option(help: "The port of the dashboard.")
    var port: Int = 8080

    func run() async throws {
        throw NotYetAvailable(command: "demo")
    }
}
