import Foundation
import HTTPTypes
import HummingbirdTesting
import OrchardCore
import OrchardStorage
import OrchardSync
import OrchardTestSupport
import SalesReports
import Testing

@testable import OrchardWeb

/// One integration's account page and its JSON (docs/API.md, Integrations): what Orchard holds,
/// what failed, what is next and what happened; Check now, Reconnect and the last user's removal.
@Suite("The account page and its API, over real HTTP")
struct IntegrationPageTests {
    /// Ada with an active integration of account 111: two vendors Apple lists, one it dropped, a
    /// day held, a report Apple refused.
    static func activeAccount(_ harness: WebHarness, userID: Int64) async throws -> Int64 {
        let accounts = StoreAccountStore(database: harness.database)
        let integrations = IntegrationStore(database: harness.database)
        let ledger = ReportLedger(database: harness.database)
        let now = harness.clock.now
        _ = try await accounts.register(number: "111", name: "Acme", vendors: ["80000001"], now: now)
        let created = try await integrations.create(userID: userID, accountNumber: "111", now: now)
        _ = try await accounts.markAccessible(number: "111", now: now)
        try await integrations.apply(.serviceSeesAccount, accountNumber: "111", reason: nil, now: now)
        let latest = ReportCalendar.latestDay(at: now)
        try await ledger.record(
            ReportIdentity(
                accountNumber: "111", vendor: "80000007", type: .sales, frequency: .daily, date: latest.adding(days: -9)
            ),
            state: .fetched, now: now)
        try await ledger.record(
            ReportIdentity(accountNumber: "111", vendor: "80000001", type: .sales, frequency: .daily, date: latest),
            state: .fetched, now: now)
        try await ledger.record(
            ReportIdentity(accountNumber: "111", vendor: "80000002", type: .sales, frequency: .daily, date: latest),
            state: .failed(.invalidVendor), message: "Invalid vendor number. Change values and try again.", now: now)
        try await accounts.setVendors(
            number: "111", ["80000001", "80000002"], known: ["80000001", "80000007"], now: now)
        try await accounts.recordSync(number: "111", through: latest.adding(days: -1), now: now)
        return created.id
    }

    /// Ada signed up through the API: her bearer header and her user id.
    static func ada(_ browser: Browser, _ harness: WebHarness) async throws -> (HTTPFields, Int64) {
        let header = try await FunnelAPITests.signUp(browser, "ada@example.com")
        let id = try #require(
            try await UserStore(database: harness.database).credentials(email: "ada@example.com")?.user.id)
        return (header, id)
    }

    @Test(
        "the Data Integration page, its content kept rendered, shows each session its own forms and every change at once",
        arguments: TestBackend.available)
    func listKeptRendered(backend: TestBackend) async throws {
        try await WebHarness.run(backend, sandbox: true) { harness, client in
            let laptop = Browser(client)
            let phone = Browser(client)
            let credentials = [("email", "ada@example.com"), ("password", AccountPageTests.password)]
            _ = try await AccountPageTests.submit(laptop, "/signup", credentials)
            _ = try await AccountPageTests.submit(phone, "/signin", credentials)
            let adaID = try #require(
                try await UserStore(database: harness.database).credentials(email: "ada@example.com")?.user.id)
            _ = try await Self.activeAccount(harness, userID: adaID)
            let accounts = StoreAccountStore(database: harness.database)

            // each session's page carries its own CSRF token in every form (the frame's and the rows'),
            // asked in turn
            func tokens(_ page: String) -> Set<String> {
                Set(
                    page.components(separatedBy: #"name="_csrf" value=""#).dropFirst().map {
                        String($0.prefix { $0 != "\"" })
                    })
            }
            let first = try await laptop.request("/integrations").text
            let onPhone = try await phone.request("/integrations").text
            let again = try await laptop.request("/integrations").text
            #expect(tokens(first).count == 1 && tokens(onPhone).count == 1 && tokens(first) != tokens(onPhone))
            #expect(tokens(again) == tokens(first))
            #expect(first.contains("Apple refused the report of vendor 80000002") && first.contains("just now"))

            // each change on its own shows on the next page: the refused report fetched after all...
            let latest = ReportCalendar.latestDay(at: harness.clock.now)
            try await ReportLedger(database: harness.database).record(
                ReportIdentity(accountNumber: "111", vendor: "80000002", type: .sales, frequency: .daily, date: latest),
                state: .fetched, now: harness.clock.now)
            let fetched = try await laptop.request("/integrations").text
            #expect(!fetched.contains("Apple refused the report") && fetched.contains("just now"))
            // ...two minutes later...
            harness.clock.advance(by: 120)
            #expect(try await laptop.request("/integrations").text.contains("2 min ago"))
            // ...history loading
            try await accounts.setBackfill(number: "111", done: 7, total: 30)
            #expect(try await laptop.request("/integrations").text.contains("7/30 reports"))

            // and the integration removed elsewhere: the page empties
            let id = try #require(try await IntegrationStore(database: harness.database).list(userID: adaID).first?.id)
            _ = try await IntegrationStore(database: harness.database).delete(
                id: id, userID: adaID, now: harness.clock.now)
            #expect(try await phone.request("/integrations").text.contains("No integrations yet."))
        }
    }

    @Test(
        "the page and GET /api/v1/integrations/{id} show vendors, the dropped one, days held, the refused report and the history; another user gets 404",
        arguments: TestBackend.available)
    func accountPage(backend: TestBackend) async throws {
        try await WebHarness.run(backend, sandbox: true) { harness, client in
            let browser = Browser(client)
            let (ada, adaID) = try await Self.ada(browser, harness)
            let id = try await Self.activeAccount(harness, userID: adaID)
            let latest = ReportCalendar.latestDay(at: harness.clock.now)

            // when
            let page = try await browser.request("/integrations/\(id)", headers: ada)
            let api = try await browser.request("/api/v1/integrations/\(id)", headers: ada)

            // then: the page
            #expect(page.status == .ok)
            for expected in [
                "Acme", "80000001", "80000002", "Apple no longer lists this vendor", "80000007",
                "Invalid vendor number. Change values and try again.", "Vendor added", "Vendor gone", "Connected",
                FigureText.day(latest.adding(days: -1)),
            ] {
                #expect(page.text.contains(expected), "the page lacks \(expected)")
            }
            #expect(page.text.contains(#"data-problem="vendor_failing""#))

            // then: the JSON, every field
            #expect(api.status == .ok)
            let json = try #require(api.json)
            #expect((json["integration"] as? [String: Any])?["status"] as? String == "active")
            #expect(json["vendors"] as? [String] == ["80000001", "80000002"])
            #expect(json["droppedVendors"] as? [String] == ["80000007"])
            let days = try #require(json["days"] as? [String: Any])
            #expect(days["first"] as? String == latest.adding(days: -9).isoText)
            #expect(days["last"] as? String == latest.isoText)
            #expect(days["count"] as? Int == 2)
            #expect(json["completeThrough"] as? String == latest.adding(days: -1).isoText)
            #expect(json["nextSyncAt"] is String)
            #expect(json["pending"] is NSNull)
            #expect(json["canReconnect"] as? Bool == false)
            let failures = try #require(json["failures"] as? [[String: Any]])
            #expect(failures.count == 1)
            #expect(failures.first?["vendor"] as? String == "80000002")
            #expect(failures.first?["code"] as? String == "invalid_vendor")
            let actions = (json["history"] as? [[String: Any]])?.compactMap { $0["action"] as? String } ?? []
            #expect(actions.contains("vendor_added") && actions.contains("vendor_dropped"))
            #expect(actions.contains("integration_created") && actions.contains("integration_active"))
            let problem = (json["integration"] as? [String: Any])?["problem"] as? [String: Any]
            #expect(problem?["code"] as? String == "vendor_failing")

            // and: the Data Integration page's row says so too (its failures read for all rows at once)
            let list = try await browser.request("/integrations", headers: ada)
            #expect(list.status == .ok && list.text.contains("Apple refused the report of vendor 80000002"))

            // and: Bob sees none of it
            let bob = try await FunnelAPITests.signUp(browser, "bob@example.com")
            #expect(try await browser.request("/api/v1/integrations/\(id)", headers: bob).status == .notFound)
            #expect(try await browser.request("/integrations/\(id)", headers: bob).status == .notFound)
            #expect(
                try await browser.request("/api/v1/integrations/\(id)/check", method: .post, headers: bob).status
                    == .notFound)
        }
    }

    @Test(
        "Check now queues an invitation check at once, one a minute per account: 202, then 429 with Retry-After",
        arguments: TestBackend.available)
    func checkNow(backend: TestBackend) async throws {
        try await WebHarness.run(backend, sandbox: true) { harness, client in
            let browser = Browser(client)
            let (ada, adaID) = try await Self.ada(browser, harness)
            let now = harness.clock.now
            _ = try await StoreAccountStore(database: harness.database).register(
                number: "222", name: "Pending Co", vendors: [], now: now)
            let pending = try await IntegrationStore(database: harness.database).create(
                userID: adaID, accountNumber: "222", now: now)
            // the recurring check is queued for later
            let queue = JobQueue(database: harness.database)
            _ = try await queue.enqueue(
                SyncJob.checkInvitations, runAfter: now.addingTimeInterval(300), now: now)

            // when
            let first = try await browser.request(
                "/api/v1/integrations/\(pending.id)/check", method: .post, headers: ada)

            // then: queued now (the later one moved, not a second one)
            #expect(first.status == .accepted)
            #expect(first.json?["checkAgainAt"] is String)
            #expect(try await queue.counts()["check_invitations"] == [.queued: 1])
            let due = try await queue.claim(owner: "test", lease: 10, now: now)
            #expect(due?.kind == "check_invitations")

            // when: again at once, and on the page
            let again = try await browser.request(
                "/api/v1/integrations/\(pending.id)/check", method: .post, headers: ada)
            #expect(again.status == .tooManyRequests)
            #expect(again.apiError?.code == "checked_recently")
            #expect(again.headers[.retryAfter] == "60")
            let page = try await browser.request("/integrations/\(pending.id)", headers: ada)
            #expect(page.text.contains("Check now") && page.text.contains("Invitation window ends"))
            #expect(page.text.contains("Checked less than a minute ago"))
            let json = try #require(try await browser.request("/api/v1/integrations/\(pending.id)", headers: ada).json)
            let window = (json["pending"] as? [String: Any])?["invitationEndsAt"] as? String
            #expect(window != nil)

            // when: a minute later
            harness.clock.advance(by: 61)
            let later = try await browser.request(
                "/api/v1/integrations/\(pending.id)/check", method: .post, headers: ada)
            #expect(later.status == .accepted)
        }
    }

    @Test(
        "an expired integration whose account the service sees offers Reconnect and turns active; one it does not see cannot",
        arguments: TestBackend.available)
    func reconnect(backend: TestBackend) async throws {
        try await WebHarness.run(backend, sandbox: true) { harness, client in
            let browser = Browser(client)
            let (ada, adaID) = try await Self.ada(browser, harness)
            let accounts = StoreAccountStore(database: harness.database)
            let integrations = IntegrationStore(database: harness.database)
            let now = harness.clock.now
            var ids: [String: Int64] = [:]
            for number in ["333", "444"] {
                _ = try await accounts.register(number: number, name: "Late \(number)", vendors: [], now: now)
                let made = try await integrations.create(userID: adaID, accountNumber: number, now: now)
                try await integrations.apply(.invitationWindowPassed, integrationID: made.id, reason: "late", now: now)
                ids[number] = made.id
            }
            // the invitation into 333 was accepted after the window
            _ = try await accounts.markAccessible(number: "333", now: now)

            // then: the list offers Reconnect for 333 only
            let list = try await browser.request("/integrations", headers: ada)
            #expect(list.text.contains("We can see this account now: reconnect it"))
            #expect(list.text.components(separatedBy: "/reconnect").count == 2)

            // when
            let refused = try await browser.request(
                "/api/v1/integrations/\(try #require(ids["444"]))/reconnect", method: .post, headers: ada)
            let reconnected = try await browser.request(
                "/api/v1/integrations/\(try #require(ids["333"]))/reconnect", method: .post, headers: ada)

            // then
            #expect(refused.status == .conflict)
            #expect(refused.apiError?.code == "cannot_reconnect")
            #expect(reconnected.status == .ok)
            #expect(reconnected.json?["status"] as? String == "active")
            let rows = try await integrations.list(userID: adaID)
            #expect(rows.first { $0.accountNumber == "333" }?.status == .active)
            #expect(rows.first { $0.accountNumber == "444" }?.status == .expired)
        }
    }

    @Test(
        "the last user to remove an account is told to remove the service user; the account is marked unused and its purge queued",
        arguments: TestBackend.available)
    func lastUserRemoves(backend: TestBackend) async throws {
        try await WebHarness.run(backend, sandbox: true) { harness, client in
            // given: Ada signed in in a browser, the only user of account 111
            let browser = Browser(client)
            _ = try await AccountPageTests.submit(
                browser, "/signup", [("email", "ada@example.com"), ("password", AccountPageTests.password)])
            let ada: HTTPFields = [:]
            let adaID = try #require(
                try await UserStore(database: harness.database).credentials(email: "ada@example.com")?.user.id)
            let id = try await Self.activeAccount(harness, userID: adaID)
            let page = try await browser.request("/integrations/\(id)", headers: ada)
            let csrf = try #require(Browser.csrfToken(in: page.text))

            // when
            let removed = try await browser.request(
                "/integrations/\(id)/remove", method: .post, form: [("_csrf", csrf)], headers: ada)

            // then
            #expect(removed.status == .seeOther)
            let next = try await browser.request("/integrations", headers: ada)
            #expect(next.text.contains("You were the last Orchard user of this account"))
            let account = try #require(try await StoreAccountStore(database: harness.database).find(number: "111"))
            #expect(account.unusedSince == harness.clock.now)
            let queue = JobQueue(database: harness.database)
            #expect(try await queue.counts()["purge_account"] == [.queued: 1])
            // nothing of the purge is due yet (what is due is the notifications' dispatch)
            var due: [String] = []
            while let job = try await queue.claim(owner: "t", lease: 10, now: harness.clock.now) {
                due.append(job.kind)
                try await queue.complete(job, now: harness.clock.now)
            }
            #expect(!due.contains("purge_account"))
            #expect(due.allSatisfy { $0 == "dispatch_event" })
        }
    }
}
