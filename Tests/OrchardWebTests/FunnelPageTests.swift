import ConnectSandbox
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import OrchardCore
import OrchardStorage
import OrchardTestSupport
import SQLKit
import Testing

@testable import OrchardWeb

@Suite("The funnel as plain pages (no JavaScript), against Connect Sandbox over loopback")
struct FunnelPageTests {
    @Test(
        "Data Integration, the three steps, every refusal on screen, then pending integrations",
        arguments: TestBackend.available)
    func funnelPages(backend: TestBackend) async throws {
        try await WebHarness.run(backend, sandbox: true) { harness, client in
            let sandbox = try #require(harness.sandbox)
            let games = try sandbox.world.createAccount(name: "Acme Games", apps: 2)
            let tools = try sandbox.world.createAccount(name: "Acme Tools", apps: 1)
            let (_, token) = try sandbox.world.createUser(
                appleId: "ada@acme.example", accounts: [games.number, tools.number])
            let browser = Browser(client)
            _ = try await AccountPageTests.submit(
                browser, "/signup", [("email", "ada@example.com"), ("password", AccountPageTests.password)])

            // the Data Integration page: platforms, and an empty state that leads into the funnel
            let empty = try await browser.request("/integrations")
            #expect(empty.status == .ok)
            #expect(empty.text.contains("No integrations yet."))
            #expect(empty.text.contains(#"href="/integrations/app-store-connect""#))
            #expect(empty.text.contains("Google Play Console"))

            // step 1: a wrong token is explained, Next stays disabled, and the token is not echoed
            let step1 = try await browser.request("/integrations/app-store-connect")
            #expect(step1.text.contains("Generating a new token revokes the old one."))
            #expect(step1.text.contains(#"aria-current="step""#))
            let csrf = try #require(Browser.csrfToken(in: step1.text))
            let wrong = try await browser.request(
                "/integrations/app-store-connect", method: .post,
                form: [("_csrf", csrf), ("accessToken", "wrong-token-123")])
            #expect(wrong.status == .unprocessableContent)
            #expect(wrong.text.contains("Apple does not accept this access token"))
            #expect(wrong.text.contains(#"aria-describedby="token-error""#))
            #expect(
                wrong.text.contains(#"<button type="button" disabled="disabled" aria-disabled="true">Next</button>"#))
            #expect(!wrong.text.contains("wrong-token-123"))

            // the right one: valid, Next leads to step 2
            let valid = try await browser.request(
                "/integrations/app-store-connect", method: .post, form: [("_csrf", csrf), ("accessToken", token.value)])
            #expect(valid.status == .ok)
            #expect(valid.text.contains("It sees 2 accounts."))
            #expect(!valid.text.contains(token.value))
            let nextPath = try #require(
                valid.text.range(of: #"<a class="button" href=""#).map {
                    String(valid.text[$0.upperBound...].prefix { $0 != "\"" })
                })
            #expect(nextPath.hasSuffix("/accounts"))

            // step 2: both accounts with vendors; none chosen is refused
            let step2 = try await browser.request(nextPath)
            #expect(step2.text.contains("Acme Games (\(games.number))"))
            #expect(step2.text.contains("vendor \(games.vendors.map(String.init).joined(separator: ", "))"))
            let noneChosen = try await browser.request(nextPath, method: .post, form: [("_csrf", csrf)])
            #expect(noneChosen.status == .unprocessableContent)
            #expect(noneChosen.text.contains("Select at least one account."))
            let chosen = try await browser.request(
                nextPath, method: .post,
                form: [("_csrf", csrf), ("account", String(games.number)), ("account", String(tools.number))])
            #expect(chosen.status == .seeOther)
            let invitePath = try #require(chosen.headers[.location])

            // step 3: the service Apple ID, each account named, and the box must be ticked
            let step3 = try await browser.request(invitePath)
            #expect(step3.text.contains(WebHarness.serviceAppleID))
            #expect(
                step3.text.contains(
                    "Do this in each account separately: Acme Games (\(games.number)), Acme Tools (\(tools.number))."))
            #expect(step3.text.contains("Users and Access"))
            let finishPath = invitePath.replacingOccurrences(of: "/invite", with: "/finish").split(separator: "?")[0]
            let accounts = [("account", String(games.number)), ("account", String(tools.number))]
            let unticked = try await browser.request(
                String(finishPath), method: .post, form: [("_csrf", csrf)] + accounts)
            #expect(unticked.status == .unprocessableContent)
            #expect(unticked.text.contains("Tick the box to confirm"))
            let finished = try await browser.request(
                String(finishPath), method: .post, form: [("_csrf", csrf), ("invitationConfirmed", "true")] + accounts)
            #expect(finished.status == .seeOther)
            #expect(finished.headers[.location] == "/integrations")

            // both pending, explained, with the next step
            let list = try await browser.request("/integrations")
            #expect(list.text.contains("usually turns active within minutes of your invitation"))
            #expect(list.text.components(separatedBy: #"<span class="badge pending">Pending</span>"#).count == 3)
            #expect(list.text.contains("Invite \(WebHarness.serviceAppleID) into this account"))

            // step 2 now marks them connected, with the app names Orchard has learnt from the reports
            try await harness.database.withTransaction { connection in
                try await connection.raw(
                    """
                    INSERT INTO apps (store_account_id, sku, title)
                    SELECT id, 'NOTES', 'Nimble Notes' FROM store_accounts WHERE number = \(bind: String(games.number))
                    """
                ).run()
            }
            let revisit = try await browser.request(nextPath)
            #expect(revisit.text.contains("connected already"))
            #expect(revisit.text.contains("apps Nimble Notes"))

            // another user cannot remove them; the owner removes one, and "start again" leads into the funnel
            let ids = list.text.components(separatedBy: #"action="/integrations/"#).dropFirst()
                .map { String($0.prefix { $0.isNumber }) }
            #expect(ids.count == 2)
            let eve = Browser(client)
            _ = try await AccountPageTests.submit(
                eve, "/signup", [("email", "eve@example.com"), ("password", AccountPageTests.password)])
            let eveToken = try #require(Browser.csrfToken(in: try await eve.request("/integrations").text))
            let foreign = try await eve.request(
                "/integrations/\(ids[0])/remove", method: .post, form: [("_csrf", eveToken)])
            #expect(foreign.status == .notFound)
            let removed = try await browser.request(
                "/integrations/\(ids[0])/remove", method: .post, form: [("_csrf", csrf)])
            #expect(removed.status == .seeOther)
            #expect(try await browser.request("/integrations").text.contains("The integration is removed."))
            let restarted = try await browser.request(
                "/integrations/\(ids[1])/restart", method: .post, form: [("_csrf", csrf)])
            #expect(restarted.headers[.location] == "/integrations/app-store-connect")
            #expect(try await browser.request("/integrations").text.contains("No integrations yet."))
        }
    }

    @Test(
        "Remove and Start again with another user's integration answer 404 and change nothing",
        arguments: TestBackend.available)
    func foreignIntegration(backend: TestBackend) async throws {
        try await WebHarness.run(backend, sandbox: true) { harness, client in
            // given: Ada's integration, as the funnel leaves it, and Eve signed in beside her
            let ada = Browser(client)
            _ = try await AccountPageTests.submit(
                ada, "/signup", [("email", "ada@example.com"), ("password", AccountPageTests.password)])
            let eve = Browser(client)
            _ = try await AccountPageTests.submit(
                eve, "/signup", [("email", "eve@example.com"), ("password", AccountPageTests.password)])
            let users = UserStore(database: harness.database)
            let adaID = try #require(try await users.credentials(email: "ada@example.com")?.user.id)
            let eveID = try #require(try await users.credentials(email: "eve@example.com")?.user.id)
            _ = try await StoreAccountStore(database: harness.database).register(
                number: "123456", name: "Acme", vendors: ["9"], now: harness.clock.now)
            let integrations = IntegrationStore(database: harness.database)
            let integration = try await integrations.create(
                userID: adaID, accountNumber: "123456", now: harness.clock.now)
            let eveToken = try #require(Browser.csrfToken(in: try await eve.request("/integrations").text))

            // when: Eve posts Remove and Start again with Ada's integration's id
            for action in ["restart", "remove"] {
                let answer = try await eve.request(
                    "/integrations/\(integration.id)/\(action)", method: .post, form: [("_csrf", eveToken)])

                // then: not found, no redirect
                #expect(answer.status == .notFound, "\(action)")
                #expect(answer.headers[.location] == nil, "\(action)")
            }

            // then: Ada's integration is still hers, no deletion is recorded, and her page lists it
            #expect(try await integrations.list(userID: adaID) == [integration])
            #expect(try await integrations.list(userID: eveID).isEmpty)
            let audit = AuditLog(database: harness.database)
            for userID in [adaID, eveID] {
                #expect(!(try await audit.events(userID: userID).contains { $0.action == "integration_deleted" }))
            }
            #expect(try await ada.request("/integrations").text.contains("Acme (123456)"))
        }
    }

    @Test(
        "step 2 says why an integrated account cannot be chosen; step 3 needs no invitation where Orchard sees the account",
        arguments: TestBackend.available)
    func whatEachAccountNeeds(backend: TestBackend) async throws {
        try await WebHarness.run(backend, sandbox: true) { harness, client in
            // given: Ada sees three accounts; her integration of one expired, of another was removed; the
            // third is connected by a colleague, so Orchard's service Apple ID sees it already
            let sandbox = try #require(harness.sandbox)
            let expired = try sandbox.world.createAccount(name: "Old Games", apps: 1)
            let removed = try sandbox.world.createAccount(name: "Gone Tools", apps: 1)
            let shared = try sandbox.world.createAccount(name: "Shared Apps", apps: 1)
            let (_, token) = try sandbox.world.createUser(
                appleId: "ada@acme.example", accounts: [expired.number, removed.number, shared.number])
            let ada = Browser(client)
            _ = try await AccountPageTests.submit(
                ada, "/signup", [("email", "ada@example.com"), ("password", AccountPageTests.password)])
            let adaID = try #require(
                try await UserStore(database: harness.database).credentials(email: "ada@example.com")?.user.id)
            let accounts = StoreAccountStore(database: harness.database)
            let integrations = IntegrationStore(database: harness.database)
            let now = harness.clock.now
            for account in [expired, removed, shared] {
                _ = try await accounts.register(
                    number: String(account.number), name: account.name, vendors: account.vendors.map(String.init),
                    now: now)
            }
            let old = try await integrations.create(userID: adaID, accountNumber: String(expired.number), now: now)
            try await integrations.apply(.invitationWindowPassed, integrationID: old.id, reason: "late", now: now)
            _ = try await integrations.create(userID: adaID, accountNumber: String(removed.number), now: now)
            _ = try await accounts.markAccessible(number: String(removed.number), now: now)
            try await integrations.apply(
                .serviceSeesAccount, accountNumber: String(removed.number), reason: nil, now: now)
            try await integrations.apply(
                .serviceLostAccess, accountNumber: String(removed.number), reason: "gone", now: now)
            _ = try await accounts.markAccessible(number: String(shared.number), now: now)

            // when: she pastes her token and goes to step 2
            let csrf = try #require(
                Browser.csrfToken(in: try await ada.request("/integrations/app-store-connect").text))
            let valid = try await ada.request(
                "/integrations/app-store-connect", method: .post, form: [("_csrf", csrf), ("accessToken", token.value)])
            let nextPath = try #require(
                valid.text.range(of: #"<a class="button" href=""#).map {
                    String(valid.text[$0.upperBound...].prefix { $0 != "\"" })
                })
            let step2 = try await ada.request(nextPath)

            // then: each integrated account says what to do, and cannot be chosen
            #expect(step2.text.contains("your integration of it is Expired: remove it on Data Integration first"))
            #expect(step2.text.contains("your integration of it is Removed: remove it on Data Integration first"))
            #expect(!step2.text.contains("connected already"))
            #expect(step2.text.components(separatedBy: #"disabled="disabled""#).count == 3)

            // when: she chooses the shared account
            let chosen = try await ada.request(
                nextPath, method: .post, form: [("_csrf", csrf), ("account", String(shared.number))])
            let step3 = try await ada.request(try #require(chosen.headers[.location]))

            // then: no invitation is asked for it
            #expect(
                step3.text.contains(
                    "Orchard sees Shared Apps (\(shared.number)) already (another user of the account connected it): no invitation needed."
                ))
            #expect(!step3.text.contains("Do this in each account separately"))
        }
    }

    @Test(
        "a kept token Apple stops accepting after step 1 sends the page back to step 1 and the API a 409; it is forgotten",
        arguments: TestBackend.available)
    func tokenStoppedWorking(backend: TestBackend) async throws {
        try await WebHarness.run(backend, sandbox: true) { harness, client in
            // given: Ada at step 2 with her token, and the same token kept for her API script
            let sandbox = try #require(harness.sandbox)
            let games = try sandbox.world.createAccount(name: "Acme Games", apps: 1)
            let (_, token) = try sandbox.world.createUser(appleId: "ada@acme.example", accounts: [games.number])
            let ada = Browser(client)
            _ = try await AccountPageTests.submit(
                ada, "/signup", [("email", "ada@example.com"), ("password", AccountPageTests.password)])
            let csrf = try #require(
                Browser.csrfToken(in: try await ada.request("/integrations/app-store-connect").text))
            let valid = try await ada.request(
                "/integrations/app-store-connect", method: .post, form: [("_csrf", csrf), ("accessToken", token.value)])
            let step2 = try #require(
                valid.text.range(of: #"<a class="button" href=""#).map {
                    String(valid.text[$0.upperBound...].prefix { $0 != "\"" })
                })
            #expect(try await ada.request(step2).status == .ok)
            let script = Browser(client)
            let bearer = try await FunnelAPITests.signUp(script, "bob@example.com")
            let created = try await script.request(
                "/api/v1/asc/tokens", method: .post, json: #"{"accessToken": "\#(token.value)"}"#, headers: bearer)
            let keptID = try #require((created.json?["token"] as? [String: Any])?["id"] as? Int)

            // when: she generates a new token in App Store Connect, which revokes the old one
            _ = try sandbox.world.generateToken(appleId: "ada@acme.example")

            // then: step 2 sends her back to step 1, saying why, and the old token is no longer kept
            let back = try await ada.request(step2)
            #expect(back.status == .seeOther)
            #expect(back.headers[.location] == "/integrations/app-store-connect")
            let step1 = try await ada.request("/integrations/app-store-connect")
            #expect(step1.text.contains("This access token stopped working"))
            #expect(try await ada.request(step2).status == .notFound)

            // and the API's Finish answers 409 token_stopped_working, then the token is gone
            let finish = #"{"tokenId": \#(keptID), "accounts": ["\#(games.number)"], "invitationConfirmed": true}"#
            let refused = try await script.request(
                "/api/v1/asc/integrations", method: .post, json: finish, headers: bearer)
            #expect(refused.status == .conflict)
            #expect(refused.apiError?.code == "token_stopped_working")
            let again = try await script.request(
                "/api/v1/asc/integrations", method: .post, json: finish, headers: bearer)
            #expect(again.status == .notFound)
            #expect(
                try await IntegrationStore(database: harness.database).list(accountNumber: String(games.number)).isEmpty
            )
        }
    }

    @Test("step 3 says so when the operator has not set the service Apple ID")
    func noServiceAppleID() async throws {
        var settings = Settings()
        settings.serviceAppleID = nil
        try await WebHarness.run(.sqlite, sandbox: true, settings: settings, serviceAppleID: nil) { harness, client in
            let sandbox = try #require(harness.sandbox)
            let games = try sandbox.world.createAccount(name: "Acme Games", apps: 1)
            let (_, token) = try sandbox.world.createUser(appleId: "ada@acme.example", accounts: [games.number])
            let browser = Browser(client)
            let home = try await AccountPageTests.submit(
                browser, "/signup", [("email", "ada@example.com"), ("password", AccountPageTests.password)])
            #expect(home.status == .seeOther)
            let bearer = try await Browser(client).request(
                "/api/v1/auth/login", method: .post,
                json: #"{"email": "ada@example.com", "password": "\#(AccountPageTests.password)"}"#)
            let headers: HTTPFields = [.authorization: "Bearer \(try #require(bearer.json?["token"] as? String))"]
            let validated = try await browser.request(
                "/api/v1/asc/tokens", method: .post, json: #"{"accessToken": "\#(token.value)"}"#, headers: headers)
            let id = try #require((validated.json?["token"] as? [String: Any])?["id"] as? Int)
            let page = try await browser.request(
                "/integrations/app-store-connect/tokens/\(id)/invite?account=\(games.number)")
            #expect(page.text.contains("has not set its service Apple ID (ORCHARD_SERVICE_APPLE_ID)"))
            #expect(page.text.contains(#"<button type="submit" disabled="disabled">Finish</button>"#))
            let api = try await browser.request("/api/v1/asc/invitation", headers: headers)
            #expect(api.json?["configured"] as? Bool == false)
            #expect(api.json?["serviceAppleId"] is NSNull)
        }
    }
}
