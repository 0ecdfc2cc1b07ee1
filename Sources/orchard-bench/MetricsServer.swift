import AppStoreConnect
import ArgumentParser
import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import OrchardCore
import OrchardStorage
import OrchardSync
import OrchardWeb

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `orchard-bench metrics-serve`: Orchard's web application on the metrics benchmark's database, in a
/// process of its own, with the benchmark's clock; `orchard-bench metrics` starts it and measures it
/// from outside.
struct MetricsServer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metrics-serve",
        abstract: "Serve a database filled by `metrics` (which starts this itself) until SIGTERM or SIGINT.",
        discussion: """
            Listens on a free port of 127.0.0.1 and prints "\(portLine)N" when it does. Stops when its standard \
            input ends, unless that is a terminal: the benchmark that started it has gone.
            """,
        shouldDisplay: false)

    /// The line that names the port, without the number.
    static let portLine = "metrics server on port "

    @Option(help: "sqlite:///path or postgres://…, filled by `orchard-bench metrics`.") var databaseURL: String

    func run() async throws {
        var logger = Logger(label: "orchard.bench.server")
        logger.logLevel = .warning
        guard let url = DatabaseURL(parsing: databaseURL) else {
            throw ValidationError("--database-url is sqlite:///path or postgres://…")
        }
        // As `orchard serve` opens it (CommandSupport.openDatabase).
        let connections = if case .postgres = url { 16 } else { 8 }
        let database = try await OrchardDatabase.open(url, maxConnections: connections, logger: logger)
        var settings = Settings()
        settings.port = 0
        let now = MetricsBenchmark.serverNow
        // The Data Integration page is measured too: it needs the funnel's routes, whose Reporter is
        // never called by a page view (nothing listens on port 9).
        let reporter = ReporterClient(
            baseURL: URL(string: "http://127.0.0.1:9")!, transport: .asyncHTTPClient(HTTPClient.shared), logger: logger)
        let keys = try KeyRing(base64Keys: [SecretBox.generateKey()])
        let funnel = FunnelDependencies(reporter: reporter, keys: keys)
        // The pages show the service identity's health as `orchard serve`'s do: a configured service
        // token (never sent anywhere here), its refusal and the listing are read as in production.
        let engine = SyncEngine(
            database: database, reporter: reporter,
            service: ServiceIdentity(database: database, keys: keys, configuredToken: Secret("bench-service-token")),
            settings: SyncSettings(settings), archive: nil, now: { now }, logger: logger)
        let app = buildApplication(
            settings: settings, database: database, logger: logger, funnel: funnel,
            operations: { try await engine.snapshot() }, health: engine.recentHealth(), now: { now },
            onServerRunning: { port in
                say("\(Self.portLine)\(port)")
                Self.stopWhenStandardInputEnds()
            })
        do {
            try await app.runService()
        } catch {
            try? await database.close()
            throw error
        }
        try await database.close()
    }

    /// A thread of its own waits for the end of standard input (not a terminal's), then stops the server
    /// as SIGTERM does. Started once the server runs, when SIGTERM no longer ends the process at once.
    private static func stopWhenStandardInputEnds() {
        guard isatty(STDIN_FILENO) == 0 else { return }
        Thread.detachNewThread {
            _ = FileHandle.standardInput.readDataToEndOfFile()
            kill(getpid(), SIGTERM)
        }
    }
}
