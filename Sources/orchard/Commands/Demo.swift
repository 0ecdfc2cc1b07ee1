import ArgumentParser
import ConnectSandbox
import Foundation
import Hummingbird
import Logging
import OrchardCore
import OrchardStorage
import OrchardSync
import OrchardWeb
import ServiceLifecycle

/// `orchard demo`: Connect Sandbox and Orchard (server and workers) in one process on loopback, on
/// a SQLite file in a directory of its own, seeded so a person can click from sign-up to metrics.
struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run everything on an embedded SQLite database: Connect Sandbox, server, workers and demo data.",
        discussion: """
            The sandbox stands in for Apple: an Apple ID with an access token that sees two accounts (apps, in-app \
            purchases, refunds, a year of history), a colleague on one of them, and Orchard's service Apple ID, \
            whose invitations accept themselves. Everything is kept in the demo directory and used again by the \
            next run; --reset starts afresh. Ctrl-C stops the demo.
            """)

    @Option(help: "The port of the dashboard; 0 picks a free one.")
    var port: Int = 8080

    @Option(help: "The port of Connect Sandbox; 0 (the default) picks a free one.")
    var sandboxPort: Int = 0

    @Option(help: "Where the demo keeps its database, master key, report files and sandbox.")
    var directory: String = "orchard-demo"

    @Flag(help: "Delete the demo directory first and start afresh.")
    var reset = false

    @Option(help: "Seconds before the sandbox accepts an invitation of Orchard's service Apple ID.")
    var autoAcceptAfter: Int = 20

    @Option(help: "Minutes a pending integration waits for its invitation before it expires.")
    var invitationWindowMinutes: Double = 10

    @Option(help: "Seconds between two checks of the invitations.")
    var invitationCheckSeconds: Int = 5

    @Option(help: "Daily reports fetched when an integration turns active.")
    var backfillDays: Int = 365

    @Option(
        name: .customLong("database-url"),
        help: "Another database than the demo directory's SQLite file (postgres://... for a PostgreSQL demo).")
    var databaseURL: String?

    static let serviceAppleID = "orchard-service@demo.example"
    static let demoEmail = "demo@orchard.example"
    static let demoPassword = "orchard-demo"
    static let ownerAppleID = "owner@juniper.example"
    static let colleagueAppleID = "sam@juniper.example"

    func validate() throws {
        guard (0...65_535).contains(port), (0...65_535).contains(sandboxPort) else {
            throw ValidationError("--port and --sandbox-port must be between 0 and 65535.")
        }
        guard autoAcceptAfter >= 0 else { throw ValidationError("--auto-accept-after must not be negative.") }
        guard invitationWindowMinutes > 0, invitationWindowMinutes <= 96 * 60 else {
            throw ValidationError("--invitation-window-minutes must be above 0 and at most 5760 (96 hours).")
        }
        guard (1...3_600).contains(invitationCheckSeconds) else {
            throw ValidationError("--invitation-check-seconds must be between 1 and 3600.")
        }
        guard (1...3_650).contains(backfillDays) else { throw ValidationError("--backfill-days must be 1-3650.") }
    }

    func run() async throws {
        let folder = URL(fileURLWithPath: directory).standardizedFileURL
        do {
            if reset, FileManager.default.fileExists(atPath: folder.path) {
                try FileManager.default.removeItem(at: folder)
            }
            try FileManager.default.createDirectory(
                at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            CommandSupport.printError("orchard demo: cannot prepare \(folder.path): \(error.localizedDescription)")
            throw ExitCode.failure
        }
        let world = try DemoSandbox.world(
            in: folder, serviceAppleID: Self.serviceAppleID, autoAcceptAfter: TimeInterval(autoAcceptAfter))

        var sandboxLogger = Logger(label: "orchard.sandbox")
        sandboxLogger.logLevel = .warning
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let sandbox = buildSandboxApplication(
            SandboxComponents(world: world), host: "127.0.0.1", port: sandboxPort, logger: sandboxLogger
        ) { port in
            portContinuation.yield(port)
            portContinuation.finish()
        }
        let sandboxGroup = ServiceGroup(
            configuration: .init(services: [sandbox], gracefulShutdownSignals: [], logger: sandboxLogger))

        let saver = Task { await DemoSandbox.keepSaved(world, in: folder) }
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await sandboxGroup.run() }
            var iterator = ports.makeAsyncIterator()
            let started = await iterator.next()
            var failure: (any Error)?
            if let started {
                do {
                    try await runOrchard(world: world, folder: folder, sandboxURL: "http://127.0.0.1:\(started)")
                } catch {
                    failure = error
                }
            } else {
                CommandSupport.printError("orchard demo: Connect Sandbox did not start (is port \(sandboxPort) free?)")
                failure = ExitCode.failure
            }
            await sandboxGroup.triggerGracefulShutdown()
            try? await tasks.waitForAll()
            saver.cancel()
            await saver.value
            try? DemoSandbox.save(world, in: folder)
            if let failure { throw failure }
        }
    }

    /// Orchard's server and workers against the sandbox at `sandboxURL`, until Ctrl-C.
    private func runOrchard(world: SandboxWorld, folder: URL, sandboxURL: String) async throws {
        var given: [SettingKey: String] = [
            .databaseURL: databaseURL ?? "sqlite://\(folder.appendingPathComponent("orchard.sqlite").path)",
            .dataDirectory: folder.path, .port: String(port), .reporterURL: sandboxURL,
            .serviceAppleID: Self.serviceAppleID,
            // Every mail the product would send, as files a newcomer can open (and the operator's "Mail sent").
            .mailDirectory: folder.appendingPathComponent("mail").path,
            // The demo runs offline: the rates it ships, no fetch from the ECB.
            .fxURL: "none",
            // A newcomer's webhook receiver is on this machine, and the demo answers only on loopback.
            .webhookAllowPrivate: "true",
            .invitationCheckSeconds: String(invitationCheckSeconds), .backfillDays: String(backfillDays),
        ]
        // Quiet unless asked: the demo's own lines are what a newcomer reads.
        if ProcessInfo.processInfo.environment[SettingKey.logLevel.environmentName] == nil {
            given[.logLevel] = "warning"
        }
        var settings = try CommandSupport.settings(commandLine: given)
        settings.invitationWindow = invitationWindowMinutes * 60
        let logger = Logger(label: "orchard.demo")
        // The demo's master key lives in its directory; made here, before `masterKeys` would warn that it made one.
        if settings.masterKey == nil { _ = try? MasterKeyFile.load(configured: nil, dataDirectory: folder.path) }
        let database = try await CommandSupport.openDatabase(settings, logger: logger)
        let (keys, _) = try await CommandSupport.masterKeys(settings, database: database, logger: logger)
        do {
            try await DemoSandbox.prepare(database, keys: keys, world: world)
        } catch {
            try? await database.close()
            CommandSupport.printError("orchard demo: cannot seed the demo: \(error)")
            throw ExitCode.failure
        }
        let (workers, http, engine) = CommandSupport.workers(
            settings, database: database, keys: keys, logger: Logger(label: "orchard.worker"))
        let banner = DemoSandbox.banner(
            world: world, folder: folder, sandboxURL: sandboxURL, autoAcceptAfter: autoAcceptAfter,
            windowMinutes: invitationWindowMinutes)
        let configured = settings
        let app = buildApplication(
            settings: settings, database: database, logger: logger, services: workers,
            funnel: CommandSupport.funnel(settings, http: http, keys: keys),
            notifications: CommandSupport.notifications(settings, database: database, keys: keys),
            operations: { try await engine.snapshot() }, health: engine.recentHealth(),
            onServerRunning: { port in
                CommandSupport.listening(on: port, settings: configured)
                FileHandle.standardOutput.write(Data(banner("http://127.0.0.1:\(port)").utf8))
            })
        try await CommandSupport.runUntilStopped(app, port: port, http: http, database: database)
        FileHandle.standardOutput.write(Data("Orchard demo stopped; its data stays in \(folder.path)\n".utf8))
    }
}
