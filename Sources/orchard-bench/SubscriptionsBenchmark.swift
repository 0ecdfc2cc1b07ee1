import ArgumentParser
import Foundation
import Logging
import OrchardCore
import OrchardStorage
import SQLKit
import SalesReports

/// The subscription figures' read path under load (docs/SUBSCRIPTIONS.md): years of Subscription
/// and Subscription Event report rows of one account with many subscription products, then the
/// subscriptions API and page measured with wrk from outside the server's process.
struct SubscriptionsBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "subscriptions",
        abstract: "Subscriptions API and page latency and throughput over years of subscription reports (wrk).",
        discussion: """
            The database at --database-url is filled once (one account: its Subscription and Subscription Event \
            report rows and ledger for every day) and reused by later runs. The server runs in a child process \
            (orchard-bench metrics-serve) and is measured from outside. wrk and curl are installed with apt-get when missing.
            """)

    @Option(help: "sqlite:///path or postgres://… (filled on the first run).") var databaseURL: String
    @Option(help: "Subscription products of the account.") var products = 50
    @Option(help: "Countries with subscribers.") var countries = 40
    @Option(help: "Days of history.") var days = 1_095
    @Option(help: "wrk connections.") var connections = 64
    @Option(help: "Seconds per wrk run.") var seconds = 10
    @Option(help: "wrk runs per endpoint (the median is reported).") var runs = 3
    @Flag(help: "Fill the database and stop.") var fillOnly = false

    static let durations = ["1 Month", "1 Year", "7 Days", "3 Months", "6 Months"]
    static let stateColumns = [
        "report_id", "line", "store_account_id", "day", "app_apple_id", "app_name", "subscription_apple_id",
        "subscription_name", "duration", "country", "proceeds_currency", "proceeds_micros", "paid", "trials",
        "billing_retry", "grace_period", "mrr_twelfths",
    ]
    static let eventColumns = [
        "report_id", "line", "store_account_id", "event_date", "event", "category", "app_apple_id",
        "subscription_apple_id", "subscription_name", "country", "offer_type", "original_start_date", "quantity",
    ]

    func run() async throws {
        var logger = Logger(label: "orchard.bench")
        logger.logLevel = .warning
        guard let url = DatabaseURL(parsing: databaseURL) else {
            throw ValidationError("--database-url is sqlite:///path or postgres://…")
        }
        let database = try await OrchardDatabase.open(url, maxConnections: 8, logger: logger)
        do {
            _ = try await MigrationRunner(logger: logger).run(on: database)
            let rates = try await FXRateStore(database: database).loadShippedRates()
            if rates > 0 { say("loaded \(rates) shipped ECB rates") }
            let last = MetricsBenchmark.lastDay
            let first = last.adding(days: -(days - 1))
            let filled = try await database.withConnection {
                try await $0.raw("SELECT COUNT(*) AS n FROM subscription_states").first()!.decode(
                    column: "n", as: Int.self)
            }
            if filled == 0 { try await fill(database, first: first, last: last) }
            let counts = try await database.withConnection { connection in
                (
                    try await connection.raw("SELECT COUNT(*) AS n FROM subscription_states").first()!.decode(
                        column: "n", as: Int.self),
                    try await connection.raw("SELECT COUNT(*) AS n FROM subscription_events").first()!.decode(
                        column: "n", as: Int.self)
                )
            }
            say("database \(database.displayName): \(counts.0) subscription state rows, \(counts.1) event rows")
            if !fillOnly {
                let user = try await UserStore(database: database).credentials(email: "bench@orchard.example")!.user
                let sessions = SessionStore(database: database)
                let (_, token) = try await sessions.issueToken(userID: user.id, name: "bench", now: Date())
                let session = try await sessions.start(userID: user.id, now: Date(), lifetime: 86_400)
                let range = "from=\(last.adding(days: -364).isoText)&to=\(last.isoText)"
                let bearer = "Authorization: Bearer \(token)"
                let probe = LoadProbe(databaseURL: databaseURL, connections: connections, seconds: seconds, runs: runs)
                try await probe.withServer { port in
                    try await probe.measure(
                        base: "http://127.0.0.1:\(port)",
                        targets: [
                            ("subscriptions summary, 1 year", "/api/v1/subscriptions/summary?\(range)", bearer),
                            (
                                "subscriptions timeseries, paid by day, 1 year",
                                "/api/v1/subscriptions/timeseries?\(range)&metric=paid", bearer
                            ),
                            (
                                "subscriptions timeseries, MRR by week, 1 year",
                                "/api/v1/subscriptions/timeseries?\(range)&metric=mrr&interval=week", bearer
                            ),
                            ("subscriptions cohorts, 1 year", "/api/v1/subscriptions/cohorts?\(range)", bearer),
                            (
                                "Subscriptions page, 1 year", "/subscriptions?\(range)",
                                "Cookie: orchard_session=\(session)"
                            ),
                        ])
                }
                try await compareWithRawRows(database, from: last.adding(days: -364), to: last)
            }
            try await database.close()
        } catch {
            try? await database.close()
            throw error
        }
    }

    /// A year's events and daily counts of the account, uncached: read from the day sums (what the
    /// API does without a filter) against the same sums grouped from the raw report rows, in this run.
    private func compareWithRawRows(_ database: OrchardDatabase, from: ReportDate, to: ReportDate) async throws {
        let account = try await database.withConnection {
            try await $0.raw("SELECT id FROM store_accounts WHERE number = '8100000'").first()!.decode(
                column: "id", as: Int64.self)
        }
        let query = SubscriptionStore.Query(accountIDs: [account], from: from, to: to)
        func median(_ runs: Int, _ work: () async throws -> Void) async throws -> Double {
            var times: [Double] = []
            for _ in 0..<runs {
                let started = ContinuousClock.now
                try await work()
                times.append((ContinuousClock.now - started).milliseconds)
            }
            return times.sorted()[times.count / 2]
        }
        let events = try await median(5) { _ = try await SubscriptionStore(database: database).events(query) }
        let stocks = try await median(5) { _ = try await SubscriptionStore(database: database).stocks(query) }
        let rawEvents = try await median(3) {
            _ = try await database.withConnection { connection in
                try await connection.raw(
                    """
                    SELECT event_date, event, category, SUM(quantity) AS quantity FROM subscription_events
                    WHERE store_account_id = \(bind: account) AND event_date BETWEEN \(bind: from.isoText) AND \(bind: to.isoText)
                    GROUP BY event_date, event, category
                    """
                ).all()
            }
        }
        let rawStocks = try await median(3) {
            _ = try await database.withConnection { connection in
                try await connection.raw(
                    """
                    SELECT day, proceeds_currency, SUM(paid) AS paid, SUM(trials) AS trials, SUM(mrr_twelfths) AS mrr
                    FROM subscription_states
                    WHERE store_account_id = \(bind: account) AND day BETWEEN \(bind: from.isoText) AND \(bind: to.isoText)
                    GROUP BY day, proceeds_currency
                    """
                ).all()
            }
        }
        say(
            """
            a year of events, uncached: day sums \(LoadProbe.format(events)) ms (median of 5), raw rows \(LoadProbe.format(rawEvents)) ms \
            (median of 3), ratio \(LoadProbe.format(rawEvents / events))×; a year of daily counts: day sums \(LoadProbe.format(stocks)) ms, \
            raw rows \(LoadProbe.format(rawStocks)) ms, ratio \(LoadProbe.format(rawStocks / stocks))×
            """)
    }

    /// One account of one user, active; for every day a Subscription and a Subscription Event
    /// report of its one vendor in the ledger, with their rows: per product and country two state
    /// rows (the standard rate and the rate after one year) and five events; and their day sums,
    /// as ingestion makes them.
    private func fill(_ database: OrchardDatabase, first: ReportDate, last: ReportDate) async throws {
        let started = ContinuousClock.now
        let now = Date()
        let users = UserStore(database: database)
        var found = try await users.credentials(email: "bench@orchard.example")?.user
        if found == nil {
            found = try await users.insert(email: "bench@orchard.example", passwordHash: "-", role: .operator, now: now)
        }
        guard let user = found else { throw ValidationError("the bench user could not be made") }
        let number = "8100000"
        let account = try await StoreAccountStore(database: database).register(
            number: number, name: "Bench subscriptions", vendors: [], now: now)
        _ = try await StoreAccountStore(database: database).markAccessible(number: number, now: now)
        _ = try await IntegrationStore(database: database).create(userID: user.id, accountNumber: number, now: now)
        let countryCodes = (0..<countries).map { index in
            let letters = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
            return String([letters[index / 26 % 26], letters[index % 26]])
        }
        var rows = 0
        var day = first
        while day <= last {
            // Ten days per transaction keep the write-ahead log small.
            let from = day
            let to = min(from.adding(days: 9), last)
            rows += try await database.withDriverTransaction { driver, connection in
                var written = 0
                var current = from
                while current <= to {
                    let ids = try await connection.raw(
                        """
                        INSERT INTO report_ledger (store_account_id, vendor, report_type, report_subtype, frequency,
                            report_date, version, state, row_count, sha256) VALUES
                            (\(bind: account.id), 'V1', 'Subscription', 'Summary', 'Daily', \(bind: current.isoText),
                             '1_3', 'fetched', 0, 'bench'),
                            (\(bind: account.id), 'V1', 'SubscriptionEvent', 'Summary', 'Daily', \(bind: current.isoText),
                             '1_3', 'fetched', 0, 'bench')
                        RETURNING id
                        """
                    ).all().map { try $0.decode(column: "id", as: Int64.self) }
                    var states = BulkWriter(
                        connection: driver, table: "subscription_states", columns: Self.stateColumns)
                    var events = BulkWriter(
                        connection: driver, table: "subscription_events", columns: Self.eventColumns)
                    let age = current.dayNumber - first.dayNumber
                    var line: Int64 = 0
                    for product in 0..<products {
                        let duration = Self.durations[product % Self.durations.count]
                        let twelfths = SubscriptionDefinitions.monthTwelfths(duration: duration)!
                        let app = String(1_500_000_000 + product / 5)
                        let subscription = String(1_600_000_000 + product)
                        for (index, country) in countryCodes.enumerated() {
                            let currency = MetricsBenchmark.currencies[index % MetricsBenchmark.currencies.count]
                            let paid = Int64(20 + (product * 7 + index * 3) % 90 + age / 20)
                            let proceeds = Int64(2_990_000 + product * 100_000)
                            for afterYear in [false, true] {
                                line += 1
                                let count = afterYear ? paid / 3 : paid
                                let micros = afterYear ? proceeds * 85 / 70 : proceeds
                                try await states.append([
                                    .integer(ids[0]), .integer(line), .integer(account.id), .text(current.isoText),
                                    .text(app), .text("App \(product / 5)"), .text(subscription),
                                    .text("Subscription \(product)"), .text(duration), .text(country), .text(currency),
                                    .integer(micros), .integer(count), .integer(afterYear ? 0 : paid / 20),
                                    .integer(afterYear ? 0 : paid / 50), .integer(afterYear ? 0 : paid / 100),
                                    .integer(count * micros * twelfths),
                                ])
                            }
                            let trialStart = current.adding(days: -7).isoText
                            for (event, category, offer, quantity) in [
                                ("Renew", "renewals", "", paid / 30 + 1),
                                ("Subscribe", "newPaid", "", Int64(1 + (product + index + age) % 3)),
                                (
                                    "Start Introductory Offer", "trialStarts", "Free Trial",
                                    Int64(1 + (product + age) % 4)
                                ),
                                (
                                    "Paid Subscription from Introductory Offer", "conversions", "Free Trial",
                                    Int64((product + index + age) % 3)
                                ),
                                ("Cancel", "voluntaryChurn", "", Int64((product * 3 + index + age) % 3)),
                            ] {
                                line += 1
                                try await events.append([
                                    .integer(ids[1]), .integer(line), .integer(account.id), .text(current.isoText),
                                    .text(event), .text(category), .text(app), .text(subscription),
                                    .text("Subscription \(product)"), .text(country), .text(offer),
                                    category == "conversions" ? .text(trialStart) : .text(current.isoText),
                                    .integer(quantity),
                                ])
                            }
                        }
                    }
                    try await states.flush()
                    try await events.flush()
                    let dayText = current.isoText
                    try await connection.raw(
                        """
                        INSERT INTO subscription_days (store_account_id, day, proceeds_currency, paid, trials,
                            billing_retry, grace_period, mrr_twelfths, unknown_paid)
                        SELECT store_account_id, day, proceeds_currency, SUM(paid), SUM(trials), SUM(billing_retry),
                            SUM(grace_period), SUM(COALESCE(mrr_twelfths, 0)), 0
                        FROM subscription_states WHERE report_id = \(bind: ids[0])
                        GROUP BY store_account_id, day, proceeds_currency
                        """
                    ).run()
                    try await connection.raw(
                        """
                        INSERT INTO subscription_event_days (store_account_id, event_date, event, category,
                            original_start_date, quantity)
                        SELECT store_account_id, event_date, event, category, COALESCE(original_start_date, ''),
                            SUM(quantity)
                        FROM subscription_events WHERE report_id = \(bind: ids[1]) AND event_date = \(bind: dayText)
                        GROUP BY store_account_id, event_date, event, category, COALESCE(original_start_date, '')
                        """
                    ).run()
                    written += Int(line)
                    current = current.adding(days: 1)
                }
                return written
            }
            day = to.adding(days: 1)
        }
        say("filled \(rows) rows in \(LoadProbe.format((ContinuousClock.now - started).seconds)) s")
    }
}
