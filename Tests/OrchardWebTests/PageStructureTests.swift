import ConnectSandbox
import Foundation
import HTTPTypes
import HummingbirdTesting
import OrchardTestSupport
import Testing

@testable import OrchardWeb

@Suite("Every page keeps the structural rules: one h1, labelled fields, tied errors, CSRF, no inline code")
struct PageStructureTests {
    @Test("the rules catch what they are about")
    func rulesCanFail() {
        let broken = PageStructure(
            #"<html><body><h1>A</h1><h1>B</h1><form method="post" action="/x"><input type="text" name="q" aria-describedby="nope"/></form><script>alert(1)</script></body></html>"#
        )
        #expect(broken.problems.contains("2 h1 elements"))
        #expect(broken.problems.contains("input q has no label"))
        #expect(broken.problems.contains("aria-describedby points to a missing id nope"))
        #expect(broken.problems.contains("an inline script"))
        #expect(broken.problems.contains("a form posting to /x has no CSRF token"))
        let unclosed = PageStructure(#"<html><body><h1>A</h1><input type="text" required/></body></html>"#).problems
        #expect(unclosed.first?.hasPrefix("the page is not well-formed") == true, "\(unclosed)")
    }

    @Test("signed out, signed in, the funnel's steps with and without errors, the operator page")
    func pages() async throws {
        try await WebHarness.run(.sqlite, sandbox: true) { harness, client in
            let sandbox = try #require(harness.sandbox)
            let games = try sandbox.world.createAccount(name: "Acme Games", apps: 1)
            let (_, token) = try sandbox.world.createUser(appleId: "ada@acme.example", accounts: [games.number])
            let browser = Browser(client)
            // Each page with the status it must have: an error page where a 200 is due fails the test.
            var pages: [(name: String, expected: HTTPResponse.Status, response: TestResponse)] = []
            func visit(_ path: String, _ expected: HTTPResponse.Status = .ok) async throws {
                pages.append((path, expected, try await browser.request(path)))
            }
            for path in ["/", "/signup", "/signin"] { try await visit(path) }
            try await visit("/no-such-page", .notFound)
            let signUpError = try await browser.request(
                "/signup", method: .post,
                form: [("_csrf", browser.cookie("orchard_csrf") ?? ""), ("email", "nope"), ("password", "short")])
            pages.append(("/signup with an error", .unprocessableContent, signUpError))
            _ = try await AccountPageTests.submit(
                browser, "/signup", [("email", "ops@example.com"), ("password", AccountPageTests.password)])
            try await harness.promote("ops@example.com")
            for path in [
                "/", "/account", "/account/api-tokens", "/integrations", "/integrations/app-store-connect", "/operator",
                "/account/notifications", "/activity", "/account/webhooks", "/operator/mail",
            ] {
                try await visit(path)
            }
            let csrf = try #require(Browser.csrfToken(in: pages.last!.response.text))
            let wrong = try await browser.request(
                "/integrations/app-store-connect", method: .post, form: [("_csrf", csrf), ("accessToken", "bad")])
            pages.append(("step 1 with an error", .unprocessableContent, wrong))
            let valid = try await browser.request(
                "/integrations/app-store-connect", method: .post, form: [("_csrf", csrf), ("accessToken", token.value)])
            pages.append(("step 1 valid", .ok, valid))
            try await visit("/integrations/app-store-connect/tokens/1/accounts")
            try await visit("/integrations/app-store-connect/tokens/1/invite?account=\(games.number)")
            let unticked = try await browser.request(
                "/integrations/app-store-connect/tokens/1/finish", method: .post,
                form: [("_csrf", csrf), ("account", String(games.number))])
            pages.append(("step 3 unticked", .unprocessableContent, unticked))
            let hook = try await browser.request(
                "/account/webhooks", method: .post, form: [("_csrf", csrf), ("url", "http://127.0.0.1:9/x")])
            pages.append(("a webhook added", .created, hook))
            try await visit("/account/webhooks/1")
            let refused = try await browser.request(
                "/account/webhooks", method: .post, form: [("_csrf", csrf), ("url", "ftp://example.com")])
            pages.append(("a webhook refused", .unprocessableContent, refused))

            for page in pages {
                #expect(page.response.status == page.expected, "\(page.name)")
                #expect(PageStructure(page.response.text).problems == [], "\(page.name)")
            }
            #expect(pages.count == 23)
        }
    }
}
