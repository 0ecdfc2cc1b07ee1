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

@Suite("GET /api/v1/apps: only from the user's active integrations")
struct AppsAPITests {
    @Test(
        "an active integration shows its account's apps; pending and other users' do not",
        arguments: TestBackend.available)
    func apps(backend: TestBackend) async throws {
        try await WebHarness.run(backend, sandbox: true) { harness, client in
            let sandbox = try #require(harness.sandbox)
            let games = try sandbox.world.createAccount(name: "Acme Games", apps: 1)
            let tools = try sandbox.world.createAccount(name: "Acme Tools", apps: 1)
            let (_, token) = try sandbox.world.createUser(
                appleId: "ada@acme.example", accounts: [games.number, tools.number])
            // given: the service already sees Acme Games (another customer integrated it), whose reports named an app
            let stores = StoreAccountStore(database: harness.database)
            try await stores.register(
                number: String(games.number), name: "Acme Games", vendors: [], now: WebHarness.start)
            _ = try await stores.markAccessible(number: String(games.number), now: WebHarness.start)
            try await harness.database.withTransaction { connection in
                try await connection.raw(
                    """
                    INSERT INTO apps (store_account_id, sku, apple_identifier, title)
                    SELECT id, 'NOTES', '1350529000', 'Nimble Notes' FROM store_accounts
                    WHERE number = \(bind: String(games.number))
                    """
                ).run()
            }
            let browser = Browser(client)
            let ada = try await FunnelAPITests.signUp(browser, "ada@example.com")
            let eve = try await FunnelAPITests.signUp(browser, "eve@example.com")
            #expect((try await browser.request("/api/v1/apps", headers: ada).json?["apps"] as? [Any])?.isEmpty == true)

            // when Ada integrates both: Acme Games is active at once, Acme Tools pending
            let validated = try await browser.request(
                "/api/v1/asc/tokens", method: .post, json: #"{"accessToken": "\#(token.value)"}"#, headers: ada)
            let tokenID = try #require((validated.json?["token"] as? [String: Any])?["id"] as? Int)
            let done = try await browser.request(
                "/api/v1/asc/integrations", method: .post,
                json:
                    #"{"tokenId": \#(tokenID), "accounts": ["\#(games.number)", "\#(tools.number)"], "invitationConfirmed": true}"#,
                headers: ada)
            let statuses = (done.json?["integrations"] as? [[String: Any]])?.compactMap { $0["status"] as? String }
            #expect(statuses == ["active", "pending"])

            // then Ada sees the app of the active one; Eve sees nothing
            let apps = try #require(
                try await browser.request("/api/v1/apps", headers: ada).json?["apps"] as? [[String: Any]])
            #expect(apps.count == 1)
            #expect(apps.first?["sku"] as? String == "NOTES")
            #expect(apps.first?["title"] as? String == "Nimble Notes")
            #expect((apps.first?["account"] as? [String: Any])?["number"] as? String == String(games.number))
            #expect((try await browser.request("/api/v1/apps", headers: eve).json?["apps"] as? [Any])?.isEmpty == true)
        }
    }
}
