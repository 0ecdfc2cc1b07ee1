import AsyncHTTPClient
import Crypto
import Foundation
import Logging
import OrchardApp
import OrchardCore
import OrchardMail
import OrchardStorage
import OrchardSync
import OrchardTestSupport
import SQLKit
import Testing

/// Events reach mail at a real SMTP server (aiosmtpd) and webhooks at a real HTTP receiver that
/// checks the signature, through the job queue, on SQLite and PostgreSQL.
@Suite struct NotificationDeliveryTests {
    static let start = Date(timeIntervalSince1970: 1_796_000_000)

    /// Everything a test needs: the database, a user with an integration, the use case, the jobs.
    struct Rig: Sendable {
        var database: OrchardDatabase
        var clock: ManualClock
        var notifications: Notifications
        var delivery: NotificationDelivery
        var user: User
        var integration: Integration
        var queue: JobQueue

        /// Runs every job due (moving the clock past retries up to `horizon` seconds); returns how many ran.
        @discardableResult
        func drain(horizon: TimeInterval = 0) async throws -> Int {
            let worker = JobWorker(
                queue: queue, handlers: delivery.handlers(), lease: 60, now: { clock.now },
                logger: Logger(label: "test.worker"))
            var ran = 0
            var waited: TimeInterval = 0
            while true {
                if try await worker.runNext() {
                    ran += 1
                    continue
                }
                guard waited < horizon, let due = try await queue.nextDue() else { return ran }
                let step = max(1, due.timeIntervalSince(clock.now) + 0.001)
                clock.advance(by: step)
                waited += step
            }
        }

        func setActive() async throws {
            try await IntegrationStore(database: database).apply(
                .serviceSeesAccount, accountNumber: integration.accountNumber, reason: nil, now: clock.now)
        }
    }

    static let http = WebhookSender.makeHTTPClient()

    static func withRig(
        _ backend: TestBackend, transport: (any MailTransport)?, verified: Bool = true,
        retry: WebhookRetry = WebhookRetry(schedule: [60, 600], window: 3_600), test: String = #function,
        _ body: @escaping @Sendable (Rig) async throws -> Void
    ) async throws {
        try await withMigrated(backend, test: test) { database in
            let clock = ManualClock(start)
            let keys = try KeyRing(base64Keys: [SecretBox.generateKey()])
            let user = try await UserStore(database: database).insert(
                email: "ana@example.com", passwordHash: "x", role: .member, now: start)
            if verified {
                let settings = NotificationSettingsStore(database: database)
                let token = try await settings.verificationToken(userID: user.id, email: user.email, now: start)
                _ = try await settings.verify(token: token, now: start)
            }
            _ = try await StoreAccountStore(database: database).register(
                number: "123456", name: "Acme Games", vendors: ["85000001"], now: start)
            let integration = try await IntegrationStore(database: database).create(
                userID: user.id, accountNumber: "123456", now: start)
            let mail = MailSetup(
                publicURL: URL(string: "https://orchard.example")!, from: MailAddress("orchard@orchard.example")!,
                transport: transport, description: "test")
            let sender = WebhookSender(http: http, allowPrivate: true)
            let delivery = NotificationDelivery(
                database: database, keys: keys, mail: mail, sender: sender, retry: retry, now: { clock.now },
                logger: Logger(label: "test.notifications"))
            let notifications = Notifications(
                database: database, keys: keys, mail: mail, sender: sender, now: { clock.now })
            try await body(
                Rig(
                    database: database, clock: clock, notifications: notifications, delivery: delivery, user: user,
                    integration: integration, queue: JobQueue(database: database, backoff: .init(base: 10))))
        }
    }

    /// `Orchard-Signature: t=…,v1=…` checked as a receiver would, with CryptoKit's HMAC.
    /// `now`: the receiver's clock, refusing a stamp more than 5 minutes away; `nil` checks the MAC alone.
    static func verify(_ request: WebhookReceiver.Received, secret: String, now: Date?) -> Bool {
        guard let header = request.headers["orchard-signature"] else { return false }
        var parts: [String: String] = [:]
        for piece in header.split(separator: ",") {
            let pair = piece.split(separator: "=", maxSplits: 1)
            if pair.count == 2 { parts[String(pair[0])] = String(pair[1]) }
        }
        guard let stamp = parts["t"], let time = Double(stamp),
            now.map({ abs(time - $0.timeIntervalSince1970) < 300 }) ?? true,
            let given = parts["v1"]
        else { return false }
        let expected = HMAC<SHA256>.authenticationCode(
            for: Data("\(stamp).\(request.body)".utf8), using: SymmetricKey(data: Data(secret.utf8)))
        return given == expected.map { String(format: "%02x", $0) }.joined()
    }

    @Test(
        "an integration turning active mails its user at the verified address and POSTs a signed event",
        arguments: TestBackend.available)
    func activeMailsAndSigns(backend: TestBackend) async throws {
        let sink = try SMTPSink(tls: "starttls", auth: "orchard:secret")
        let transport = try SMTPClient(
            configuration: SMTPConfiguration(
                url: "smtp://orchard:secret@localhost:\(sink.port)", caFile: sink.certificate)!)
        try await WebhookReceiver.withRunning { receiver, url in
            try await Self.withRig(backend, transport: transport) { rig in
                // given an endpoint for every event
                let (endpoint, secret) = try await rig.notifications.addEndpoint(
                    of: rig.user, url: url, format: "json", events: [])

                // when the service identity sees the account
                try await rig.setActive()
                try await rig.drain()

                // then one mail, over TLS, to the verified address, with one-click unsubscribe
                let mails = try sink.received()
                #expect(mails.count == 1)
                let mail = try #require(mails.first)
                #expect(mail.rcptTos == ["ana@example.com"])
                #expect(mail.encrypted)
                #expect(mail.subject == "Acme Games (123456) is connected: history is loading")
                #expect(mail.text?.contains("https://orchard.example/integrations/\(rig.integration.id)") == true)
                #expect(mail.html?.contains("https://orchard.example/integrations/\(rig.integration.id)") == true)
                #expect(mail.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click")
                #expect(mail.headers["List-Unsubscribe"]?.hasPrefix("<https://orchard.example/unsubscribe/") == true)
                #expect(mail.defects.isEmpty)
                // and one signed POST in the documented shape
                let posts = receiver.received
                #expect(posts.count == 1)
                let post = try #require(posts.first)
                #expect(Self.verify(post, secret: secret, now: rig.clock.now))
                #expect(!Self.verify(post, secret: secret + "x", now: rig.clock.now))
                let json = try #require(try JSONSerialization.jsonObject(with: Data(post.body.utf8)) as? [String: Any])
                #expect(Set(json.keys) == ["id", "type", "createdAt", "data"])
                #expect(json["type"] as? String == "integration.active")
                let data = try #require(json["data"] as? [String: Any])
                #expect(data["accountNumber"] as? String == "123456")
                #expect(data["status"] as? String == "active")
                #expect(post.headers["orchard-event-id"] == json["id"] as? String)
                // and the activity feed has it, the delivery log says delivered
                let feed = try await rig.notifications.feed(of: rig.user, after: nil, limit: 10)
                #expect(feed.events.map(\.type) == [.integrationActive])
                #expect(feed.events.first?.id == json["id"] as? String)
                let log = try await rig.notifications.deliveries(endpointID: endpoint.id, of: rig.user)
                #expect(log.map(\.state) == [.delivered])
                #expect(log.first?.lastStatus == 204)
            }
        }
    }

    @Test(
        "an unverified address gets no mail; the feed and webhooks still tell; unsubscribe stops that kind",
        arguments: TestBackend.available)
    func unverifiedAndUnsubscribe(backend: TestBackend) async throws {
        let sink = try SMTPSink()
        let transport = try SMTPClient(configuration: SMTPConfiguration(url: "smtp://127.0.0.1:\(sink.port)")!)
        try await Self.withRig(backend, transport: transport, verified: false) { rig in
            try await rig.setActive()
            try await rig.drain()
            #expect(try sink.received().isEmpty)
            #expect(try await rig.notifications.feed(of: rig.user, after: nil, limit: 10).events.count == 1)
        }
        let second = try SMTPSink()
        let again = try SMTPClient(configuration: SMTPConfiguration(url: "smtp://127.0.0.1:\(second.port)")!)
        try await Self.withRig(backend, transport: again) { rig in
            try await rig.setActive()
            try await rig.drain()
            let mail = try #require(try second.received().first)
            let link = try #require(mail.headers["List-Unsubscribe"])
            let token = String(link.dropFirst("<https://orchard.example/unsubscribe/".count).dropLast())
            // when the user unsubscribes with the mail's one-click link
            let change = try await rig.notifications.unsubscribe(token: token)
            #expect(change == .init(topic: .integrations, accountNumber: "123456", enabled: false))
            // then the next integration event of that account is not mailed
            try await IntegrationStore(database: rig.database).apply(
                .serviceLostAccess, accountNumber: "123456", reason: "gone", now: rig.clock.now)
            try await rig.drain()
            #expect(try second.received().count == 1)
            #expect(try await rig.notifications.feed(of: rig.user, after: nil, limit: 10).events.count == 2)
            #expect(try await rig.notifications.unsubscribe(token: "not-a-token") == nil)
        }
    }

    @Test(
        "a webhook is retried on its schedule, redirects are not followed, and after its window it fails",
        arguments: TestBackend.available)
    func webhookRetries(backend: TestBackend) async throws {
        try await WebhookReceiver.withRunning(answers: [500, 302]) { receiver, url in
            try await Self.withRig(backend, transport: nil) { rig in
                let (endpoint, secret) = try await rig.notifications.addEndpoint(
                    of: rig.user, url: url, format: "json", events: ["integration.active"])
                try await rig.setActive()
                try await rig.drain(horizon: 3_600)
                let log = try await rig.notifications.deliveries(endpointID: endpoint.id, of: rig.user)
                #expect(log.map(\.state) == [.delivered])
                let attempts = try await WebhookStore(
                    database: rig.database, keys: try KeyRing(base64Keys: [SecretBox.generateKey()])
                )
                .attempts(deliveryID: try #require(log.first).id)
                #expect(attempts.map(\.status) == [500, 302, 204])
                #expect(attempts[1].error?.contains("redirects are not followed") == true)
                // 60 s, then 600 s apart, as scheduled
                #expect(attempts[1].at.timeIntervalSince(attempts[0].at) >= 60)
                #expect(attempts[2].at.timeIntervalSince(attempts[1].at) >= 600)
                #expect(receiver.received.count == 3)
                // each attempt signed anew, at its own time
                #expect(receiver.received.allSatisfy { Self.verify($0, secret: secret, now: nil) })
                #expect(Set(receiver.received.map { $0.headers["orchard-signature"] }).count == 3)
            }
        }
        try await WebhookReceiver.withRunning(answers: Array(repeating: 503, count: 50)) { receiver, url in
            try await Self.withRig(backend, transport: nil) { rig in
                let (endpoint, _) = try await rig.notifications.addEndpoint(
                    of: rig.user, url: url, format: "slack", events: [])
                try await rig.setActive()
                try await rig.drain(horizon: 7_200)
                let log = try await rig.notifications.deliveries(endpointID: endpoint.id, of: rig.user)
                #expect(log.map(\.state) == [.failed])
                // 0, 60, 660, 1260, … until the hour's window closes
                #expect(receiver.received.count == 7)
                #expect(try await rig.notifications.endpoint(id: endpoint.id, of: rig.user).failingSince != nil)
                let slack = try #require(receiver.received.first)
                let json = try JSONSerialization.jsonObject(with: Data(slack.body.utf8)) as? [String: String]
                #expect(json?.keys.sorted() == ["text"])
                #expect(json?["text"]?.contains("Acme Games (123456) is connected") == true)
            }
        }
    }

    @Test("endpoints on loopback or private addresses are refused unless the operator allows them")
    func privateAddresses() throws {
        let sender = WebhookSender(http: Self.http, allowPrivate: false)
        for url in [
            "http://127.0.0.1:8080/x", "http://localhost/x", "http://10.1.2.3/x", "http://192.168.1.1/x",
            "http://169.254.169.254/latest", "http://[::1]/x", "http://[fd00::1]/x", "http://172.20.0.1/x",
            "http://0.0.0.0/x",
        ] {
            #expect(sender.refusal(of: url) != nil, "\(url) was allowed")
        }
        #expect(sender.refusal(of: "ftp://example.com/x") != nil)
        #expect(sender.refusal(of: "https://user:pw@example.com/x") != nil)
        #expect(WebhookSender.isPrivate("8.8.8.8") == false)
        #expect(WebhookSender.isPrivate("2001:4860:4860::8888") == false)
        #expect(WebhookSender.isPrivate("::ffff:127.0.0.1"))
        #expect(WebhookSender(http: Self.http, allowPrivate: true).refusal(of: "http://127.0.0.1:8080/x") == nil)
    }

    @Test(
        "a mail server's deferral is retried by the queue; the message is sent once", arguments: TestBackend.available)
    func mailRetried(backend: TestBackend) async throws {
        let sink = try SMTPSink(extra: ["--defer-first", "2"])
        let transport = try SMTPClient(configuration: SMTPConfiguration(url: "smtp://127.0.0.1:\(sink.port)")!)
        try await Self.withRig(backend, transport: transport) { rig in
            try await rig.setActive()
            try await rig.drain(horizon: 600)
            #expect(try sink.received().count == 1)
            let sent = try await MailOutbox(database: rig.database).recent(limit: 10)
            #expect(sent.map(\.state) == [.sent])
            #expect(sent.first?.attempts == 3)
            #expect(sent.first?.serverReply?.hasPrefix("250") == true)
        }
    }
}

/// Every kind of mail and every kind of webhook, delivered: the done-when of docs/NOTIFICATIONS.md.
@Suite struct EveryNotificationTests {
    @Test(
        "every event type reaches the real SMTP server as its mail and the receiver as a signed delivery",
        arguments: TestBackend.available)
    func everyKind(backend: TestBackend) async throws {
        let sink = try SMTPSink(tls: "implicit", auth: "orchard:secret")
        let transport = try SMTPClient(
            configuration: SMTPConfiguration(
                url: "smtps://orchard:secret@localhost:\(sink.port)", caFile: sink.certificate)!)
        try await WebhookReceiver.withRunning { receiver, url in
            try await NotificationDeliveryTests.withRig(backend, transport: transport) { rig in
                _ = try await UserStore(database: rig.database).promote(email: "ana@example.com", now: rig.clock.now)
                let user = try #require(try await UserStore(database: rig.database).user(id: rig.user.id))
                // every kind mailed, the complete days too
                try await rig.notifications.update(.init(switches: [.init(topic: .dataReady, enabled: true)]), of: user)
                let (_, secret) = try await rig.notifications.addEndpoint(
                    of: user, url: url, format: "json", events: [])
                let account: [String: EventValue] = [
                    "integrationId": .integer(rig.integration.id), "accountNumber": "123456",
                    "accountName": "Acme Games",
                ]
                let data: [EventType: [String: EventValue]] = [
                    .integrationActive: ["status": "active", "previousStatus": "pending"],
                    .integrationExpired: ["status": "expired", "reason": "Not seen within 96 hours."],
                    .integrationRemoved: [
                        "status": "removed", "reason": "The service user was removed.", "purgeOn": "2027-01-06",
                    ],
                    .integrationRestored: ["status": "active", "previousStatus": "removed"],
                    .invitationEnding: ["endsAt": "8 Dec 2026 10:00 UTC", "serviceAppleId": "orchard@example.com"],
                    .syncDelayed: ["lastDay": "2026-12-01", "expectedDay": "2026-12-03", "lastError": .null],
                    .syncRecovered: ["lastDay": "2026-12-03", "delayedDay": "2026-12-03"],
                    .dayComplete: ["day": "2026-12-03"],
                    .metricAlert: [
                        "day": "2026-12-03", "metricName": "Downloads", "value": "435", "expected": "78 to 161",
                        "direction": "rose", "weekday": "Thursday", "link": "/dashboard?from=2026-12-03&to=2026-12-03",
                    ],
                    .tokenExpiring: ["days": 14, "expiresOn": "2026-12-20"],
                    .tokenRefused: ["reason": "Apple says the service access token is invalid."],
                    .listingDegraded: ["vanished": 5, "accessible": 6],
                    .jobDead: ["jobId": 9, "kind": "sync_account", "error": "boom"],
                ]
                let log = EventLog(database: rig.database)
                for type in EventType.allCases where type != .test && type != .digest {
                    let operational = type.isOperational
                    try await log.record(
                        ActivityEvent(
                            userID: operational ? nil : user.id, type: type,
                            accountNumber: operational ? nil : "123456",
                            createdAt: rig.clock.now,
                            data: (operational ? [:] : account).merging(data[type] ?? [:]) { $1 }))
                }
                // and the two kinds that are not events: a confirmation link and a digest
                try await rig.notifications.sendVerification(to: user, email: "ana.new@example.com")
                try await rig.drain()

                let subjects = Set(try sink.received().map(\.subject))
                let expected: Set<String> = [
                    "Acme Games (123456) is connected: history is loading",
                    "Acme Games (123456): the invitation was not seen in time",
                    "Acme Games (123456) was removed: no new data",
                    "Acme Games (123456) is back: access restored",
                    "Acme Games (123456): 24 hours left to invite Orchard",
                    "Acme Games (123456): no new day since 2026-12-01",
                    "Acme Games (123456) is up to date again",
                    "Acme Games (123456): 2026-12-03 is complete",
                    "Downloads rose on 2026-12-03: 435",
                    "Orchard's service token expires in 14 days",
                    "Apple refuses Orchard's service token",
                    "Apple's account listing lost 5 accounts at once",
                    "A job failed for good: sync_account",
                    "Confirm your new address for Orchard",
                ]
                #expect(subjects == expected)
                let mails = try sink.received()
                #expect(mails.allSatisfy { $0.encrypted && $0.defects.isEmpty })
                #expect(mails.filter { $0.headers["List-Unsubscribe"] != nil }.count == expected.count - 1)
                // every event type a webhook receives, signed
                let types = Set(
                    receiver.received.compactMap {
                        (try? JSONSerialization.jsonObject(with: Data($0.body.utf8)) as? [String: Any])?["type"]
                            as? String
                    })
                #expect(types == Set(EventType.allCases.filter { $0 != .test && $0 != .digest }.map(\.rawValue)))
                #expect(receiver.received.allSatisfy { NotificationDeliveryTests.verify($0, secret: secret, now: nil) })
            }
        }
    }
}
