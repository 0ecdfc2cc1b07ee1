import Foundation
import Logging
import OrchardApp
import OrchardCore
import OrchardMail
import OrchardStorage
import OrchardSync
import OrchardTestSupport
import SQLKit
import SalesReports
import Testing

/// The recurring notification check and the digest over real ingested reports, on both databases,
/// their mail delivered to a real SMTP server.
@Suite struct NotificationChecksTests {
    /// A Monday; its history is the 28 Mondays before it.
    static let day = ReportDate(year: 2026, month: 11, day: 30)!
    static let start = Date(timeIntervalSince1970: 1_790_000_000)

    /// Downloads of account 123456's app on the Mondays: 100 ± 5 before, `last` on `day`; a second
    /// app, "tools", 20 on every Monday but 35 on `day`; US and (for the first app) DE.
    static func ingestHistory(_ database: OrchardDatabase, last: Int64, in directory: URL) async throws {
        let ingestor = ReportIngestor(database: database, archive: nil, logger: TestLogging.logger)
        for week in 0...28 {
            let date = day.adding(days: -7 * week)
            let downloads: Int64 = week == 0 ? last : 95 + Int64(week % 11)
            let rows = [
                SalesFileBuilder.row(
                    sku: "game", type: "1", units: downloads - 10, proceeds: "0", title: "Acme Game", day: date),
                SalesFileBuilder.row(sku: "game", type: "1", units: 10, country: "DE", day: date),
                SalesFileBuilder.row(
                    sku: "gems", type: "IA1", units: 2, proceeds: "1.40", price: "1.99", parent: "game", day: date),
                SalesFileBuilder.row(
                    sku: "tools", type: "1", units: week == 0 ? 35 : 20, title: "Acme Tools", day: date),
            ]
            let folder = directory.appendingPathComponent("w\(week)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            _ = try await ingestor.ingest(
                path: try SalesFileBuilder.write(rows, day: date, in: folder), accountNumber: "123456", now: start)
        }
    }

    struct Rig: Sendable {
        var database: OrchardDatabase
        var keys: KeyRing
        var clock: ManualClock
        var user: User
        var jobs: NotificationJobs
        var queue: JobQueue

        func drain() async throws {
            let worker = JobWorker(
                queue: queue, handlers: jobs.handlers(), lease: 60, now: { clock.now },
                logger: Logger(label: "test.worker"))
            while try await worker.runNext() {}
        }

        /// The user's digest hour and time zone, and the alerts' sensitivity.
        func set(hour: Int = 8, zone: String = "UTC", sensitivity: NotificationSettings.Sensitivity = .normal)
            async throws
        {
            var settings = NotificationSettings(email: "ana@example.com")
            settings.digestHour = hour
            settings.timeZone = zone
            settings.sensitivity = sensitivity
            try await NotificationSettingsStore(database: database).update(userID: user.id, settings)
        }

        func events(_ type: EventType) async throws -> [ActivityEvent] {
            try await EventLog(database: database).feed(userID: user.id, operator: true, after: nil, limit: 100)
                .filter { $0.type == type }
        }
    }

    static func withRig(
        _ backend: TestBackend, sink: SMTPSink, last: Int64 = 400, test: String = #function,
        _ body: @escaping @Sendable (Rig) async throws -> Void
    ) async throws {
        try await withMigrated(backend, test: test) { database in
            let clock = ManualClock(start)
            let keys = try KeyRing(base64Keys: [SecretBox.generateKey()])
            let user = try await UserStore(database: database).insert(
                email: "ana@example.com", passwordHash: "x", role: .operator, now: start)
            let settings = NotificationSettingsStore(database: database)
            _ = try await settings.verify(
                token: try await settings.verificationToken(userID: user.id, email: user.email, now: start), now: start)
            let accounts = StoreAccountStore(database: database)
            _ = try await accounts.register(number: "123456", name: "Acme Games", vendors: ["85442109"], now: start)
            _ = try await accounts.markAccessible(number: "123456", now: start)
            try await accounts.setBackfill(number: "123456", done: 1, total: 1)
            _ = try await IntegrationStore(database: database).create(
                userID: user.id, accountNumber: "123456", now: start)
            try await IntegrationStore(database: database).apply(
                .serviceSeesAccount, accountNumber: "123456", reason: nil, now: start)
            try await withTemporaryDirectory { directory in
                // Proceeds in USD are converted through the euro: a rate for every day of the history.
                let rates = directory.appendingPathComponent("rates.csv").path
                let days = (0...240).map { day.adding(days: 2 - $0).isoText + ",1.1000," }
                try (["Date,USD,"] + days).joined(separator: "\n").write(
                    toFile: rates, atomically: true, encoding: .utf8)
                try await FXRateStore(database: database).importECB(path: rates)
                try await ingestHistory(database, last: last, in: directory)
            }
            let mail = MailSetup(
                publicURL: URL(string: "https://orchard.example")!, from: MailAddress("orchard@orchard.example")!,
                transport: try SMTPClient(configuration: SMTPConfiguration(url: "smtp://127.0.0.1:\(sink.port)")!),
                description: "test")
            let logger = Logger(label: "test.notifications")
            let now: @Sendable () -> Date = { clock.now }
            let cache = MetricsCache()
            var policy = NotificationPolicy(invitationWindow: 96 * 3_600, serviceAppleID: "orchard@example.com")
            policy.newsDays = 7
            let jobs = NotificationJobs(
                delivery: NotificationDelivery(
                    database: database, keys: keys, mail: mail,
                    sender: WebhookSender(http: NotificationDeliveryTests.http, allowPrivate: true), now: now,
                    logger: logger),
                checks: NotificationChecks(
                    database: database, keys: keys, policy: policy,
                    service: ServiceIdentity(database: database, keys: keys, configuredToken: nil),
                    metrics: MetricsStore(database: database, cache: cache), now: now, logger: logger),
                digests: Digests(database: database, cache: cache, mail: mail, now: now, logger: logger),
                interval: 60)
            try await body(
                Rig(
                    database: database, keys: keys, clock: clock, user: user, jobs: jobs,
                    queue: JobQueue(database: database)))
        }
    }

    @Test(
        "a late day is told once, its arrival too, and a completed day far above its weekdays alerts",
        arguments: TestBackend.available)
    func lateRecoveredAndUnusual(backend: TestBackend) async throws {
        let sink = try SMTPSink()
        try await Self.withRig(backend, sink: sink) { rig in
            let accounts = StoreAccountStore(database: rig.database)
            // given the account holds the day before, 37 hours after Apple published `day`
            try await accounts.recordSync(number: "123456", through: Self.day.adding(days: -1), now: rig.clock.now)
            rig.clock.set(ReportCalendar.publication(of: Self.day).addingTimeInterval(37 * 3_600))

            // when the check runs twice
            try await rig.jobs.checks.run()
            try await rig.jobs.checks.run()

            // then one late notice; nothing is "complete" yet (the first look only remembers)
            let late = try await rig.events(.syncDelayed)
            #expect(late.count == 1)
            #expect(late.first?.data["lastDay"] == .string("2026-11-29"))
            #expect(late.first?.data["expectedDay"] == .string("2026-11-30"))
            #expect(try await rig.events(.dayComplete).isEmpty)

            // when the day arrives
            try await accounts.recordSync(number: "123456", through: Self.day, now: rig.clock.now)
            try await rig.jobs.checks.run()
            try await rig.jobs.checks.run()

            // then it is back, the day is complete, and 400 downloads against Mondays of 95 to 105 alert
            #expect(try await rig.events(.syncRecovered).count == 1)
            #expect(try await rig.events(.dayComplete).map { $0.data["day"] } == [.string("2026-11-30")])
            let alerts = try await rig.events(.metricAlert)
            #expect(alerts.count == 1)
            let alert = try #require(alerts.first)
            #expect(alert.data["metric"] == .string("downloads"))
            // 400 + 35 (the second app) against Mondays of 115 to 125
            #expect(alert.data["value"] == .string("435"))
            #expect(alert.data["direction"] == .string("rose"))
            // median 119.5, MAD 2.5 (× 1.4826 = 3.7); the floor is 10% of 119.5: spread 3.5 × 11.95
            #expect(alert.data["expected"] == .string("78 to 161"))
            #expect(
                alert.data["link"]
                    == .string("/dashboard?from=2026-11-30&to=2026-11-30&account=123456&metric=downloads"))

            // and the mail: late, back, the alert (a complete day is a webhook's business)
            try await rig.drain()
            let subjects = try sink.received().map(\.subject)
            #expect(
                subjects == [
                    "Acme Games (123456): no new day since 2026-11-29", "Acme Games (123456) is up to date again",
                    "Downloads rose on 2026-11-30: 435",
                ])
        }
    }

    @Test(
        "an invitation window ending is told once, 24 hours before; operators hear of the token, the listing, dead jobs",
        arguments: TestBackend.available)
    func invitationsAndOperations(backend: TestBackend) async throws {
        let sink = try SMTPSink()
        try await Self.withRig(backend, sink: sink) { rig in
            let accounts = StoreAccountStore(database: rig.database)
            _ = try await accounts.register(number: "777", name: "Late Co", vendors: ["1"], now: rig.clock.now)
            let pending = try await IntegrationStore(database: rig.database).create(
                userID: rig.user.id, accountNumber: "777", now: rig.clock.now)
            // 71 hours into a 96-hour window: nothing yet; at 73 hours, once
            rig.clock.advance(by: 71 * 3_600)
            try await rig.jobs.checks.run()
            #expect(try await rig.events(.invitationEnding).isEmpty)
            rig.clock.advance(by: 2 * 3_600)
            try await rig.jobs.checks.run()
            try await rig.jobs.checks.run()
            let ending = try await rig.events(.invitationEnding)
            #expect(ending.count == 1)
            #expect(ending.first?.data["integrationId"] == .integer(pending.id))
            #expect(ending.first?.data["serviceAppleId"] == .string("orchard@example.com"))

            // the operators' events: a token with 10 days left, a degraded listing, a dead job
            try await rig.drain()
            _ = try await ServiceTokenStore(database: rig.database, keys: rig.keys).set(
                "service-token", expires: rig.clock.now.addingTimeInterval(10 * 86_400 + 3_600), now: rig.clock.now)
            try await ServiceListingStore(database: rig.database).markDegraded(
                vanished: 4, accessible: 6, now: rig.clock.now)
            let queue = JobQueue(database: rig.database)
            try await queue.enqueue(
                kind: "sync_account", payload: #"{"account": "777"}"#, dedupeKey: "sync:777", storeAccountID: nil,
                runAfter: rig.clock.now, now: rig.clock.now)
            let job = try #require(try await queue.claim(owner: "test", lease: 60, now: rig.clock.now))
            try await queue.fail(job, error: "boom", permanent: true, now: rig.clock.now)
            try await rig.jobs.checks.run()
            try await rig.jobs.checks.run()
            let expiring = try await rig.events(.tokenExpiring)
            #expect(expiring.map { $0.data["days"] } == [.integer(10)])
            #expect(expiring.first?.userID == nil)
            #expect(try await rig.events(.listingDegraded).map { $0.data["vanished"] } == [.integer(4)])
            #expect(try await rig.events(.jobDead).map { $0.data["error"] } == [.string("boom")])
            try await rig.drain()
            let subjects = try sink.received().map(\.subject)
            #expect(subjects.contains("Late Co (777): 24 hours left to invite Orchard"))
            #expect(subjects.contains("Orchard's service token expires in 10 days"))
            #expect(subjects.contains("Apple's account listing lost 4 accounts at once"))
            #expect(subjects.contains("A job failed for good: sync_account"))
            // a member hears nothing of operations
            #expect(
                try await EventLog(database: rig.database).feed(
                    userID: rig.user.id, operator: false, after: nil, limit: 50
                )
                .allSatisfy { !$0.type.isOperational })
        }
    }

    @Test("a usual day does not alert; a high sensitivity does", arguments: TestBackend.available)
    func sensitivity(backend: TestBackend) async throws {
        let sink = try SMTPSink()
        try await Self.withRig(backend, sink: sink, last: 120) { rig in
            let accounts = StoreAccountStore(database: rig.database)
            try await accounts.recordSync(number: "123456", through: Self.day.adding(days: -1), now: rig.clock.now)
            rig.clock.set(ReportCalendar.publication(of: Self.day).addingTimeInterval(3_600))
            try await rig.jobs.checks.run()
            try await accounts.recordSync(number: "123456", through: Self.day, now: rig.clock.now)
            try await rig.jobs.checks.run()
            // 120 + 35 is inside 78…161
            #expect(try await rig.events(.metricAlert).isEmpty)
            #expect(try await rig.events(.syncDelayed).isEmpty)
            // at high sensitivity (2.5 × 11.95) the range is 90…149
            try await rig.set(sensitivity: .high)
            try await rig.jobs.checks.alerts(
                account: try #require(try await accounts.find(number: "123456")), day: Self.day,
                readers: try await IntegrationStore(database: rig.database).list(accountNumber: "123456"))
            #expect(try await rig.events(.metricAlert).map { $0.data["expected"] } == [.string("90 to 149")])
        }
    }

    @Test(
        "the daily digest waits for the day, then tells it against the same weekday a week before",
        arguments: TestBackend.available)
    func dailyDigest(backend: TestBackend) async throws {
        let sink = try SMTPSink()
        try await Self.withRig(backend, sink: sink) { rig in
            // given a digest at 14:00 in Berlin on Tuesday 1 December (Monday was published at 14:00)
            try await rig.set(hour: 14, zone: "Europe/Berlin")
            let berlin = TimeZone(identifier: "Europe/Berlin")!
            rig.clock.set(ReportDate(year: 2026, month: 12, day: 1)!.start(in: berlin, hour: 13))
            #expect(try await rig.jobs.digests.run() == 0)
            rig.clock.set(ReportDate(year: 2026, month: 12, day: 1)!.start(in: berlin, hour: 14).addingTimeInterval(60))

            // when the digests run twice
            #expect(try await rig.jobs.digests.run() == 1)
            #expect(try await rig.jobs.digests.run() == 0)
            try await rig.drain()

            // then one mail with Monday's figures against the Monday before
            let mails = try sink.received()
            #expect(mails.count == 1)
            let mail = try #require(mails.first)
            // 390 + 10 + 35 downloads; 2 in-app purchases at 1.40
            #expect(mail.subject == "Mon 30 Nov: 435 downloads, $2.80 proceeds")
            let text = try #require(mail.text)
            // against 86 + 10 + 20 the Monday before
            #expect(text.contains("Downloads         435  (▲ +275% against Mon 23 Nov (116))"))
            #expect(text.contains("Proceeds          $2.80  (= against Mon 23 Nov ($2.80))"))
            #expect(text.contains("Top movers: apps"))
            #expect(!text.contains("Not complete"))
            #expect(mail.headers["List-Unsubscribe"] != nil)
            let feed = try await rig.events(.digest)
            #expect(feed.count == 1)
        }
    }
}

extension NotificationChecksTests {
    @Test(
        "a digest waits for an account that lacks the day, then goes 6 hours later naming it and leaving it out",
        arguments: TestBackend.available)
    func incompleteDigest(backend: TestBackend) async throws {
        let sink = try SMTPSink()
        try await Self.withRig(backend, sink: sink) { rig in
            let accounts = StoreAccountStore(database: rig.database)
            _ = try await accounts.register(number: "555", name: "Other Co", vendors: ["2"], now: rig.clock.now)
            _ = try await accounts.markAccessible(number: "555", now: rig.clock.now)
            let integrations = IntegrationStore(database: rig.database)
            _ = try await integrations.create(userID: rig.user.id, accountNumber: "555", now: rig.clock.now)
            try await integrations.apply(.serviceSeesAccount, accountNumber: "555", reason: nil, now: rig.clock.now)
            try await rig.set(hour: 14, zone: "Europe/Berlin")
            let berlin = TimeZone(identifier: "Europe/Berlin")!
            let hour = ReportDate(year: 2026, month: 12, day: 1)!.start(in: berlin, hour: 14)
            rig.clock.set(hour.addingTimeInterval(60))
            #expect(try await rig.jobs.digests.run() == 0)
            rig.clock.set(hour.addingTimeInterval(6 * 3_600 - 60))
            #expect(try await rig.jobs.digests.run() == 0)
            rig.clock.set(hour.addingTimeInterval(6 * 3_600 + 60))
            #expect(try await rig.jobs.digests.run() == 1)
            try await rig.drain()
            let mail = try #require(try sink.received().first)
            #expect(mail.subject == "Mon 30 Nov: 435 downloads, $2.80 proceeds (incomplete)")
            let text = try #require(mail.text)
            #expect(text.contains("Not complete: Other Co (555) has no report for Mon 30 Nov yet"))
            // the figures are Acme's alone
            #expect(text.contains("Downloads         435"))
            let feed = try await rig.events(.digest)
            #expect(feed.first?.data["complete"] == .bool(false))
        }
    }
}

/// The figures mail shows, and the rule that says a day is unusual.
@Suite struct NotificationFiguresTests {
    @Test("money with its symbol or code, no minor units where a currency has none; counts grouped")
    func money() {
        #expect(Money.text(1_203.4, currency: "USD") == "$1,203.40")
        #expect(Money.text(-0.004, currency: "EUR") == "€0.00")
        #expect(Money.text(-12.5, currency: "GBP") == "−£12.50")
        #expect(Money.text(2_675_000, currency: "VND") == "2,675,000 VND")
        #expect(Money.text(1_234.5, currency: "CHF") == "1,234.50 CHF")
        #expect(Money.count(1_234_567) == "1,234,567")
        #expect(Money.count(-1_000) == "−1,000")
        #expect(Money.count(999) == "999")
    }

    @Test(
        "unusual: outside median ± deviations × max(1.4826 MAD, floor, 10% of the median); too little history says nothing"
    )
    func unusualDay() throws {
        let history: [Double] = [100, 102, 98, 101, 99, 103, 97, 100]
        let usual = try #require(UnusualDay(history: history, deviations: 3.5, floor: 5))
        #expect(usual.median == 100)
        // MAD 1.5 → 2.22; the floor 5; 10% of 100 = 10: the spread is 3.5 × 10
        #expect(usual.spread == 35)
        #expect(!usual.isUnusual(135))
        #expect(usual.isUnusual(135.5))
        #expect(usual.isUnusual(64.9))
        #expect(!usual.isUnusual(65))
        #expect(UnusualDay(history: Array(history.prefix(7)), deviations: 3.5, floor: 5) == nil)
        // a small app: its floor, not its noise, sets the range
        let small = try #require(UnusualDay(history: [0, 1, 0, 2, 1, 0, 1, 1], deviations: 3.5, floor: 10))
        #expect(small.low == 0)
        #expect(small.high == 36)
        #expect(!small.isUnusual(30))
        // a wide MAD widens the range
        let noisy = try #require(UnusualDay(history: [50, 150, 60, 140, 70, 130, 80, 120], deviations: 2.5, floor: 1))
        #expect(noisy.median == 100)
        #expect(abs(noisy.spread - 2.5 * 1.4826 * 35) < 1e-9)
    }

    @Test("the digest's period: the newest day published at the user's hour, or the last whole week on their weekday")
    func digestPeriod() throws {
        var settings = NotificationSettings(email: "a@example.com")
        settings.timeZone = "Asia/Tokyo"
        settings.digestHour = 9
        let tokyo = try #require(TimeZone(identifier: "Asia/Tokyo"))
        // Tuesday 1 December 2026, 8:59 in Tokyo: not yet
        let before = ReportDate(year: 2026, month: 12, day: 1)!.start(in: tokyo, hour: 9).addingTimeInterval(-60)
        #expect(DigestPeriod.due(settings, at: before) == nil)
        // 9:00 in Tokyo is 16:00 Pacific on Monday 30 November: Sunday 29 November was published
        let at = ReportDate(year: 2026, month: 12, day: 1)!.start(in: tokyo, hour: 9).addingTimeInterval(60)
        let due = try #require(DigestPeriod.due(settings, at: at))
        #expect(
            due.period
                == DigestPeriod(
                    weekly: false, from: ReportDate(year: 2026, month: 11, day: 29)!,
                    to: ReportDate(year: 2026, month: 11, day: 29)!))
        #expect(due.period.key == "daily:2026-11-29")
        #expect(due.period.previousFrom == ReportDate(year: 2026, month: 11, day: 22)!)
        settings.digestFrequency = .weekly
        settings.digestWeekday = 2
        let weekly = try #require(DigestPeriod.due(settings, at: at))
        #expect(weekly.period.from == ReportDate(year: 2026, month: 11, day: 23)!)
        #expect(weekly.period.to == ReportDate(year: 2026, month: 11, day: 29)!)
        settings.digestWeekday = 3
        #expect(DigestPeriod.due(settings, at: at) == nil)
        settings.digestFrequency = .off
        #expect(DigestPeriod.due(settings, at: at) == nil)
    }
}
