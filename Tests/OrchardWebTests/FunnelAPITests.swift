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

@Suite("The App Store Connect funnel through the JSON API, against Connect Sandbox over loopback")
struct FunnelAPITests {
    /// Signs up `email` through the API; returns its bearer header.
    static func signUp(_ browser: Browser, _ email: String) async throws -> HTTPFields {
        let created = try await browser.request(
            "/api/v1/auth/signup", method: .post, json: #"{"email": "\#(email)", "password": "a long password here"}"#)
        let token = try #require(created.json?["token"] as? String)
        return [.authorization: "Bearer \(token)"]
    }

    @Test(
        "token, accounts, invitation, finish: pending integrations, every refusal, token never echoed",
        arguments: TestBackend.available)
    func funnel(backend: TestBackend) async throws {
        try await WebHarness.run(backend, sandbox: true) { harness, client in
            let sandbox = try #require(harness.sandbox)
            // given an Apple ID that sees two accounts, and a third account it does not see
            let games = try sandbox.world.createAccount(name: "Acme Games", apps: 2)
            let tools = try sandbox.world.createAccount(name: "Acme Tools", apps: 1)
            let other = try sandbox.world.createAccount(name: "Someone Else", apps: 1)
            let (_, token) = try sandbox.world.createUser(
                appleId: "ada@acme.example", accounts: [games.number, tools.number])
            let browser = Browser(client)
            let ada = try await Self.signUp(browser, "ada@example.com")

            // step 1: refusals, each with its own code, and the token never in an answer
            let empty = try await browser.request(
                "/api/v1/asc/tokens", method: .post, json: #"{"accessToken": "  "}"#, headers: ada)
            #expect(empty.apiError?.code == "invalid_token")
            let wrong = try await browser.request(
                "/api/v1/asc/tokens", method: .post, json: #"{"accessToken": "0000-not-a-token"}"#, headers: ada)
            #expect(wrong.status == .unprocessableContent)
            #expect(wrong.apiError?.code == "invalid_token")
            #expect(!wrong.text.contains("0000-not-a-token"))
            let anonymous = try await browser.request(
                "/api/v1/asc/tokens", method: .post, json: #"{"accessToken": "\#(token.value)"}"#)
            #expect(anonymous.status == .unauthorized)

            // step 1: the real token
            let validated = try await browser.request(
                "/api/v1/asc/tokens", method: .post, json: #"{"accessToken": " \#(token.value) "}"#, headers: ada)
            #expect(validated.status == .created)
            #expect(!validated.text.contains(token.value))
            let tokenView = try #require(validated.json?["token"] as? [String: Any])
            let tokenID = try #require(tokenView["id"] as? Int)
            #expect((tokenView["masked"] as? String)?.hasSuffix(String(token.value.suffix(4))) == true)
            let accounts = try #require(validated.json?["accounts"] as? [[String: Any]])
            #expect(
                Set(accounts.compactMap { $0["number"] as? String }) == [String(games.number), String(tools.number)])
            let gamesView = try #require(accounts.first { $0["number"] as? String == String(games.number) })
            #expect(gamesView["name"] as? String == "Acme Games")
            #expect(gamesView["vendors"] as? [String] == games.vendors.map(String.init))

            let listed = try await browser.request("/api/v1/asc/tokens", headers: ada)
            #expect((listed.json?["tokens"] as? [[String: Any]])?.count == 1)
            #expect(!listed.text.contains(token.value))
            let again = try await browser.request("/api/v1/asc/tokens/\(tokenID)/accounts", headers: ada)
            #expect((again.json?["accounts"] as? [[String: Any]])?.count == 2)

            // step 3's instructions name the service Apple ID
            let invitation = try await browser.request("/api/v1/asc/invitation", headers: ada)
            #expect(invitation.json?["serviceAppleId"] as? String == WebHarness.serviceAppleID)
            #expect(invitation.json?["roles"] as? [String] == ["SALES"])

            // finish: refusals first
            func finish(_ body: String, as headers: HTTPFields = ada) async throws -> TestResponse {
                try await browser.request("/api/v1/asc/integrations", method: .post, json: body, headers: headers)
            }
            let none = try await finish(#"{"tokenId": \#(tokenID), "accounts": [], "invitationConfirmed": true}"#)
            #expect(none.apiError?.code == "no_accounts_selected")
            let foreign = try await finish(
                #"{"tokenId": \#(tokenID), "accounts": ["\#(other.number)"], "invitationConfirmed": true}"#)
            #expect(foreign.status == .unprocessableContent)
            #expect(foreign.apiError?.code == "unknown_account")
            let unconfirmed = try await finish(
                #"{"tokenId": \#(tokenID), "accounts": ["\#(games.number)"], "invitationConfirmed": false}"#)
            #expect(unconfirmed.apiError?.code == "invitation_not_confirmed")

            // another user cannot use Ada's token, nor see it
            let eve = try await Self.signUp(browser, "eve@example.com")
            let stolen = try await finish(
                #"{"tokenId": \#(tokenID), "accounts": ["\#(games.number)"], "invitationConfirmed": true}"#, as: eve)
            #expect(stolen.status == .notFound)
            #expect(
                try await browser.request("/api/v1/asc/tokens/\(tokenID)/accounts", headers: eve).status == .notFound)
            #expect(
                (try await browser.request("/api/v1/asc/tokens", headers: eve).json?["tokens"] as? [Any])?.isEmpty
                    == true)

            // finish for both accounts
            let done = try await finish(
                #"{"tokenId": \#(tokenID), "accounts": ["\#(games.number)", "\#(tools.number)"], "invitationConfirmed": true}"#
            )
            #expect(done.status == .created)
            let created = try #require(done.json?["integrations"] as? [[String: Any]])
            #expect(created.map { $0["status"] as? String } == ["pending", "pending"])
            let twice = try await finish(
                #"{"tokenId": \#(tokenID), "accounts": ["\#(games.number)"], "invitationConfirmed": true}"#)
            #expect(twice.status == .conflict)
            #expect(twice.apiError?.code == "already_integrated")

            let list = try await browser.request("/api/v1/integrations", headers: ada)
            let integrations = try #require(list.json?["integrations"] as? [[String: Any]])
            #expect(integrations.count == 2)
            #expect(
                Set(integrations.compactMap { ($0["account"] as? [String: Any])?["name"] as? String })
                    == ["Acme Games", "Acme Tools"])
            #expect(integrations.first?["platform"] as? String == "app-store-connect")
            // every field of docs/API.md is there, null when unset
            for field in ["statusReason", "activatedAt", "lastSyncAt", "syncError"] {
                #expect(integrations.first?[field] is NSNull, "\(field)")
            }
            #expect(
                (try await browser.request("/api/v1/integrations", headers: eve).json?["integrations"] as? [Any])?
                    .isEmpty == true)

            // removing: not another user's, then the owner's
            let id = try #require(integrations.first?["id"] as? Int)
            #expect(
                try await browser.request("/api/v1/integrations/\(id)", method: .delete, headers: eve).status
                    == .notFound)
            #expect(
                try await browser.request("/api/v1/integrations/\(id)", method: .delete, headers: ada).status
                    == .noContent)
            #expect(
                (try await browser.request("/api/v1/integrations", headers: ada).json?["integrations"] as? [Any])?.count
                    == 1)

            // the token is erased when removed, and its audit keeps only its fingerprint and masked form
            #expect(
                try await browser.request("/api/v1/asc/tokens/\(tokenID)", method: .delete, headers: ada).status
                    == .noContent)
            #expect(
                try await browser.request("/api/v1/asc/tokens/\(tokenID)/accounts", headers: ada).status == .notFound)
            let adaID = try #require(
                try await UserStore(database: harness.database).credentials(email: "ada@example.com")?.user.id)
            let events = try await AuditLog(database: harness.database).events(userID: adaID)
            #expect(events.contains { $0.action == "ownership_proved" && $0.detail.contains("fingerprint") })
            #expect(!events.contains { $0.detail.contains(token.value) })
        }
    }

    @Test(
        "finishing with accounts the token sees and one it does not is refused whole: nothing is created",
        arguments: TestBackend.available)
    func mixedSelection(backend: TestBackend) async throws {
        try await WebHarness.run(backend, sandbox: true) { harness, client in
            let sandbox = try #require(harness.sandbox)
            // given: Ada's kept token, which sees two accounts but not a third
            let games = try sandbox.world.createAccount(name: "Acme Games", apps: 1)
            let tools = try sandbox.world.createAccount(name: "Acme Tools", apps: 1)
            let other = try sandbox.world.createAccount(name: "Someone Else", apps: 1)
            let (_, token) = try sandbox.world.createUser(
                appleId: "ada@acme.example", accounts: [games.number, tools.number])
            let browser = Browser(client)
            let ada = try await Self.signUp(browser, "ada@example.com")
            let validated = try await browser.request(
                "/api/v1/asc/tokens", method: .post, json: #"{"accessToken": "\#(token.value)"}"#, headers: ada)
            let tokenID = try #require((validated.json?["token"] as? [String: Any])?["id"] as? Int)
            func finish(_ accounts: [Int]) async throws -> TestResponse {
                let list = accounts.map { #""\#($0)""# }.joined(separator: ", ")
                return try await browser.request(
                    "/api/v1/asc/integrations", method: .post,
                    json: #"{"tokenId": \#(tokenID), "accounts": [\#(list)], "invitationConfirmed": true}"#,
                    headers: ada)
            }

            // when: the foreign account comes last, first, or between the two it sees
            for accounts in [
                [games.number, other.number], [other.number, games.number],
                [games.number, other.number, tools.number],
            ] {
                let refused = try await finish(accounts)

                // then: refused, naming the account
                #expect(refused.status == .unprocessableContent, "\(accounts)")
                #expect(refused.apiError?.code == "unknown_account", "\(accounts)")
                #expect(refused.apiError?.message.contains(String(other.number)) == true, "\(accounts)")
            }

            // then: no integration, no store account, no proof of ownership recorded
            #expect(
                (try await browser.request("/api/v1/integrations", headers: ada).json?["integrations"] as? [Any])?
                    .isEmpty == true)
            let stored = try await harness.database.withConnection {
                try await $0.raw("SELECT COUNT(*) AS n FROM store_accounts").first()!.decode(column: "n", as: Int.self)
            }
            #expect(stored == 0)
            let events = try await AuditLog(database: harness.database).events(userID: 1)
            #expect(!events.contains { $0.action == "ownership_proved" })

            // and the two accounts it sees still finish together
            let done = try await finish([games.number, tools.number])
            #expect(done.status == .created)
            #expect((done.json?["integrations"] as? [Any])?.count == 2)
        }
    }

    @Test("an expired or replaced token gets its own message; the funnel token is gone after its lifetime")
    func tokenProblems() async throws {
        try await WebHarness.run(.sqlite, sandbox: true) { harness, client in
            let sandbox = try #require(harness.sandbox)
            let account = try sandbox.world.createAccount(name: "Acme", apps: 1)
            let (_, old) = try sandbox.world.createUser(appleId: "ada@acme.example", accounts: [account.number])
            let browser = Browser(client)
            let ada = try await Self.signUp(browser, "ada@example.com")
            let first = try await browser.request(
                "/api/v1/asc/tokens", method: .post, json: #"{"accessToken": "\#(old.value)"}"#, headers: ada)
            let tokenID = try #require((first.json?["token"] as? [String: Any])?["id"] as? Int)

            // a new token replaces the old one at Apple
            let new = try sandbox.world.generateToken(appleId: "ada@acme.example", expiresInDays: 1)
            let replaced = try await browser.request(
                "/api/v1/asc/tokens", method: .post, json: #"{"accessToken": "\#(old.value)"}"#, headers: ada)
            #expect(replaced.apiError?.code == "invalid_token")
            #expect(replaced.apiError?.message.contains("replaced by a newer one") == true)
            // the kept token no longer proves anything at finish: it is forgotten, with its own code
            let stale = try await browser.request(
                "/api/v1/asc/integrations", method: .post,
                json: #"{"tokenId": \#(tokenID), "accounts": ["\#(account.number)"], "invitationConfirmed": true}"#,
                headers: ada)
            #expect(stale.status == .conflict)
            #expect(stale.apiError?.code == "token_stopped_working")

            sandbox.clock.set(WebHarness.start.addingTimeInterval(2 * 86_400), frozen: true)
            let expired = try await browser.request(
                "/api/v1/asc/tokens", method: .post, json: #"{"accessToken": "\#(new.value)"}"#, headers: ada)
            #expect(expired.apiError?.code == "expired_token")
            #expect(expired.apiError?.message.contains("Generate a new one") == true)

            // a sandbox Apple ID that sees no account
            let (_, lonely) = try sandbox.world.createUser(appleId: "nobody@acme.example", accounts: [])
            let none = try await browser.request(
                "/api/v1/asc/tokens", method: .post, json: #"{"accessToken": "\#(lonely.value)"}"#, headers: ada)
            #expect(none.apiError?.code == "no_accounts")

            // the funnel keeps a token for ORCHARD_FUNNEL_TOKEN_MINUTES (60) only
            harness.clock.advance(by: 61 * 60)
            #expect(
                try await browser.request("/api/v1/asc/tokens/\(tokenID)/accounts", headers: ada).status == .notFound)
            #expect(
                (try await browser.request("/api/v1/asc/tokens", headers: ada).json?["tokens"] as? [Any])?.isEmpty
                    == true)
        }
    }

    @Test("Apple not answering is apple_unavailable (502), and nothing is kept")
    func appleUnavailable() async throws {
        // Port 1 on loopback: nothing listens there.
        try await WebHarness.run(.sqlite, sandbox: true, reporterURL: "http://127.0.0.1:1") { _, client in
            let browser = Browser(client)
            let ada = try await Self.signUp(browser, "ada@example.com")
            let answer = try await browser.request(
                "/api/v1/asc/tokens", method: .post, json: #"{"accessToken": "a-token-apple-cannot-check"}"#,
                headers: ada)
            #expect(answer.status == .badGateway)
            #expect(answer.apiError?.code == "apple_unavailable")
            #expect(answer.apiError?.message.contains("Nothing was saved") == true)
            #expect(
                (try await browser.request("/api/v1/asc/tokens", headers: ada).json?["tokens"] as? [Any])?.isEmpty
                    == true)
        }
    }
}
