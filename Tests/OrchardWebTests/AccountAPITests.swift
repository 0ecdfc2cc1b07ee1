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

@Suite("Accounts through the JSON API, over real HTTP")
struct AccountAPITests {
    @Test("sign up, log in and /me, with every refusal of docs/API.md", arguments: TestBackend.available)
    func signUpAndLogIn(backend: TestBackend) async throws {
        try await WebHarness.run(backend) { _, client in
            let browser = Browser(client)
            // given a user (the harness's operator signed up first)
            let created = try await browser.request(
                "/api/v1/auth/signup", method: .post,
                json: #"{"email": " Ada@Example.COM ", "password": "correct horse battery"}"#)
            #expect(created.status == .created)
            let user = try #require(created.json?["user"] as? [String: Any])
            #expect(user["email"] as? String == "ada@example.com")
            #expect(user["role"] as? String == "member")
            let token = try #require(created.json?["token"] as? String)
            #expect(token.hasPrefix("orch_"))

            // when the same address signs up again, in other capitals
            let taken = try await browser.request(
                "/api/v1/auth/signup", method: .post,
                json: #"{"email": "ADA@example.com", "password": "another long one"}"#)
            #expect(taken.status == .conflict)
            #expect(taken.apiError?.code == "email_taken")

            // then bad input gets its own code
            let badEmail = try await browser.request(
                "/api/v1/auth/signup", method: .post,
                json: #"{"email": "ada.example.com", "password": "long enough pass"}"#)
            #expect(badEmail.status == .unprocessableContent)
            #expect(badEmail.apiError?.code == "invalid_email")
            let weak = try await browser.request(
                "/api/v1/auth/signup", method: .post, json: #"{"email": "bob@example.com", "password": "short"}"#)
            #expect(weak.apiError?.code == "weak_password")
            #expect(weak.apiError?.message.contains("10 characters") == true)
            let missing = try await browser.request(
                "/api/v1/auth/signup", method: .post, json: #"{"email": "bob@example.com"}"#)
            #expect(missing.status == .badRequest)
            #expect(missing.apiError?.code == "invalid_body")
            #expect(missing.apiError?.message == "The field password is missing.")

            // and the second user is a member
            let bob = try await browser.request(
                "/api/v1/auth/signup", method: .post,
                json: #"{"email": "bob@example.com", "password": "bob's long password"}"#)
            #expect((bob.json?["user"] as? [String: Any])?["role"] as? String == "member")

            // login
            let wrong = try await browser.request(
                "/api/v1/auth/login", method: .post, json: #"{"email": "ada@example.com", "password": "not the one"}"#)
            #expect(wrong.status == .unauthorized)
            #expect(wrong.apiError?.code == "invalid_credentials")
            let unknown = try await browser.request(
                "/api/v1/auth/login", method: .post,
                json: #"{"email": "nobody@example.com", "password": "not the one"}"#)
            #expect(unknown.apiError?.code == "invalid_credentials")
            let login = try await browser.request(
                "/api/v1/auth/login", method: .post,
                json: #"{"email": "Ada@example.com", "password": "correct horse battery"}"#)
            #expect(login.status == .ok)
            let second = try #require(login.json?["token"] as? String)
            #expect(second != token)

            for bearer in [token, second] {
                let me = try await browser.request("/api/v1/me", headers: [.authorization: "Bearer \(bearer)"])
                #expect((me.json?["user"] as? [String: Any])?["email"] as? String == "ada@example.com")
            }
            let anonymous = try await browser.request("/api/v1/me")
            #expect(anonymous.status == .unauthorized)
            #expect(anonymous.apiError?.code == "authentication_required")
            let forged = try await browser.request("/api/v1/me", headers: [.authorization: "Bearer orch_forged"])
            #expect(forged.status == .unauthorized)

            let platforms = try await browser.request(
                "/api/v1/integrations/platforms", headers: [.authorization: "Bearer \(token)"])
            let list = try #require(platforms.json?["platforms"] as? [[String: Any]])
            #expect(list.first?["id"] as? String == "app-store-connect")
            #expect(list.first?["available"] as? Bool == true)
        }
    }

    @Test(
        "an API call riding the session cookie changes nothing without X-CSRF-Token; a bearer call needs none",
        arguments: TestBackend.available)
    func csrfOnSessionCalls(backend: TestBackend) async throws {
        try await WebHarness.run(backend, sandbox: true) { harness, client in
            let sandbox = try #require(harness.sandbox)
            let account = try sandbox.world.createAccount(name: "Acme", apps: 1)
            let (_, appleToken) = try sandbox.world.createUser(appleId: "ada@acme.example", accounts: [account.number])
            let tokenBody = #"{"accessToken": "\#(appleToken.value)"}"#

            // given: a browser signed in on the pages, and its pages' CSRF token
            let browser = Browser(client)
            _ = try await AccountPageTests.submit(
                browser, "/signup", [("email", "ada@example.com"), ("password", AccountPageTests.password)])
            #expect(browser.cookie("orchard_session") != nil)
            let csrf = try #require(Browser.csrfToken(in: try await browser.request("/account").text))
            let header = HTTPField.Name("X-CSRF-Token")!
            let sent: HTTPFields = [header: csrf]
            let missingOrWrong: [HTTPFields] = [[:], [header: String(csrf.reversed())], [header: ""]]
            func refused(_ response: TestResponse, _ what: String) {
                #expect(response.status == .forbidden, "\(what)")
                #expect(response.apiError?.code == "csrf_failed", "\(what)")
            }
            func count(_ table: String) async throws -> Int {
                try await harness.database.withConnection {
                    try await $0.raw("SELECT COUNT(*) AS n FROM \(unsafeRaw: table)").first()!.decode(
                        column: "n", as: Int.self)
                }
            }

            // POST: refused without the token (or with a wrong one), nothing kept; accepted with it
            for headers in missingOrWrong {
                refused(
                    try await browser.request("/api/v1/asc/tokens", method: .post, json: tokenBody, headers: headers),
                    "POST /asc/tokens \(headers)")
            }
            #expect(try await count("funnel_tokens") == 0)
            let kept = try await browser.request("/api/v1/asc/tokens", method: .post, json: tokenBody, headers: sent)
            #expect(kept.status == .created)
            let tokenID = try #require((kept.json?["token"] as? [String: Any])?["id"] as? Int)
            let finish =
                #"{"tokenId": \#(tokenID), "accounts": ["\#(account.number)"], "invitationConfirmed": true}"#
            for headers in missingOrWrong {
                refused(
                    try await browser.request(
                        "/api/v1/asc/integrations", method: .post, json: finish, headers: headers),
                    "POST /asc/integrations \(headers)")
            }
            #expect(try await count("integrations") == 0)
            let finished = try await browser.request(
                "/api/v1/asc/integrations", method: .post, json: finish, headers: sent)
            #expect(finished.status == .created)
            let integrationID = try #require(
                (finished.json?["integrations"] as? [[String: Any]])?.first?["id"] as? Int)

            // PATCH: the currency stays until the token comes with it
            for headers in missingOrWrong {
                refused(
                    try await browser.request(
                        "/api/v1/me", method: .patch, json: #"{"currency": "EUR"}"#, headers: headers),
                    "PATCH /me \(headers)")
            }
            #expect(
                (try await browser.request("/api/v1/me").json?["user"] as? [String: Any])?["currency"] as? String
                    == "USD")
            let patched = try await browser.request(
                "/api/v1/me", method: .patch, json: #"{"currency": "EUR"}"#, headers: sent)
            #expect(patched.status == .ok)
            #expect((patched.json?["user"] as? [String: Any])?["currency"] as? String == "EUR")

            // DELETE: the integration and the kept token stay until the token comes with it
            for headers in missingOrWrong {
                refused(
                    try await browser.request(
                        "/api/v1/integrations/\(integrationID)", method: .delete, headers: headers),
                    "DELETE /integrations \(headers)")
                refused(
                    try await browser.request("/api/v1/asc/tokens/\(tokenID)", method: .delete, headers: headers),
                    "DELETE /asc/tokens \(headers)")
            }
            #expect(try await count("integrations") == 1)
            #expect(try await count("funnel_tokens WHERE erased_at IS NULL") == 1)
            #expect(
                try await browser.request("/api/v1/integrations/\(integrationID)", method: .delete, headers: sent)
                    .status
                    == .noContent)
            #expect(
                try await browser.request("/api/v1/asc/tokens/\(tokenID)", method: .delete, headers: sent).status
                    == .noContent)
            #expect(try await count("integrations") == 0)
            #expect(try await count("funnel_tokens WHERE erased_at IS NULL") == 0)

            // a script with a bearer token and no cookie sends no CSRF token
            let script = Browser(client)
            let bearer = try await FunnelAPITests.signUp(script, "bob@example.com")
            #expect(script.cookie("orchard_session") == nil)
            let scripted = try await script.request(
                "/api/v1/me", method: .patch, json: #"{"currency": "EUR"}"#, headers: bearer)
            #expect(scripted.status == .ok)
            #expect((scripted.json?["user"] as? [String: Any])?["currency"] as? String == "EUR")
            let scriptedToken = try await script.request(
                "/api/v1/asc/tokens", method: .post, json: tokenBody, headers: bearer)
            #expect(scriptedToken.status == .created)
            let scriptedID = try #require((scriptedToken.json?["token"] as? [String: Any])?["id"] as? Int)
            #expect(
                try await script.request("/api/v1/asc/tokens/\(scriptedID)", method: .delete, headers: bearer).status
                    == .noContent)
        }
    }

    @Test("unknown routes, oversized and foreign bodies answer with a JSON error, never a stack trace")
    func errors() async throws {
        try await WebHarness.run(.sqlite) { _, client in
            let browser = Browser(client)
            let missing = try await browser.request("/api/v1/nothing-here")
            #expect(missing.status == .notFound)
            #expect(missing.apiError?.code == "not_found")
            let huge = try await browser.request(
                "/api/v1/auth/signup", method: .post, json: String(repeating: " ", count: 1 << 21))
            #expect(huge.status == .contentTooLarge)
            #expect(huge.apiError?.code == "body_too_large")
            let plain = try await browser.request(
                "/api/v1/auth/login", method: .post, headers: [.contentType: "text/plain"])
            #expect(plain.status == .unsupportedMediaType)
            let page = try await browser.request("/no/such/page")
            #expect(page.status == .notFound)
            #expect(page.headers[.contentType]?.hasPrefix("text/html") == true)
            #expect(page.text.contains("Page not found"))
        }
    }

    @Test("sign-in is throttled per account after five failures, with Retry-After, and recovers with time")
    func throttling() async throws {
        try await WebHarness.run(.sqlite) { harness, client in
            let browser = Browser(client)
            try await browser.request(
                "/api/v1/auth/signup", method: .post,
                json: #"{"email": "ada@example.com", "password": "correct horse battery"}"#)
            for _ in 0..<5 {
                let wrong = try await browser.request(
                    "/api/v1/auth/login", method: .post,
                    json: #"{"email": "ada@example.com", "password": "guess guess guess"}"#)
                #expect(wrong.status == .unauthorized)
            }
            // the right password is refused too while the account waits
            let right = #"{"email": "ada@example.com", "password": "correct horse battery"}"#
            let throttled = try await browser.request("/api/v1/auth/login", method: .post, json: right)
            #expect(throttled.status == .tooManyRequests)
            #expect(throttled.apiError?.code == "too_many_attempts")
            #expect(throttled.headers[.retryAfter] == "2")
            harness.clock.advance(by: 2)
            let later = try await browser.request("/api/v1/auth/login", method: .post, json: right)
            #expect(later.status == .ok)
        }
    }
}
