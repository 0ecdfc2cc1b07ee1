import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import OrchardApp
import OrchardCore
import OrchardMail
import OrchardStorage
import OrchardSync
import OrchardTestSupport
import Testing

@testable import OrchardWeb

/// Notifications through the web, as a user and a script meet them: confirmation links, one-click
/// unsubscribe, settings, the activity feed and webhooks, on both databases.
@Suite struct NotificationsWebTests {
    static let password = AccountPageTests.password

    /// Sends what the outbox holds through `transport`, as a worker would.
    static func deliver(_ harness: WebHarness, _ transport: any MailTransport) async throws {
        let delivery = NotificationDelivery(
            database: harness.database, keys: harness.keys,
            mail: MailSetup(
                publicURL: URL(string: "http://orchard.test")!, from: MailAddress("orchard@orchard.test")!,
                transport: transport, description: "test"),
            sender: WebhookSender(http: NotificationDeliveryTests.http, allowPrivate: true),
            now: { harness.clock.now }, logger: Logger(label: "test"))
        let worker = JobWorker(
            queue: JobQueue(database: harness.database), handlers: delivery.handlers(), now: { harness.clock.now },
            logger: Logger(label: "test"))
        while try await worker.runNext() {}
    }

    /// Ada signs up in a browser; her user, and a bearer token for the API.
    static func ada(_ harness: WebHarness, _ client: any TestClientProtocol) async throws -> (
        browser: Browser, user: User, bearer: HTTPFields
    ) {
        let browser = Browser(client)
        _ = try await AccountPageTests.submit(
            browser, "/signup", [("email", "ada@example.com"), ("password", Self.password)])
        let user = try #require(
            try await UserStore(database: harness.database).credentials(email: "ada@example.com")?.user)
        let token = try await LoginTokenTests.logIn(Browser(client), "ada@example.com", Self.password)
        return (browser, user, [.authorization: "Bearer \(token)"])
    }

    /// The path of the link in a mail's text that starts with `prefix`.
    static func link(_ prefix: String, in text: String?) throws -> String {
        let text = try #require(text)
        let start = try #require(text.range(of: "http://orchard.test" + prefix))
        let tail = text[start.lowerBound...].prefix { !$0.isWhitespace }
        return String(tail.dropFirst("http://orchard.test".count))
    }

    @Test(
        "sign-up mails a confirmation link; a new address is confirmed at that address before it replaces the old one",
        arguments: TestBackend.available)
    func confirmation(backend: TestBackend) async throws {
        let sink = try SMTPSink()
        let transport = try SMTPClient(configuration: SMTPConfiguration(url: "smtp://127.0.0.1:\(sink.port)")!)
        try await WebHarness.run(backend, mail: transport) { harness, client in
            let browser = Browser(client)
            _ = try await AccountPageTests.submit(
                browser, "/signup", [("email", "ada@example.com"), ("password", Self.password)])
            try await Self.deliver(harness, transport)
            let welcome = try #require(try sink.received().first)
            #expect(welcome.rcptTos == ["ada@example.com"])
            #expect(welcome.subject == "Confirm your address for Orchard")
            // essential mail: no unsubscribe
            #expect(welcome.headers["List-Unsubscribe"] == nil)
            let settings = try await browser.request("/account/notifications")
            #expect(settings.text.contains("Not confirmed"))

            // the link confirms, once
            let confirm = try Self.link("/verify-email/", in: welcome.text)
            let confirmed = try await browser.request(confirm)
            #expect(confirmed.status == .ok)
            #expect(confirmed.text.contains("Address confirmed"))
            #expect(try await browser.request(confirm).status == .notFound)
            #expect(try await browser.request("/account/notifications").text.contains("Confirmed"))

            // a change of address: the new one gets the link; the old one stays until it is used
            let bearer: HTTPFields = [
                .authorization:
                    "Bearer \(try await LoginTokenTests.logIn(Browser(client), "ada@example.com", Self.password))"
            ]
            let asked = try await browser.request(
                "/api/v1/me/email", method: .post, json: #"{"email": "Ada@New.example"}"#, headers: bearer)
            #expect(asked.status == .accepted)
            #expect(asked.json?["email"] as? String == "ada@example.com")
            #expect(asked.json?["pendingEmail"] as? String == "ada@new.example")
            let same = try await browser.request(
                "/api/v1/me/email", method: .post, json: #"{"email": "ada@example.com"}"#, headers: bearer)
            #expect(same.status == .unprocessableContent)
            #expect((same.json?["error"] as? [String: Any])?["code"] as? String == "same_email")
            let invalid = try await browser.request(
                "/api/v1/me/email", method: .post, json: #"{"email": "nope"}"#, headers: bearer)
            #expect((invalid.json?["error"] as? [String: Any])?["code"] as? String == "invalid_email")
            try await Self.deliver(harness, transport)
            let change = try #require(try sink.received().last)
            #expect(change.rcptTos == ["ada@new.example"])
            #expect(change.subject == "Confirm your new address for Orchard")
            _ = try await browser.request(try Self.link("/verify-email/", in: change.text))
            let now = try await browser.request("/api/v1/notifications", headers: bearer)
            #expect(now.json?["email"] as? String == "ada@new.example")
            #expect(now.json?["emailVerified"] as? Bool == true)
            #expect(try await LoginTokenTests.logIn(Browser(client), "ada@new.example", Self.password).isEmpty == false)
        }
    }

    @Test(
        "one-click unsubscribe works without a cookie or a form token, and only for its link",
        arguments: TestBackend.available)
    func oneClickUnsubscribe(backend: TestBackend) async throws {
        try await WebHarness.run(backend) { harness, client in
            let (_, user, _) = try await Self.ada(harness, client)
            let token = try await NotificationSettingsStore(database: harness.database).unsubscribeToken(
                userID: user.id, topic: .digest, accountNumber: nil, now: harness.clock.now)
            // a mail provider's POST: no cookies, RFC 8058's body
            let stranger = Browser(client)
            let asked = try await stranger.request("/unsubscribe/\(token)")
            #expect(asked.status == .ok)
            #expect(asked.text.contains("Stop mail of this kind"))
            let done = try await stranger.request(
                "/unsubscribe/\(token)", method: .post, form: [("List-Unsubscribe", "One-Click")])
            #expect(done.status == .ok)
            #expect(done.text.contains("You will no longer receive mail of this kind"))
            let settings = try #require(
                try await NotificationSettingsStore(database: harness.database).settings(userID: user.id))
            #expect(settings.mails(.digest, accountNumber: nil) == false)
            #expect(settings.mails(.integrations, accountNumber: nil))
            #expect(try await stranger.request("/unsubscribe/\(token)x", method: .post).status == .notFound)
            // every other form still needs its token
            #expect(try await stranger.request("/account/notifications", method: .post, form: []).status != .seeOther)
        }
    }

    @Test("settings: the API checks every value, the page saves per-account switches", arguments: TestBackend.available)
    func settings(backend: TestBackend) async throws {
        try await WebHarness.run(backend) { harness, client in
            let (browser, user, bearer) = try await Self.ada(harness, client)
            _ = try await StoreAccountStore(database: harness.database).register(
                number: "123456", name: "Acme Games", vendors: ["1"], now: harness.clock.now)
            _ = try await IntegrationStore(database: harness.database).create(
                userID: user.id, accountNumber: "123456", now: harness.clock.now)
            for (body, message) in [
                (#"{"digestHour": 24}"#, "digestHour must be 0 to 23"),
                (#"{"timeZone": "Mars/Olympus"}"#, "timeZone must be an IANA time zone"),
                (#"{"digestFrequency": "hourly"}"#, "digestFrequency must be off, daily or weekly"),
                (
                    #"{"switches": [{"topic": "alerts", "account": "999", "enabled": false}]}"#,
                    "cannot be set for account 999"
                ),
                (#"{"switches": [{"topic": "operations", "enabled": true}]}"#, "operations mail is for operators"),
                (#"{"switches": [{"topic": "nonsense", "enabled": true}]}"#, "is not a notification topic"),
            ] {
                let refused = try await browser.request(
                    "/api/v1/notifications", method: .put, json: body, headers: bearer)
                #expect(refused.status == .unprocessableContent, "\(body)")
                #expect(
                    ((refused.json?["error"] as? [String: Any])?["message"] as? String)?.contains(message) == true,
                    "\(body)")
            }
            let saved = try await browser.request(
                "/api/v1/notifications", method: .put,
                json:
                    #"{"digestFrequency": "weekly", "digestHour": 7, "digestWeekday": 5, "timeZone": "Asia/Tokyo", "alertSensitivity": "high", "switches": [{"topic": "alerts", "account": "123456", "enabled": false}]}"#,
                headers: bearer)
            #expect(saved.status == .ok)
            #expect(saved.json?["digestFrequency"] as? String == "weekly")
            #expect(saved.json?["timeZone"] as? String == "Asia/Tokyo")
            #expect(saved.json?["alertSensitivity"] as? String == "high")

            // the page: the account's alerts back to Default, its sync problems off, digest daily at 9
            let page = try await browser.request("/account/notifications")
            #expect(page.text.contains(#"<option value="off" selected="selected">Off</option>"#))
            let csrf = try #require(Browser.csrfToken(in: page.text))
            let posted = try await browser.request(
                "/account/notifications", method: .post,
                form: [
                    ("_csrf", csrf), ("digestFrequency", "daily"), ("digestHour", "9"), ("digestWeekday", "1"),
                    ("timeZone", "Europe/Berlin"), ("alertSensitivity", "normal"), ("topic.integrations", "on"),
                    ("topic.alerts", "on"), ("topic.digest", "on"), ("account.123456.alerts", "default"),
                    ("account.123456.sync_problems", "off"), ("account.123456.integrations", "default"),
                ])
            #expect(posted.status == .seeOther)
            let settings = try #require(
                try await NotificationSettingsStore(database: harness.database).settings(userID: user.id))
            #expect(settings.digestFrequency == .daily)
            #expect(settings.digestHour == 9)
            #expect(settings.timeZone == "Europe/Berlin")
            #expect(settings.mails(.alerts, accountNumber: "123456"))
            #expect(!settings.mails(.syncProblems, accountNumber: "123456"))
            #expect(!settings.mails(.syncProblems, accountNumber: nil))
            #expect(!settings.mails(.dataReady, accountNumber: nil))
        }
    }

    @Test("the activity feed: newest first, paged, only the caller's", arguments: TestBackend.available)
    func feed(backend: TestBackend) async throws {
        try await WebHarness.run(backend) { harness, client in
            let (browser, ada, bearer) = try await Self.ada(harness, client)
            let log = EventLog(database: harness.database)
            for index in 0..<5 {
                try await log.record(
                    ActivityEvent(
                        userID: ada.id, type: .syncRecovered, accountNumber: "123456",
                        createdAt: harness.clock.now.addingTimeInterval(Double(index)),
                        data: ["accountName": "Acme", "lastDay": .string("2026-11-0\(index + 1)")]))
            }
            // the operator's own event: not Ada's
            try await log.record(
                ActivityEvent(userID: nil, type: .jobDead, accountNumber: nil, createdAt: harness.clock.now, data: [:]))
            let first = try await browser.request("/api/v1/events?limit=3", headers: bearer)
            let events = try #require(first.json?["events"] as? [[String: Any]])
            #expect(
                events.map { ($0["data"] as? [String: Any])?["lastDay"] as? String } == [
                    "2026-11-05", "2026-11-04", "2026-11-03",
                ])
            #expect(events.first?["summary"] as? String == "Acme (123456) is up to date again, through 2026-11-05.")
            let next = try #require(first.json?["next"] as? String)
            let second = try await browser.request("/api/v1/events?limit=3&after=\(next)", headers: bearer)
            #expect((second.json?["events"] as? [[String: Any]])?.count == 2)
            #expect(second.json?["next"] is NSNull)
            #expect(
                try await browser.request("/api/v1/events?limit=0", headers: bearer).status == .unprocessableContent)
            let page = try await browser.request("/activity")
            #expect(page.text.contains("Acme (123456) is up to date again, through 2026-11-05."))
            #expect(!page.text.contains("failed for good"))
        }
    }

    @Test(
        "webhooks by API: the secret once, a signed test event delivered, its log; another user's are 404",
        arguments: TestBackend.available)
    func webhooks(backend: TestBackend) async throws {
        try await WebhookReceiver.withRunning { receiver, url in
            try await WebHarness.run(backend) { harness, client in
                let browser = Browser(client)
                for email in ["ada@example.com", "eve@example.com"] {
                    _ = try await browser.request(
                        "/api/v1/auth/signup", method: .post,
                        json: #"{"email": "\#(email)", "password": "\#(Self.password)"}"#)
                }
                let ada: HTTPFields = [
                    .authorization:
                        "Bearer \(try await LoginTokenTests.logIn(Browser(client), "ada@example.com", Self.password))"
                ]
                let eve: HTTPFields = [
                    .authorization:
                        "Bearer \(try await LoginTokenTests.logIn(Browser(client), "eve@example.com", Self.password))"
                ]
                let created = try await browser.request(
                    "/api/v1/webhooks", method: .post,
                    json: #"{"url": "\#(url)", "events": ["integration.removed", "alert.metric"]}"#, headers: ada)
                #expect(created.status == .created)
                let webhook = try #require(created.json?["webhook"] as? [String: Any])
                let secret = try #require(webhook["secret"] as? String)
                #expect(secret.hasPrefix("whsec_"))
                let id = try #require(webhook["id"] as? Int)
                let listed = try await browser.request("/api/v1/webhooks", headers: ada)
                #expect(!listed.text.contains(secret))
                #expect(try await browser.request("/api/v1/webhooks/\(id)", headers: eve).status == .notFound)
                #expect(
                    try await browser.request("/api/v1/webhooks/\(id)/test", method: .post, headers: eve).status
                        == .notFound)
                let refused = try await browser.request(
                    "/api/v1/webhooks", method: .post, json: #"{"url": "\#(url)", "events": ["operator.job_dead"]}"#,
                    headers: ada)
                #expect(refused.status == .unprocessableContent)

                let test = try await browser.request("/api/v1/webhooks/\(id)/test", method: .post, headers: ada)
                #expect(test.status == .accepted)
                try await Self.deliver(harness, FileMailTransport(directory: FileManager.default.temporaryDirectory))
                let post = try #require(receiver.received.first)
                #expect(NotificationDeliveryTests.verify(post, secret: secret, now: harness.clock.now))
                #expect(post.body.contains(#""type":"webhook.test""#))
                let log = try await browser.request("/api/v1/webhooks/\(id)/deliveries", headers: ada)
                let deliveries = try #require(log.json?["deliveries"] as? [[String: Any]])
                #expect(deliveries.first?["state"] as? String == "delivered")
                #expect(deliveries.first?["lastStatus"] as? Int == 204)

                // a rotated secret signs from then on; the old one no longer verifies
                let rotated = try await browser.request("/api/v1/webhooks/\(id)/secret", method: .post, headers: ada)
                let newSecret = try #require((rotated.json?["webhook"] as? [String: Any])?["secret"] as? String)
                #expect(newSecret != secret)
                _ = try await browser.request("/api/v1/webhooks/\(id)/test", method: .post, headers: ada)
                try await Self.deliver(harness, FileMailTransport(directory: FileManager.default.temporaryDirectory))
                let second = try #require(receiver.received.last)
                #expect(NotificationDeliveryTests.verify(second, secret: newSecret, now: harness.clock.now))
                #expect(!NotificationDeliveryTests.verify(second, secret: secret, now: harness.clock.now))
                #expect(
                    try await browser.request("/api/v1/webhooks/\(id)", method: .delete, headers: ada).status
                        == .noContent)
            }
        }
    }

    @Test("links in mail are the site's routes; the operator reads a mail's HTML inert")
    func linksAndHTML() async throws {
        #expect(MailLinks.notifications == SiteRoute.notifications.path)
        #expect(MailLinks.activity == SiteRoute.activity.path)
        #expect(MailLinks.integrations == SiteRoute.integrations.path)
        #expect(MailLinks.integration(7) == SiteRoute.integration(id: 7).path)
        #expect(MailLinks.unsubscribe("abc") == SiteRoute.unsubscribe(token: "abc").path)
        #expect(MailLinks.verify("abc") == SiteRoute.verifyEmail(token: "abc").path)
        #expect(MailLinks.dashboard(account: nil, from: "a", to: "b").hasPrefix(SiteRoute.dashboard.path + "?"))
        try await WebHarness.run(.sqlite) { harness, client in
            let id = try #require(
                try await MailOutbox(database: harness.database).queue(
                    .init(
                        dedupeKey: "x", userID: nil, eventID: nil, kind: "digest", recipient: "root@example.com",
                        subject: "Your day", text: "Downloads 5", html: "<p>Downloads <b>5</b></p><script>x()</script>",
                        unsubscribeURL: nil),
                    now: harness.clock.now))
            let browser = Browser(client)
            _ = try await AccountPageTests.submit(
                browser, "/signin", [("email", WebHarness.operatorEmail), ("password", Self.password)])
            let list = try await browser.request("/operator/mail")
            #expect(list.text.contains("Your day"))
            let message = try await browser.request("/operator/mail/\(id)")
            #expect(message.text.contains("Downloads 5"))
            let html = try await browser.request("/operator/mail/\(id)/html")
            #expect(html.headers[.contentSecurityPolicy]?.contains("sandbox") == true)
            #expect(html.headers[.contentSecurityPolicy]?.contains("default-src 'none'") == true)
        }
    }
}
