import ArgumentParser
import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
import OrchardApp
import OrchardCore
import OrchardMail
import OrchardStorage
import OrchardSync
import SQLKit
import SalesReports
import ServiceLifecycle
import Synchronization

/// Counts the SQL statements the drivers log (at debug level), for "queries per digest".
final class QueryCounter: LogHandler, @unchecked Sendable {
    static let shared = QueryCounter()
    private let count = Mutex(0)
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .debug

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    var value: Int { count.withLock { $0 } }

    func log(event: LogEvent) {
        // SQLiteKit and PostgresKit log each statement they execute at debug level, as "Executing query".
        if "\(event.message)" == "Executing query" { count.withLock { $0 += 1 } }
    }
}

/// The digest run for many users (docs/NOTIFICATIONS.md): time and SQL statements per digest.
struct DigestsBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "digests",
        abstract: "The digest run: N users with K accounts each, every digest due at once; time and queries.",
        discussion: """
            The database at --database-url is filled once (users with confirmed addresses, K accounts each with \
            the sales of the digest's day and the same weekday a week before) and reused by later runs. Each run \
            makes every digest due again and times Digests.run(), which composes and queues every digest.
            """)

    @Option(help: "sqlite:///path or postgres://… (filled on the first run).") var databaseURL: String
    @Option(help: "Users.") var users = 2_000
    @Option(help: "Accounts per user (each its own).") var accountsPerUser = 5
    @Option(help: "Apps per account.") var apps = 3
    @Option(help: "Countries per app.") var countries = 8
    @Option(help: "Runs (the median is reported).") var runs = 3

    /// The digest's day: the newest day Apple had published at 00:00 UTC on 1 December 2026.
    static let moment = ReportDate(year: 2026, month: 12, day: 1)!.start(in: TimeZone(identifier: "UTC")!, hour: 0)
        .addingTimeInterval(60)
    static var day: ReportDate { ReportCalendar.latestDay(at: moment) }

    func run() async throws {
        var quiet = Logger(label: "orchard.bench")
        quiet.logLevel = .warning
        guard let url = DatabaseURL(parsing: databaseURL) else {
            throw ValidationError("--database-url is sqlite:///path or postgres://…")
        }
        let counter = QueryCounter.shared
        let counting = Logger(label: "orchard.bench.sql", factory: { _ in counter })
        let database = try await OrchardDatabase.open(url, maxConnections: 8, logger: counting)
        do {
            _ = try await MigrationRunner(logger: quiet).run(on: database)
            let rates = try await FXRateStore(database: database).loadShippedRates()
            if rates > 0 { say("loaded \(rates) shipped ECB rates") }
            let filled = try await database.withConnection {
                try await $0.raw("SELECT COUNT(*) AS n FROM users WHERE email LIKE 'digest-%'").first()!.decode(
                    column: "n", as: Int.self)
            }
            if filled == 0 { try await fill(database) }
            let mail = MailSetup(
                publicURL: URL(string: "https://orchard.example")!, from: MailAddress("orchard@orchard.example")!,
                transport: FileMailTransport(directory: FileManager.default.temporaryDirectory), description: "bench")
            // One user at a time (the baseline), then Orchard's concurrency, alternating in one run.
            var times: [Int: [Double]] = [:]
            var queries: [Int] = []
            var sent = 0
            for run in 1...runs {
                for concurrency in [
                    1,
                    Digests.defaultConcurrency,
                ] {
                    try await database.withConnection { connection in
                        try await connection.raw("UPDATE users SET digest_last_period = NULL").run()
                        try await connection.raw("DELETE FROM mail_messages WHERE kind = 'digest'").run()
                        try await connection.raw("DELETE FROM events WHERE type = 'digest.sent'").run()
                        try await connection.raw("DELETE FROM jobs WHERE kind IN ('send_mail', 'dispatch_event')").run()
                        try await connection.raw("DELETE FROM unsubscribe_tokens").run()
                    }
                    // A fresh cache each run: every digest is composed from the database, as after new data.
                    var digests = Digests(
                        database: database, cache: MetricsCache(), mail: mail, now: { Self.moment }, logger: quiet)
                    digests.concurrency = concurrency
                    let before = counter.value
                    let started = ContinuousClock.now
                    sent = try await digests.run()
                    let seconds = (ContinuousClock.now - started).seconds
                    times[concurrency, default: []].append(seconds)
                    queries.append(counter.value - before)
                    say(
                        "run \(run), \(concurrency) at once: \(sent) digests in \(String(format: "%.2f", seconds)) s, \(counter.value - before) SQL statements"
                    )
                }
            }
            let statements = queries.sorted()[queries.count / 2]
            for (concurrency, runs) in times.sorted(by: { $0.key < $1.key }) {
                let time = runs.sorted()[runs.count / 2]
                say(
                    "digests: \(sent) users × \(accountsPerUser) accounts on \(database.backend), \(concurrency) at once: median "
                        + "\(String(format: "%.2f", time)) s (\(String(format: "%.2f", time * 1_000 / Double(max(sent, 1)))) ms a digest)"
                )
            }
            let ratio =
                (times[1]?.sorted()[runs / 2] ?? 0)
                / (times.filter { $0.key != 1 }.first?.value.sorted()[runs / 2] ?? 1)
            say(
                "\(statements) statements a run (\(String(format: "%.1f", Double(statements) / Double(max(sent, 1)))) a digest); "
                    + "one at a time takes \(String(format: "%.2f", ratio))× as long")
            try await database.close()
        } catch {
            try? await database.close()
            throw error
        }
    }

    private func fill(_ database: OrchardDatabase, quiet: Logger = Logger(label: "bench")) async throws {
        let started = ContinuousClock.now
        let now = Self.moment
        let userStore = UserStore(database: database)
        let settings = NotificationSettingsStore(database: database)
        let stores = StoreAccountStore(database: database)
        let integrations = IntegrationStore(database: database)
        let days = [Self.day.adding(days: -7), Self.day]
        let letters: [Character] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        let codes: [String] = (0..<countries).map { index -> String in
            String([letters[index % 26], letters[(index / 26 + 16) % 26]])
        }
        var accountIDs: [Int64] = []
        for index in 0..<users {
            let user = try await userStore.insert(
                email: "digest-\(index)@bench.example", passwordHash: "-", role: .member, now: now)
            _ = try await settings.verify(
                token: try await settings.verificationToken(userID: user.id, email: user.email, now: now), now: now)
            for account in 0..<accountsPerUser {
                let number = String(9_000_000 + index * accountsPerUser + account)
                let stored = try await stores.register(
                    number: number, name: "Bench \(number)", vendors: ["V\(number)"], now: now)
                _ = try await stores.markAccessible(number: number, now: now)
                _ = try await integrations.create(userID: user.id, accountNumber: number, now: now)
                accountIDs.append(stored.id)
            }
            if (index + 1) % 250 == 0 { say("users \(index + 1)/\(users)") }
        }
        try await database.withConnection { connection in
            try await connection.raw("UPDATE integrations SET status = 'active'").run()
            try await connection.raw("UPDATE users SET digest_hour = 0, time_zone = 'UTC'").run()
        }
        // Each account: a ledger row and rollups for both days, in chunks of accounts per transaction.
        for chunk in stride(from: 0, to: accountIDs.count, by: 200) {
            let ids = Array(accountIDs[chunk..<min(chunk + 200, accountIDs.count)])
            try await database.withDriverTransaction { driver, connection in
                var ledger: [SQLQueryString] = []
                for id in ids {
                    for day in days {
                        ledger.append(
                            """
                            (\(bind: id), 'V\(unsafeRaw: String(id))', 'Sales', 'Summary', 'Daily', \(bind: day.isoText), \
                            '1_0', 'fetched', 0, 'bench')
                            """)
                    }
                }
                try await connection.raw(
                    """
                    INSERT INTO report_ledger (store_account_id, vendor, report_type, report_subtype, frequency,
                        report_date, version, state, row_count, sha256) VALUES
                    """ + " " + ledger.joined(separator: ", ")
                ).run()
                var writer = BulkWriter(
                    connection: driver, table: "daily_rollups",
                    columns: [
                        "store_account_id", "app_sku", "day", "country", "device", "proceeds_currency",
                        "customer_currency", "downloads", "redownloads", "updates", "in_app_purchases", "restores",
                        "other", "returns", "proceeds_micros", "sales_micros",
                    ])
                do {
                    for id in ids {
                        for day in days {
                            for app in 0..<apps {
                                for (index, country) in codes.enumerated() {
                                    let seed =
                                        Int64(id) &* 31 &+ Int64(day.dayNumber % 13) &* 7 &+ Int64(app * 5 + index)
                                    let purchases = seed % 6
                                    try await writer.append([
                                        .integer(id), .text("APP\(id)-\(app)"), .text(day.isoText), .text(country),
                                        .text("iPhone"), .text("USD"), .text("USD"), .integer(10 + seed % 40),
                                        .integer(seed % 5), .integer(seed % 20), .integer(purchases), .integer(0),
                                        .integer(0), .integer(seed % 29 == 0 ? 1 : 0), .integer(purchases * 2_100_000),
                                        .integer(purchases * 2_990_000),
                                    ])
                                }
                            }
                        }
                    }
                    try await writer.flush()
                } catch {
                    await writer.abandon()
                    throw error
                }
            }
        }
        for (index, id) in accountIDs.enumerated() {
            try await MetricSlices.rebuildAll(accountID: id, database: database)
            if (index + 1) % 2_000 == 0 { say("slices \(index + 1)/\(accountIDs.count)") }
        }
        if database.backend == .postgres {
            try await database.withConnection { try await $0.raw("VACUUM ANALYZE").run() }
        } else {
            try await database.withConnection { try await $0.raw("ANALYZE").run() }
        }
        say(
            "filled \(users) users, \(accountIDs.count) accounts in \(LoadProbe.format((ContinuousClock.now - started).seconds)) s"
        )
    }
}

/// Webhook deliveries per second through the queue, the signature and the delivery log, against a
/// receiver in its own process, with the same POSTs sent straight by the HTTP client as the baseline.
struct WebhooksBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "webhooks",
        abstract: "Webhook throughput: queued, signed, logged deliveries against a local receiver, and the bare POSTs.")

    @Option(help: "sqlite:///path or postgres://… (a fresh database is best).") var databaseURL: String
    @Option(help: "Deliveries per run.") var deliveries = 2_000
    @Option(help: "Deliveries at once (the worker's concurrency and the baseline's).") var concurrency = 8
    @Option(help: "Runs (the median is reported).") var runs = 3

    func run() async throws {
        var quiet = Logger(label: "orchard.bench")
        quiet.logLevel = .warning
        guard let url = DatabaseURL(parsing: databaseURL) else {
            throw ValidationError("--database-url is sqlite:///path or postgres://…")
        }
        let receiver = try ChildProcess(
            URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL, ["webhook-receiver"])
        guard let line = await receiver.nextLine(), line.hasPrefix("listening "), let port = Int(line.dropFirst(10))
        else {
            throw ValidationError("the receiver did not start")
        }
        let target = "http://127.0.0.1:\(port)/hooks"
        let database = try await OrchardDatabase.open(url, maxConnections: 8, logger: quiet)
        let http = WebhookSender.makeHTTPClient()
        do {
            _ = try await MigrationRunner(logger: quiet).run(on: database)
            let keys = try KeyRing(base64Keys: [SecretBox.generateKey()])
            let users = UserStore(database: database)
            var found = try await users.credentials(email: "webhooks@bench.example")?.user
            if found == nil {
                found = try await users.insert(
                    email: "webhooks@bench.example", passwordHash: "-", role: .member, now: Date())
            }
            guard let user = found else { return }
            let mail = MailSetup(
                publicURL: URL(string: "https://orchard.example")!, from: MailAddress("orchard@orchard.example")!,
                transport: nil, description: "none")
            let sender = WebhookSender(http: http, allowPrivate: true)
            let delivery = NotificationDelivery(
                database: database, keys: keys, mail: mail, sender: sender, now: { Date() }, logger: quiet)
            let webhooks = WebhookStore(database: database, keys: keys)
            let (endpoint, secret) = try await webhooks.add(
                userID: user.id, url: target, format: .json, events: [], now: Date())
            let event = ActivityEvent(
                userID: user.id, type: .syncRecovered, accountNumber: "123456", createdAt: Date(),
                data: ["accountName": "Bench", "lastDay": "2026-12-01", "integrationId": 1])
            let body = WebhookSender.body(of: event)
            var queued: [Double] = []
            var bare: [Double] = []
            for run in 1...runs {
                // queued: N deliveries in the outbox, then a worker with `concurrency` drains them
                for index in 0..<deliveries {
                    var copy = event
                    copy.id = "evt_bench\(run)x\(index)"
                    try await webhooks.queueDelivery(endpointID: endpoint.id, event: copy, body: body, now: Date())
                }
                let worker = JobWorker(
                    queue: JobQueue(database: database), handlers: delivery.handlers(), lease: 60, idleCap: 0.05,
                    concurrency: concurrency, logger: quiet)
                let started = ContinuousClock.now
                let group = ServiceGroup(
                    configuration: .init(services: [worker], gracefulShutdownSignals: [], logger: quiet))
                try await withThrowingTaskGroup(of: Void.self) { tasks in
                    tasks.addTask { try await group.run() }
                    while true {
                        let left = try await database.withConnection {
                            try await $0.raw("SELECT COUNT(*) AS n FROM webhook_deliveries WHERE state = 'pending'")
                                .first()!.decode(column: "n", as: Int.self)
                        }
                        if left == 0 { break }
                        try await Task.sleep(for: .milliseconds(20))
                    }
                    await group.triggerGracefulShutdown()
                    try await tasks.waitForAll()
                }
                let seconds = (ContinuousClock.now - started).seconds
                queued.append(Double(deliveries) / seconds)
                // bare: the same POSTs, signed, straight from the client, `concurrency` at once
                let bareStarted = ContinuousClock.now
                try await withThrowingTaskGroup(of: Void.self) { tasks in
                    for lane in 0..<concurrency {
                        tasks.addTask {
                            var index = lane
                            while index < deliveries {
                                _ = await sender.send(
                                    url: target, body: body, secret: secret, eventID: "evt_bare\(index)", now: Date())
                                index += concurrency
                            }
                        }
                    }
                    try await tasks.waitForAll()
                }
                let bareSeconds = (ContinuousClock.now - bareStarted).seconds
                bare.append(Double(deliveries) / bareSeconds)
                say(
                    "run \(run): queued \(LoadProbe.format(queued.last!)) deliveries/s, bare POSTs \(LoadProbe.format(bare.last!))/s"
                )
            }
            let delivered = try await database.withConnection {
                try await $0.raw("SELECT COUNT(*) AS n FROM webhook_deliveries WHERE state = 'delivered'").first()!
                    .decode(column: "n", as: Int.self)
            }
            let medianQueued = queued.sorted()[queued.count / 2]
            let medianBare = bare.sorted()[bare.count / 2]
            say(
                "webhooks on \(database.backend), concurrency \(concurrency): median \(LoadProbe.format(medianQueued)) deliveries/s "
                    + "through the queue vs \(LoadProbe.format(medianBare)) bare POSTs/s (\(LoadProbe.format(medianQueued / medianBare))×); "
                    + "\(delivered) delivered in all")
            try await http.shutdown()
            try await database.close()
            _ = await receiver.stop()
        } catch {
            try? await http.shutdown()
            try? await database.close()
            _ = await receiver.stop()
            throw error
        }
    }
}

/// A webhook receiver in its own process: answers 204 to every POST and checks nothing; prints its port.
struct WebhookReceiverCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "webhook-receiver", abstract: "A local webhook receiver (204 to every POST), for `webhooks`.")

    func run() async throws {
        var logger = Logger(label: "receiver")
        logger.logLevel = .warning
        let router = Router()
        router.post("**") { request, _ -> Response in
            _ = try await request.body.collect(upTo: 1 << 20)
            return Response(status: .noContent)
        }
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in say("listening \(channel.localAddress?.port ?? 0)") }, logger: logger)
        try await app.runService()
    }
}
