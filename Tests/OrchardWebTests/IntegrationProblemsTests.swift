import Foundation
import HTTPTypes
import HummingbirdTesting
import OrchardCore
import OrchardStorage
import OrchardTestSupport
import SalesReports
import Synchronization
import Testing

@testable import OrchardWeb

/// What stops or threatens an integration's syncing is on its row and in the API, for every user.
@Suite("Integration problems, over real HTTP")
struct IntegrationProblemsTests {
    @Test(
        "a refused service token, a degraded listing, an expiring token and a failing sync each show on the rows",
        arguments: TestBackend.available)
    func problems(backend: TestBackend) async throws {
        let snapshot = Mutex(
            OperationsSnapshot(
                jobs: [], accounts: [], serviceTokenDaysLeft: 90, serviceTokenProblem: nil, serviceMessage: nil))
        try await WebHarness.run(backend, sandbox: true, operations: { snapshot.withLock { $0 } }) { harness, client in
            // given: Ada's active integration and her pending one, and her expired one
            let browser = Browser(client)
            let ada = try await FunnelAPITests.signUp(browser, "ada@example.com")
            try await harness.promote("ada@example.com")
            let adaID = try #require(
                try await UserStore(database: harness.database).credentials(email: "ada@example.com")?.user.id)
            let accounts = StoreAccountStore(database: harness.database)
            let integrations = IntegrationStore(database: harness.database)
            let now = harness.clock.now
            for number in ["111", "222", "333"] {
                _ = try await accounts.register(number: number, name: "Account \(number)", vendors: ["9"], now: now)
                _ = try await integrations.create(userID: adaID, accountNumber: number, now: now)
            }
            _ = try await accounts.markAccessible(number: "111", now: now)
            try await integrations.apply(.serviceSeesAccount, accountNumber: "111", reason: nil, now: now)
            for integration in try await integrations.list(userID: adaID) where integration.accountNumber == "333" {
                try await integrations.apply(
                    .invitationWindowPassed, integrationID: integration.id, reason: "late", now: now)
            }

            func problems() async throws -> [String: String] {
                let list = try await browser.request("/api/v1/integrations", headers: ada)
                #expect(list.status == .ok)
                let rows = try #require(list.json?["integrations"] as? [[String: Any]])
                var codes: [String: String] = [:]
                for row in rows {
                    let number = try #require((row["account"] as? [String: Any])?["number"] as? String)
                    codes[number] = (row["problem"] as? [String: Any])?["code"] as? String ?? "none"
                }
                return codes
            }

            // then: nothing wrong, no problem
            #expect(try await problems() == ["111": "none", "222": "none", "333": "none"])

            // when: Apple refuses the service token: every pending and active row says syncing stopped
            snapshot.withLock { $0.serviceTokenProblem = "invalid" }
            #expect(
                try await problems() == ["111": "service_token_refused", "222": "service_token_refused", "333": "none"])
            let page = try await browser.request("/integrations", headers: ada)
            #expect(page.text.contains("Syncing is stopped: Apple refused Orchard"))

            // when: the token is replaced but Apple's listing is degraded
            snapshot.withLock {
                $0.serviceTokenProblem = nil
                $0.degradedListing = .init(since: now, vanished: 2, accessible: 3)
            }
            #expect(try await problems() == ["111": "listing_degraded", "222": "listing_degraded", "333": "none"])

            // when: the listing is whole, the token has 2 days left, and the active account's sync failed
            snapshot.withLock {
                $0.degradedListing = nil
                $0.serviceTokenDaysLeft = 2
            }
            #expect(try await problems()["111"] == "service_token_expiring")
            snapshot.withLock { $0.serviceTokenDaysLeft = 90 }
            try await accounts.recordSyncError(number: "111", "Apple is unavailable (HTTP 503)")
            #expect(try await problems() == ["111": "sync_failing", "222": "none", "333": "none"])

            // when: the sync recovers but Apple has not published the newest day, past noon Pacific
            try await accounts.recordSyncError(number: "111", nil)
            let latest = ReportCalendar.latestDay(at: now)
            #expect(now >= ReportCalendar.publication(of: latest).addingTimeInterval(7 * 3_600))
            try await accounts.recordSync(number: "111", through: latest.adding(days: -1), now: now)
            // Orchard has not asked (its workers are stopped): its own lateness, not Apple's
            #expect(try await problems()["111"] == "sync_late")
            try await ReportLedger(database: harness.database).record(
                ReportIdentity(accountNumber: "111", vendor: "9", type: .sales, frequency: .daily, date: latest),
                state: .notPublishedYet, now: now)
            #expect(try await problems()["111"] == "apple_late")
            let late = try await browser.request("/integrations", headers: ada)
            #expect(late.text.contains("Apple has not published the report of \(latest.isoText) yet"))
            // and the operator (Ada, promoted) sees it on the operator page
            let operatorPage = try await browser.request(SiteRoute.operatorPage.path, headers: ada)
            #expect(operatorPage.status == .ok)
            #expect(operatorPage.text.contains("Accounts with a problem") && operatorPage.text.contains("apple_late"))

            // when: it is in
            try await accounts.recordSync(number: "111", through: latest, now: now)
            #expect(try await problems()["111"] == "none")
        }
    }
}
