import ArgumentParser
import ConnectSandbox
import Foundation
import Hummingbird
import Logging
import SalesReports

struct Sandbox: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run Connect Sandbox alone: an emulator of Apple's Reporter and App Store Connect API.",
        discussion: """
            Serves Reporter (/reportservice/sales/v1, /reportservice/finance/v1), the App Store Connect API \
            (/v1/apps, /v1/users, /v1/userInvitations, /v1/salesReports), the control API (/sandbox/v1) and the \
            "App Store Connect (sandbox)" web page (/). Sandbox days are UTC days.
            """)

    @Option(help: "The address to listen on.")
    var host: String = "127.0.0.1"

    @Option(help: "The port to listen on; 0 picks a free one.")
    var port: Int = 9090

    @Option(help: "The seed of the synthetic data.")
    var seed: Int = 1

    @Option(
        name: .customLong("service-apple-id"),
        help: "Create this Apple ID at start (its token is printed); its invitations accept themselves.")
    var serviceAppleID: String?

    @Option(
        name: .customLong("auto-accept-after"),
        help: "Seconds before an invitation to the service Apple ID is accepted.")
    var autoAcceptAfter: Int?

    @Option(
        name: .customLong("availability-hour"),
        help: "Hour (0-23, in --report-time-zone) at which the previous day's reports appear.")
    var availabilityHour: Int = 5

    @Option(
        name: .customLong("report-time-zone"),
        help: "Time zone of report days and of --availability-hour (Apple's: America/Los_Angeles; UTC possible).")
    var reportTimeZone: String = "America/Los_Angeles"

    @Option(name: .customLong("rate-limit"), help: "App Store Connect API requests per key per rolling hour.")
    var rateLimit: Int = 3500

    @Flag(help: "Start with no accounts or Apple IDs (besides the service Apple ID).")
    var empty = false

    @OptionGroup var faults: SandboxFaultOptions

    func validate() throws {
        guard (0...23).contains(availabilityHour) else { throw ValidationError("--availability-hour must be 0-23.") }
        guard TimeZone(identifier: reportTimeZone) != nil else {
            throw ValidationError(
                "--report-time-zone: \(reportTimeZone) is not a time zone (try America/Los_Angeles or UTC).")
        }
        guard seed >= 0 else { throw ValidationError("--seed must not be negative.") }
        if let problem = faults.settings.problem { throw ValidationError(problem) }
    }

    func run() async throws {
        let logger = Logger(label: "orchard.sandbox")
        let world = SandboxWorld(
            options: .init(
                seed: UInt64(seed), serviceAppleID: serviceAppleID?.lowercased(),
                autoAcceptAfter: autoAcceptAfter.map(TimeInterval.init)))
        let tokens: [(appleId: String, token: ReporterToken)]
        do {
            tokens = empty ? (world.serviceTokenUser().map { [$0] } ?? []) : try world.seedDemo()
        } catch {
            CommandSupport.printError("orchard: \(error.message)")
            throw ExitCode.failure
        }
        let components = SandboxComponents(
            world: world,
            library: ReportLibrary(
                availabilityHour: availabilityHour,
                timeZone: TimeZone(identifier: reportTimeZone) ?? ReportCalendar.timeZone),
            faults: FaultInjector(faults.settings, seed: UInt64(seed)),
            rateLimiter: RateLimiter(limitPerHour: rateLimit))
        let host = host
        let app = buildSandboxApplication(components, host: host, port: port, logger: logger) { port in
            var lines = [
                "Connect Sandbox listening on http://\(host):\(port)",
                "  Reporter:              http://\(host):\(port)/reportservice/sales/v1",
                "  App Store Connect API: http://\(host):\(port)/v1",
                "  Control API:           http://\(host):\(port)/sandbox/v1/state",
                "  Web page:              http://\(host):\(port)/",
            ]
            for (appleId, token) in tokens {
                lines.append("Apple ID \(appleId) access token: \(token.value) (expires \(token.expiresAt))")
            }
            FileHandle.standardOutput.write(Data((lines.joined(separator: "\n") + "\n").utf8))
        }
        try await app.runService()
    }
}

/// Faults injected from the start (the control API's PUT /sandbox/v1/faults changes them later).
struct SandboxFaultOptions: ParsableArguments {
    @Option(name: .customLong("fault-error-rate"), help: "Share (0-1) of Apple requests answered with HTTP 500.")
    var errorRate: Double = 0
    @Option(name: .customLong("fault-rate-limit-rate"), help: "Share (0-1) answered with 429 and Retry-After.")
    var rateLimitRate: Double = 0
    @Option(name: .customLong("fault-timeout-rate"), help: "Share (0-1) that hang for --fault-timeout-seconds.")
    var timeoutRate: Double = 0
    @Option(name: .customLong("fault-truncate-rate"), help: "Share (0-1) of report bodies cut in half.")
    var truncateRate: Double = 0
    @Option(name: .customLong("fault-corrupt-rate"), help: "Share (0-1) of report bodies with corrupt gzip.")
    var corruptRate: Double = 0
    @Option(
        name: .customLong("fault-empty-listing-rate"),
        help: "Share (0-1) of account listings (Sales.getAccounts) answered 200 with an empty <Accounts/>.")
    var emptyListingRate: Double = 0
    @Option(
        name: .customLong("fault-html-rate"),
        help: "Share (0-1) of account listings answered 200 with an HTML maintenance page.")
    var htmlRate: Double = 0
    @Option(name: .customLong("fault-latency-ms"), help: "Delay added to every Apple request, in milliseconds.")
    var latencyMs: Int = 0
    @Option(name: .customLong("fault-retry-after"), help: "Retry-After seconds of injected 429s.")
    var retryAfterSeconds: Int = 1
    @Option(name: .customLong("fault-timeout-seconds"), help: "How long an injected timeout hangs.")
    var timeoutSeconds: Double = 30

    var settings: FaultSettings {
        FaultSettings(
            errorRate: errorRate, rateLimitRate: rateLimitRate, timeoutRate: timeoutRate, truncateRate: truncateRate,
            corruptRate: corruptRate, emptyListingRate: emptyListingRate, htmlRate: htmlRate, latencyMs: latencyMs,
            retryAfterSeconds: retryAfterSeconds,
            timeoutSeconds: timeoutSeconds)
    }
}
