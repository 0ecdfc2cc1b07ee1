import ArgumentParser

struct Sandbox: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run Connect Sandbox alone: an emulator of Apple's Reporter and App Store Connect API.")

    @Option(help: "The address to listen on.")
    var host: String = "127.0.0.1"

    @Option(help: "The port to listen on.")
    var port: Int = 9090

    @Option(help: "The seed of the synthetic data.")
    var seed: Int = 1

    @Option(name: .customLong("service-apple-id"), help: "Invitations to this Apple ID accept themselves.")
    var serviceAppleID: String?

    @Option(name: .customLong("auto-accept-after"), help: "Seconds before such an invitation is accepted.")
    var autoAcceptAfter: Int?

    func run() async throws {
        throw NotYetAvailable(command: "sandbox")
    }
}
