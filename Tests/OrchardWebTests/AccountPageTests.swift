import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import OrchardApp
import OrchardCore
import OrchardStorage
import OrchardTestSupport
import Testing

@testable import OrchardWeb

@Suite("Account pages in a browser's place: forms, cookies, CSRF, over real HTTP")
struct AccountPageTests {
    static let password = "correct horse battery"

    /// Opens `path`, then posts `form` to it with the page's CSRF token.
    static func submit(_ browser: Browser, _ path: String, _ form: [(String, String)]) async throws -> TestResponse {
        let page = try await browser.request(path)
        let token = try #require(Browser.csrfToken(in: page.text))
        return try await browser.request(path, method: .post, form: [("_csrf", token)] + form)
    }

    @Test("sign up, sign out and sign in again with the session cookie", arguments: TestBackend.available)
    func journey(backend: TestBackend) async throws {
        try await WebHarness.run(backend) { _, client in
            let browser = Browser(client)
            // given a visitor on the sign-up page
            let page = try await browser.request("/signup")
            #expect(page.status == .ok)
            #expect(page.text.contains(#"<label for="email">E-mail address</label>"#))
            #expect(page.text.contains(#"autocomplete="new-password""#))
            let csrf = try #require(browser.cookie("orchard_csrf"))
            #expect(Browser.csrfToken(in: page.text) == csrf)

            // when they sign up
            let created = try await browser.request(
                "/signup", method: .post,
                form: [("_csrf", csrf), ("email", "Ada@Example.com"), ("password", Self.password)])

            // then a session starts: HttpOnly, SameSite=Lax, not readable by scripts
            #expect(created.status == .seeOther)
            #expect(created.headers[.location] == "/")
            let setCookie = created.headers[values: .setCookie].first { $0.hasPrefix("orchard_session=") } ?? ""
            #expect(setCookie.contains("HttpOnly"))
            #expect(setCookie.contains("SameSite=Lax"))
            #expect(!setCookie.contains("Secure"))
            let home = try await browser.request("/")
            #expect(home.text.contains("Signed in as ada@example.com."))
            #expect(home.text.contains("Welcome to Orchard."))
            #expect(try await browser.request("/").text.contains("Welcome to Orchard.") == false)

            // sign out ends the session on the server, not only in the browser
            let session = try #require(browser.cookie("orchard_session"))
            let signOutToken = try #require(Browser.csrfToken(in: home.text))
            let out = try await browser.request("/signout", method: .post, form: [("_csrf", signOutToken)])
            #expect(out.status == .seeOther)
            #expect(browser.cookie("orchard_session") == nil)
            let replay = try await browser.request("/account", headers: [.cookie: "orchard_session=\(session)"])
            #expect(replay.status == .seeOther)
            #expect(replay.headers[.location] == "/signin?next=%2Faccount")

            // sign in with the wrong password keeps the address, never the password
            let wrong = try await Self.submit(
                browser, "/signin", [("email", "ada@example.com"), ("password", "not my password")])
            #expect(wrong.status == .unauthorized)
            #expect(wrong.text.contains("That e-mail address and password do not match an account."))
            #expect(wrong.text.contains(#"value="ada@example.com""#))
            #expect(!wrong.text.contains("not my password"))

            // and the right one goes where the visitor was headed, with a new session
            let signedIn = try await Self.submit(
                browser, "/signin?next=%2Faccount",
                [("email", "ADA@example.com"), ("password", Self.password), ("next", "/account")])
            #expect(signedIn.status == .seeOther)
            #expect(signedIn.headers[.location] == "/account")
            #expect(browser.cookie("orchard_session") != session)
            let settings = try await browser.request("/account")
            #expect(settings.status == .ok)
            #expect(settings.text.contains("Member"))
        }
    }

    @Test("forms without the CSRF token are refused, and sign-in never redirects off the site")
    func forgery() async throws {
        try await WebHarness.run(.sqlite) { _, client in
            let browser = Browser(client)
            _ = try await browser.request("/signup")
            let forged = try await browser.request(
                "/signup", method: .post, form: [("email", "eve@example.com"), ("password", Self.password)])
            #expect(forged.status == .forbidden)
            #expect(forged.text.contains("This form has expired."))
            let wrongToken = try await browser.request(
                "/signup", method: .post,
                form: [
                    ("_csrf", "x" + (browser.cookie("orchard_csrf") ?? "")), ("email", "eve@example.com"),
                    ("password", Self.password),
                ])
            #expect(wrongToken.status == .forbidden)

            // a signed-in form needs the session's token, not the signed-out cookie's
            _ = try await Self.submit(browser, "/signup", [("email", "eve@example.com"), ("password", Self.password)])
            let oldCookie = try #require(browser.cookie("orchard_csrf"))
            let stale = try await browser.request("/signout", method: .post, form: [("_csrf", oldCookie)])
            #expect(stale.status == .forbidden)

            for next in [
                "//evil.example/", "https://evil.example/", "/\\evil.example", "/\t/evil.example/", "/\n/evil.example/",
                "/\r/evil.example/", " //evil.example/", "\t//evil.example/", "/\t\\evil.example/",
            ] {
                let other = Browser(client)
                let page = try await other.request(
                    "/signin?next=" + next.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)
                #expect(!page.text.contains("evil.example"))
                let token = try #require(Browser.csrfToken(in: page.text))
                let response = try await other.request(
                    "/signin", method: .post,
                    form: [("_csrf", token), ("email", "eve@example.com"), ("password", Self.password), ("next", next)])
                #expect(response.headers[.location] == "/")
            }
        }
    }

    @Test("every answer carries the security headers; the stylesheet is cacheable, pages are not")
    func headers() async throws {
        try await WebHarness.run(.sqlite) { _, client in
            let browser = Browser(client)
            let home = try await browser.request("/")
            let policy = try #require(home.headers[.contentSecurityPolicy])
            #expect(policy.contains("script-src 'self'"))
            #expect(policy.contains("frame-ancestors 'none'"))
            #expect(!policy.contains("unsafe-inline"))
            #expect(home.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff")
            #expect(home.headers[HTTPField.Name("Referrer-Policy")!] == "same-origin")
            #expect(home.headers[.cacheControl] == "no-store")
            #expect(!home.text.contains("<style"))
            #expect(!home.text.contains("<script>"))
            let css = try await browser.request(SiteRoute.stylesheet.path)
            #expect(css.status == .ok)
            #expect(css.headers[.cacheControl] == "public, max-age=31536000, immutable")
            #expect(home.text.contains(SiteRoute.stylesheet.path))
            let gzipped = try await browser.request(
                SiteRoute.stylesheet.path, headers: [.acceptEncoding: "gzip, deflate, br"])
            #expect(gzipped.headers[.contentEncoding] == "gzip")
            #expect(gzipped.headers[.vary] == "Accept-Encoding")
            #expect(Array(gzipped.body.readableBytesView.prefix(2)) == [0x1f, 0x8b])
            #expect(gzipped.body.readableBytes < css.body.readableBytes / 2)
            let missing = try await browser.request("/nope")
            #expect(missing.headers[.contentSecurityPolicy] == policy)
        }
    }

    @Test("a session signs its browser in for its lifetime, then no longer", arguments: TestBackend.available)
    func sessionExpiry(backend: TestBackend) async throws {
        try await WebHarness.run(backend) { harness, client in
            // given: a signed-up user's browser
            let browser = Browser(client)
            _ = try await Self.submit(browser, "/signup", [("email", "ada@example.com"), ("password", Self.password)])

            // when / then: a second before the session's end it still signs in
            harness.clock.advance(by: Membership.sessionLifetime - 1)
            #expect(try await browser.request("/account").status == .ok)

            // when / then: at its end the same cookie is sent to sign-in
            harness.clock.advance(by: 1)
            let expired = try await browser.request("/account")
            #expect(expired.status == .seeOther)
            #expect(expired.headers[.location] == "/signin?next=%2Faccount")
        }
    }

    @Test("a password change signs out every other session", arguments: TestBackend.available)
    func passwordChange(backend: TestBackend) async throws {
        try await WebHarness.run(backend) { _, client in
            let laptop = Browser(client)
            _ = try await Self.submit(laptop, "/signup", [("email", "ada@example.com"), ("password", Self.password)])
            let phone = Browser(client)
            _ = try await Self.submit(phone, "/signin", [("email", "ada@example.com"), ("password", Self.password)])
            #expect(try await phone.request("/account").status == .ok)

            let settings = try await laptop.request("/account")
            let token = try #require(Browser.csrfToken(in: settings.text))
            let badCurrent = try await laptop.request(
                "/account/password", method: .post,
                form: [("_csrf", token), ("current", "not it at all"), ("new", "a brand new passphrase")])
            #expect(badCurrent.status == .unauthorized)
            #expect(badCurrent.text.contains("That is not your current password."))
            let weak = try await laptop.request(
                "/account/password", method: .post,
                form: [("_csrf", token), ("current", Self.password), ("new", "short")])
            #expect(weak.status == .unprocessableContent)
            #expect(weak.text.contains(#"id="new-error""#))
            let changed = try await laptop.request(
                "/account/password", method: .post,
                form: [("_csrf", token), ("current", Self.password), ("new", "a brand new passphrase")])
            #expect(changed.status == .seeOther)
            #expect(try await laptop.request("/account").status == .ok)
            #expect(try await phone.request("/account").status == .seeOther)
            let again = try await Self.submit(
                Browser(client), "/signin", [("email", "ada@example.com"), ("password", "a brand new passphrase")])
            #expect(again.status == .seeOther)
        }
    }

    @Test("API tokens: shown once, listed by prefix, revoked by their owner only", arguments: TestBackend.available)
    func apiTokens(backend: TestBackend) async throws {
        try await WebHarness.run(backend) { _, client in
            let ada = Browser(client)
            _ = try await Self.submit(ada, "/signup", [("email", "ada@example.com"), ("password", Self.password)])
            let created = try await Self.submit(ada, "/account/api-tokens", [("name", "nightly export")])
            #expect(created.status == .ok)
            let value = try #require(
                created.text.range(of: #"id="new-token">"#).map {
                    String(created.text[$0.upperBound...].prefix { $0 != "<" })
                })
            #expect(value.hasPrefix("orch_"))
            let me = try await ada.request("/api/v1/me", headers: [.authorization: "Bearer \(value)"])
            #expect(me.status == .ok)
            let list = try await ada.request("/account/api-tokens")
            #expect(list.text.contains("nightly export"))
            #expect(list.text.contains(String(value.prefix(9)) + "…"))
            #expect(!list.text.contains(value))
            let unnamed = try await Self.submit(ada, "/account/api-tokens", [("name", "  ")])
            #expect(unnamed.status == .unprocessableContent)

            let id = try #require(
                list.text.range(of: #"/account/api-tokens/"#).map {
                    String(list.text[$0.upperBound...].prefix { $0.isNumber })
                })
            // another user cannot revoke it
            let eve = Browser(client)
            let eveHome = try await Self.submit(
                eve, "/signup", [("email", "eve@example.com"), ("password", Self.password)])
            #expect(eveHome.status == .seeOther)
            let eveToken = try #require(Browser.csrfToken(in: try await eve.request("/account").text))
            let foreign = try await eve.request(
                "/account/api-tokens/\(id)/revoke", method: .post, form: [("_csrf", eveToken)])
            #expect(foreign.status == .notFound)
            #expect(try await ada.request("/api/v1/me", headers: [.authorization: "Bearer \(value)"]).status == .ok)

            let adaToken = try #require(Browser.csrfToken(in: list.text))
            let revoked = try await ada.request(
                "/account/api-tokens/\(id)/revoke", method: .post, form: [("_csrf", adaToken)])
            #expect(revoked.status == .seeOther)
            #expect(
                try await ada.request("/api/v1/me", headers: [.authorization: "Bearer \(value)"]).status
                    == .unauthorized)
        }
    }
}
