import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import OrchardCore
import OrchardStorage
import OrchardTestSupport
import Testing

@testable import OrchardWeb

@Suite("Accounts through the JSON API, over real HTTP")
struct AccountAPITests {
    @Test("sign up, log in and /me, with every refusal of docs/API.md", arguments: TestBackend.available)
    func signUpAndLogIn(backend: TestBackend) async throws {
        try await WebHarness.run(backend) { _, client in
            let browser = Browser(client)
            // given a first user
            let created = try await browser.request(
                "/api/v1/auth/signup", method: .post,
                json: #"{"email": " Ada@Example.COM ", "password": "correct horse battery"}"#)
            #expect(created.status == .created)
            let user = try #require(created.json?["user"] as? [String: Any])
            #expect(user["email"] as? String == "ada@example.com")
            #expect(user["role"] as? String == "operator")
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
