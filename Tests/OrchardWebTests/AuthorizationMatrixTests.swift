import AppStoreConnect
import AsyncHTTPClient
import ConnectSandbox
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import OrchardApp
import OrchardCore
import OrchardMail
import OrchardStorage
import OrchardTestSupport
import Prometheus
import Synchronization
import Testing

@testable import OrchardWeb

/// Every route the router registers, called by four people with the ids of the owner's (or the
/// operator's) resources, against a table: who may do what is written down once, here, and a
/// route added without a row fails the test.
@Suite("Authorization: every route, every kind of caller")
struct AuthorizationMatrixTests {
    /// Who calls. Ada owns the integrations, funnel tokens and API token the ids name; Eve is a
    /// member with nothing; Root is the operator (and owns the dead job and the user invitation).
    enum Caller: String, CaseIterable, Sendable {
        case signedOut, member, owner, operatorUser = "operator"
    }

    /// Whose resource an `:id` names, so that its owner is called last (some calls use it up).
    enum Resource: Sendable {
        case none
        case integration, integrationToRemove, integrationToDelete, integrationToRestart
        case funnelToken, funnelTokenToDelete
        case apiToken
        case deadJob, userInvitation, userInvitationToDelete
        case webhook, webhookToDelete, webhookToDeleteByAPI
        case mailMessage

        var ownedByOperator: Bool {
            self == .deadJob || self == .userInvitation || self == .userInvitationToDelete || self == .mailMessage
        }
    }

    /// The request's body: JSON for the API, a form (with the CSRF field) for pages.
    enum Body: Sendable {
        case none
        case json(String)
        case form([(String, String)])
    }

    /// One row: the route as the router names it, the resource its `:id` is, a query or body that
    /// reaches the rule being tested, and what each caller gets, in `Caller.allCases` order:
    /// a status, or `signin` for a page's redirect to the sign-in form.
    struct Row: Sendable {
        let route: String
        var resource: Resource = .none
        var query = ""
        var body: Body = .none
        let expected: [String]
    }

    static let password = AccountPageTests.password

    /// The table. Columns: signed out, member (Eve), owner (Ada), operator (Root).
    static func table(_ ids: Ids) -> [Row] {
        let account = "account=\(ids.accountNumber)"
        let confirm = [("account", ids.pageFinishAccount), ("invitationConfirmed", "true")]
        return [
            // public pages, assets and probes
            Row(route: "GET /", expected: ["200", "200", "200", "200"]),
            Row(route: "GET /healthz", expected: ["200", "200", "200", "200"]),
            Row(route: "GET /readyz", expected: ["200", "200", "200", "200"]),
            Row(route: "GET /metrics", expected: ["200", "200", "200", "200"]),
            Row(route: "GET \(SiteRoute.stylesheet.path)", expected: ["200", "200", "200", "200"]),
            Row(route: "GET \(SiteRoute.script.path)", expected: ["200", "200", "200", "200"]),
            Row(route: "GET \(SiteRoute.icon.path)", expected: ["200", "200", "200", "200"]),
            Row(route: "GET /api/v1/openapi.json", expected: ["200", "200", "200", "200"]),
            // signing up and in
            Row(route: "GET /signup", expected: ["200", "303", "303", "303"]),
            Row(
                route: "POST /signup", body: .form([("email", "{new}"), ("password", password)]),
                expected: ["303", "303", "303", "303"]),
            Row(route: "GET /signin", expected: ["200", "303", "303", "303"]),
            Row(
                route: "POST /signin", body: .form([("email", "ada@example.com"), ("password", password)]),
                expected: ["303", "303", "303", "303"]),
            Row(route: "POST /signout", body: .form([]), expected: ["303", "303", "303", "303"]),
            Row(
                route: "POST /api/v1/auth/signup", body: .json(#"{"email": "{new}", "password": "\#(password)"}"#),
                expected: ["201", "201", "201", "201"]),
            Row(
                route: "POST /api/v1/auth/login",
                body: .json(#"{"email": "ada@example.com", "password": "\#(password)"}"#),
                expected: ["200", "200", "200", "200"]),
            Row(route: "DELETE /api/v1/auth/token", expected: ["401", "204", "204", "204"]),
            // the user's own account
            Row(route: "GET /account", expected: ["signin", "200", "200", "200"]),
            Row(
                route: "POST /account/password", body: .form([("current", password), ("new", password)]),
                expected: ["401", "303", "303", "303"]),
            Row(
                route: "POST /account/currency", body: .form([("currency", "EUR")]),
                expected: ["401", "303", "303", "303"]),
            Row(route: "GET /account/api-tokens", expected: ["signin", "200", "200", "200"]),
            Row(
                route: "POST /account/api-tokens", body: .form([("name", "matrix")]),
                expected: ["401", "200", "200", "200"]),
            Row(
                route: "POST /account/api-tokens/:id/revoke", resource: .apiToken, body: .form([]),
                expected: ["401", "404", "303", "404"]),
            Row(route: "GET /api/v1/me", expected: ["401", "200", "200", "200"]),
            Row(
                route: "PATCH /api/v1/me", body: .json(#"{"currency": "EUR"}"#), expected: ["401", "200", "200", "200"]),
            // integrations and the funnel: another user's ids are as if they did not exist
            Row(route: "GET /integrations", expected: ["signin", "200", "200", "200"]),
            Row(route: "GET /integrations/:id", resource: .integration, expected: ["signin", "404", "200", "404"]),
            Row(
                route: "POST /integrations/:id/check", resource: .integration, body: .form([]),
                expected: ["401", "404", "303", "404"]),
            Row(
                route: "POST /integrations/:id/reconnect", resource: .integration, body: .form([]),
                expected: ["401", "404", "409", "404"]),
            Row(
                route: "POST /integrations/:id/restart", resource: .integrationToRestart, body: .form([]),
                expected: ["401", "404", "303", "404"]),
            Row(
                route: "POST /integrations/:id/remove", resource: .integrationToRemove, body: .form([]),
                expected: ["401", "404", "303", "404"]),
            Row(route: "GET /integrations/app-store-connect", expected: ["signin", "200", "200", "200"]),
            Row(
                route: "POST /integrations/app-store-connect", body: .form([("accessToken", ids.appleToken)]),
                expected: ["401", "200", "200", "200"]),
            Row(
                route: "GET /integrations/app-store-connect/tokens/:id/accounts", resource: .funnelToken,
                expected: ["signin", "404", "200", "404"]),
            Row(
                route: "POST /integrations/app-store-connect/tokens/:id/accounts", resource: .funnelToken,
                body: .form([("account", ids.pageFinishAccount)]), expected: ["401", "404", "303", "404"]),
            Row(
                route: "GET /integrations/app-store-connect/tokens/:id/invite", resource: .funnelToken,
                query: "account=\(ids.pageFinishAccount)", expected: ["signin", "404", "200", "404"]),
            Row(
                route: "POST /integrations/app-store-connect/tokens/:id/finish", resource: .funnelToken,
                body: .form(confirm), expected: ["401", "404", "303", "404"]),
            Row(route: "GET /api/v1/integrations/platforms", expected: ["401", "200", "200", "200"]),
            Row(route: "GET /api/v1/integrations", expected: ["401", "200", "200", "200"]),
            Row(route: "GET /api/v1/integrations/:id", resource: .integration, expected: ["401", "404", "200", "404"]),
            Row(
                route: "POST /api/v1/integrations/:id/check", resource: .integration,
                expected: ["401", "404", "202", "404"]),
            Row(
                route: "POST /api/v1/integrations/:id/reconnect", resource: .integration,
                expected: ["401", "404", "409", "404"]),
            Row(
                route: "DELETE /api/v1/integrations/:id", resource: .integrationToDelete,
                expected: ["401", "404", "204", "404"]),
            Row(
                route: "POST /api/v1/asc/tokens", body: .json(#"{"accessToken": "\#(ids.appleToken)"}"#),
                expected: ["401", "201", "201", "201"]),
            Row(route: "GET /api/v1/asc/tokens", expected: ["401", "200", "200", "200"]),
            Row(
                route: "GET /api/v1/asc/tokens/:id/accounts", resource: .funnelToken,
                expected: ["401", "404", "200", "404"]),
            Row(
                route: "DELETE /api/v1/asc/tokens/:id", resource: .funnelTokenToDelete,
                expected: ["401", "404", "204", "404"]),
            Row(route: "GET /api/v1/asc/invitation", expected: ["401", "200", "200", "200"]),
            Row(
                route: "POST /api/v1/asc/integrations",
                body: .json(
                    #"{"tokenId": \#(ids.funnelToken), "accounts": ["\#(ids.apiFinishAccount)"], "invitationConfirmed": true}"#
                ), expected: ["401", "404", "201", "404"]),
            // store metrics: an account the caller does not read is as if it did not exist
            Row(route: "GET /dashboard", query: account, expected: ["signin", "404", "200", "404"]),
            Row(route: "GET /subscriptions", query: account, expected: ["signin", "404", "200", "404"]),
            Row(route: "GET /api/v1/apps", expected: ["401", "200", "200", "200"]),
            Row(route: "GET /api/v1/metrics/summary", query: account, expected: ["401", "404", "200", "404"]),
            Row(route: "GET /api/v1/metrics/timeseries", query: account, expected: ["401", "404", "200", "404"]),
            Row(route: "GET /api/v1/metrics/export.csv", query: account, expected: ["401", "404", "200", "404"]),
            Row(route: "GET /api/v1/subscriptions/summary", query: account, expected: ["401", "404", "200", "404"]),
            Row(route: "GET /api/v1/subscriptions/timeseries", query: account, expected: ["401", "404", "200", "404"]),
            Row(route: "GET /api/v1/subscriptions/cohorts", query: account, expected: ["401", "404", "200", "404"]),
            Row(route: "GET /api/v1/subscriptions/export.csv", query: account, expected: ["401", "404", "200", "404"]),
            Row(route: "GET /payouts", query: account, expected: ["signin", "404", "200", "404"]),
            Row(route: "GET /api/v1/payouts", query: account, expected: ["401", "404", "200", "404"]),
            Row(route: "GET /api/v1/payouts/export.csv", query: account, expected: ["401", "404", "200", "404"]),
            // notifications: settings, the address, unsubscribe links, the feed, webhooks (mail is not
            // configured here, so nothing can be mailed: 409)
            Row(route: "GET /account/notifications", expected: ["signin", "200", "200", "200"]),
            Row(
                route: "POST /account/notifications", body: .form([("digestFrequency", "weekly")]),
                expected: ["401", "303", "303", "303"]),
            Row(
                route: "POST /account/email", body: .form([("email", "{new}")]), expected: ["401", "409", "409", "409"]),
            Row(route: "POST /account/email/verify", body: .form([]), expected: ["401", "409", "409", "409"]),
            Row(route: "GET /verify-email/:token", expected: ["404", "404", "404", "404"]),
            Row(route: "GET /unsubscribe/:token", expected: ["404", "404", "404", "404"]),
            Row(route: "POST /unsubscribe/:token", expected: ["404", "404", "404", "404"]),
            Row(route: "GET /activity", expected: ["signin", "200", "200", "200"]),
            Row(route: "GET /account/webhooks", expected: ["signin", "200", "200", "200"]),
            Row(
                route: "POST /account/webhooks", body: .form([("url", "http://127.0.0.1:9/hooks")]),
                expected: ["401", "201", "201", "201"]),
            Row(route: "GET /account/webhooks/:id", resource: .webhook, expected: ["signin", "404", "200", "404"]),
            Row(
                route: "POST /account/webhooks/:id/test", resource: .webhook, body: .form([]),
                expected: ["401", "404", "303", "404"]),
            Row(
                route: "POST /account/webhooks/:id/rotate", resource: .webhook, body: .form([]),
                expected: ["401", "404", "200", "404"]),
            Row(
                route: "POST /account/webhooks/:id/delete", resource: .webhookToDelete, body: .form([]),
                expected: ["401", "404", "303", "404"]),
            Row(route: "GET /api/v1/events", expected: ["401", "200", "200", "200"]),
            Row(route: "GET /api/v1/notifications", expected: ["401", "200", "200", "200"]),
            Row(
                route: "PUT /api/v1/notifications", body: .json(#"{"digestHour": 7}"#),
                expected: ["401", "200", "200", "200"]),
            Row(
                route: "POST /api/v1/me/email", body: .json(#"{"email": "{new}"}"#),
                expected: ["401", "409", "409", "409"]),
            Row(route: "POST /api/v1/me/email/verification", expected: ["401", "409", "409", "409"]),
            Row(route: "GET /api/v1/webhooks", expected: ["401", "200", "200", "200"]),
            Row(
                route: "POST /api/v1/webhooks", body: .json(#"{"url": "http://127.0.0.1:9/hooks"}"#),
                expected: ["401", "201", "201", "201"]),
            Row(route: "GET /api/v1/webhooks/:id", resource: .webhook, expected: ["401", "404", "200", "404"]),
            Row(
                route: "DELETE /api/v1/webhooks/:id", resource: .webhookToDeleteByAPI,
                expected: ["401", "404", "204", "404"]),
            Row(route: "POST /api/v1/webhooks/:id/secret", resource: .webhook, expected: ["401", "404", "200", "404"]),
            Row(route: "POST /api/v1/webhooks/:id/test", resource: .webhook, expected: ["401", "404", "202", "404"]),
            Row(
                route: "GET /api/v1/webhooks/:id/deliveries", resource: .webhook,
                expected: ["401", "404", "200", "404"]),
            // the operator's
            Row(route: "GET /operator", expected: ["signin", "403", "403", "200"]),
            Row(route: "GET /operator/mail", expected: ["signin", "403", "403", "200"]),
            Row(route: "GET /operator/mail/:id", resource: .mailMessage, expected: ["signin", "403", "403", "200"]),
            Row(
                route: "GET /operator/mail/:id/html", resource: .mailMessage, expected: ["signin", "403", "403", "200"]),
            Row(
                route: "POST /operator/jobs/:id/retry", resource: .deadJob, body: .form([]),
                expected: ["401", "403", "403", "303"]),
            Row(
                route: "POST /operator/user-invitations", body: .form([("email", "{new}")]),
                expected: ["401", "403", "403", "200"]),
            Row(
                route: "POST /operator/user-invitations/:id/revoke", resource: .userInvitation, body: .form([]),
                expected: ["401", "403", "403", "303"]),
            Row(route: "GET /api/v1/admin/invitations", expected: ["401", "403", "403", "200"]),
            Row(route: "GET /api/v1/admin/jobs", expected: ["401", "403", "403", "200"]),
            Row(route: "GET /api/v1/admin/user-invitations", expected: ["401", "403", "403", "200"]),
            Row(
                route: "POST /api/v1/admin/user-invitations", body: .json(#"{"email": "{new}"}"#),
                expected: ["401", "403", "403", "201"]),
            Row(
                route: "DELETE /api/v1/admin/user-invitations/:id", resource: .userInvitationToDelete,
                expected: ["401", "403", "403", "204"]),
        ]
    }

    /// The ids and values the rows use.
    struct Ids: Sendable {
        var appleToken = ""
        var accountNumber = ""
        var pageFinishAccount = ""
        var apiFinishAccount = ""
        var funnelToken: Int64 = 0
        var ids: [String: Int64] = [:]

        func id(_ resource: Resource) -> Int64? { ids["\(resource)"] }
    }

    @Test(
        "every route the router registers has a row, and every cell of the table holds",
        arguments: TestBackend.available)
    func matrix(backend: TestBackend) async throws {
        let metrics = PrometheusController(
            registry: PrometheusCollectorRegistry(), token: nil,
            snapshot: {
                OperationsSnapshot(
                    jobs: [], accounts: [], serviceTokenDaysLeft: nil, serviceTokenProblem: nil, serviceMessage: nil)
            })
        try await WebHarness.run(backend, sandbox: true, metrics: metrics) { harness, client in
            let ids = try await Self.prepare(harness, client)
            let rows = Self.table(ids)

            // the table covers exactly what the router registers
            let registered = try await Self.registeredRoutes(harness, metrics: metrics)
            #expect(Set(rows.map(\.route)) == registered)
            #expect(rows.count == Set(rows.map(\.route)).count, "a route has two rows")

            var failures: [String] = []
            let serial = Counter()
            for row in rows {
                // a minute apart, so "Check now" on the page does not make the API's wait
                harness.clock.advance(by: 61)
                // the owner of the resource last: some calls use it up
                var order = Array(Caller.allCases.enumerated())
                let last: Caller = row.resource.ownedByOperator ? .operatorUser : .owner
                order.sort { ($0.element == last ? 1 : 0) < ($1.element == last ? 1 : 0) }
                for (column, caller) in order {
                    let got = try await Self.call(row, as: caller, ids: ids, client: client, serial: serial)
                    if got != row.expected[column] {
                        failures.append(
                            "\(row.route) as \(caller.rawValue): expected \(row.expected[column]), got \(got)")
                    }
                }
            }
            #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
        }
    }

    /// A counter for fresh addresses.
    final class Counter: Sendable {
        private let value = Mutex(0)
        func next() -> Int {
            value.withLock {
                $0 += 1; return $0
            }
        }
    }

    static func registeredRoutes(_ harness: WebHarness, metrics: PrometheusController) async throws -> Set<String> {
        let router = buildRouter(
            settings: Settings(), database: harness.database, migrations: MigrationRunner(), metrics: metrics,
            passwords: PasswordHasher(cost: 4),
            funnel: FunnelDependencies(
                reporter: ReporterClient(transport: .asyncHTTPClient(.shared)), keys: harness.keys),
            notifications: Notifications(
                database: harness.database, keys: harness.keys,
                mail: MailSetup(
                    publicURL: URL(string: "http://orchard.test")!, from: MailAddress("orchard@orchard.test")!,
                    transport: nil, description: "none"),
                sender: WebhookSender(http: NotificationDeliveryTests.http, allowPrivate: true), now: { Date() }),
            operations: nil, health: nil, now: { Date() })
        return Set(
            router.routes.map {
                "\($0.method.rawValue) \($0.path.description)".replacingOccurrences(of: "{id}", with: ":id")
                    .replacingOccurrences(of: "{token}", with: ":token")
            })
    }

    /// Ada with three integrations, two funnel tokens and an API token; Eve with nothing; a dead
    /// job and an invitation of Root's.
    static func prepare(_ harness: WebHarness, _ client: any TestClientProtocol) async throws -> Ids {
        let sandbox = try #require(harness.sandbox)
        let seen = [
            try sandbox.world.createAccount(name: "Matrix Page", apps: 1),
            try sandbox.world.createAccount(name: "Matrix API", apps: 1),
        ]
        let (_, appleToken) = try sandbox.world.createUser(
            appleId: "ada@matrix.example", accounts: seen.map(\.number))
        var ids = Ids()
        ids.appleToken = appleToken.value
        ids.pageFinishAccount = String(seen[0].number)
        ids.apiFinishAccount = String(seen[1].number)

        let browser = Browser(client)
        for email in ["ada@example.com", "eve@example.com"] {
            _ = try await browser.request(
                "/api/v1/auth/signup", method: .post, json: #"{"email": "\#(email)", "password": "\#(password)"}"#)
        }
        let users = UserStore(database: harness.database)
        let ada = try #require(try await users.credentials(email: "ada@example.com")?.user)
        let root = try #require(try await users.credentials(email: WebHarness.operatorEmail)?.user)
        let now = harness.clock.now
        let stores = StoreAccountStore(database: harness.database)
        let integrations = IntegrationStore(database: harness.database)
        for (index, resource) in [
            Resource.integration, .integrationToRemove, .integrationToDelete, .integrationToRestart,
        ]
        .enumerated() {
            let number = "900\(index + 1)"
            try await stores.register(number: number, name: "Ada \(number)", vendors: ["8\(index)"], now: now)
            _ = try await stores.markAccessible(number: number, now: now)
            ids.ids["\(resource)"] = try await integrations.create(userID: ada.id, accountNumber: number, now: now).id
        }
        ids.accountNumber = "9001"
        let adaAuth: HTTPFields = [
            .authorization: "Bearer \(try await LoginTokenTests.logIn(browser, "ada@example.com", password))"
        ]
        for resource in [Resource.funnelToken, .funnelTokenToDelete] {
            let validated = try await browser.request(
                "/api/v1/asc/tokens", method: .post, json: #"{"accessToken": "\#(appleToken.value)"}"#, headers: adaAuth
            )
            let id = try #require((validated.json?["token"] as? [String: Any])?["id"] as? Int)
            ids.ids["\(resource)"] = Int64(id)
        }
        ids.funnelToken = try #require(ids.id(.funnelToken))
        ids.ids["\(Resource.apiToken)"] = try await SessionStore(database: harness.database)
            .issueToken(userID: ada.id, name: "Ada's script", now: now).0.id
        let queue = JobQueue(database: harness.database)
        try await queue.enqueue(
            kind: "backfill_account", payload: "{}", dedupeKey: "backfill:matrix", storeAccountID: nil, runAfter: now,
            now: now)
        let job = try #require(try await queue.claim(owner: "test", lease: 60, now: now))
        try await queue.fail(job, error: "dead for the matrix", permanent: true, now: now)
        ids.ids["\(Resource.deadJob)"] = job.id
        let webhooks = WebhookStore(database: harness.database, keys: harness.keys)
        for resource in [Resource.webhook, .webhookToDelete, .webhookToDeleteByAPI] {
            ids.ids["\(resource)"] = try await webhooks.add(
                userID: ada.id, url: "http://127.0.0.1:9/\(resource)", format: .json, events: [], now: now
            ).0.id
        }
        ids.ids["\(Resource.mailMessage)"] = try await MailOutbox(database: harness.database).queue(
            .init(
                dedupeKey: "matrix", userID: ada.id, eventID: nil, kind: "verification", recipient: "ada@example.com",
                subject: "Matrix", text: "text", html: "<p>html</p>", unsubscribeURL: nil),
            now: now)
        for resource in [Resource.userInvitation, .userInvitationToDelete] {
            ids.ids["\(resource)"] = try await AdmissionStore(database: harness.database)
                .invite(email: "\(resource)@example.com", by: root.id, lifetime: 86_400, now: now).0.id
        }
        return ids
    }

    static func email(of caller: Caller) -> String? {
        switch caller {
        case .signedOut: nil
        case .member: "eve@example.com"
        case .owner: "ada@example.com"
        case .operatorUser: WebHarness.operatorEmail
        }
    }

    /// Calls the row's route as `caller` with fresh credentials (a page session, or a login token
    /// for the API): the status, or `signin` for a redirect to the sign-in form.
    static func call(_ row: Row, as caller: Caller, ids: Ids, client: any TestClientProtocol, serial: Counter)
        async throws -> String
    {
        let parts = row.route.split(separator: " ", maxSplits: 1)
        let method = HTTPRequest.Method(String(parts[0]))!
        var path = String(parts[1])
        if row.resource != .none {
            let id = try #require(ids.id(row.resource))
            path = path.replacingOccurrences(of: ":id", with: String(id))
        }
        if !row.query.isEmpty { path += "?" + row.query }
        let api = path.hasPrefix(SiteRoute.apiPrefix)
        let browser = Browser(client)
        var headers: HTTPFields = [:]
        if let email = email(of: caller) {
            if api {
                headers[.authorization] = "Bearer \(try await LoginTokenTests.logIn(browser, email, password))"
            } else {
                _ = try await AccountPageTests.submit(browser, "/signin", [("email", email), ("password", password)])
            }
        }
        let fresh = "matrix\(serial.next())@example.com"
        let response: TestResponse
        switch row.body {
        case .none:
            response = try await browser.request(path, method: method, headers: headers)
        case .json(let text):
            response = try await browser.request(
                path, method: method, json: text.replacingOccurrences(of: "{new}", with: fresh), headers: headers)
        case .form(let fields):
            // the CSRF token of this visitor, from a page they can open
            let page = try await browser.request(caller == .signedOut ? "/signin" : "/account")
            let csrf = try #require(Browser.csrfToken(in: page.text))
            response = try await browser.request(
                path, method: method,
                form: [("_csrf", csrf)] + fields.map { ($0.0, $0.1.replacingOccurrences(of: "{new}", with: fresh)) },
                headers: headers)
        }
        if response.status == .seeOther, response.headers[.location]?.hasPrefix("/signin") == true {
            return "signin"
        }
        return String(response.status.code)
    }
}
