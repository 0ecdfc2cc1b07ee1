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
            var pages: [(String, String)] = []
            func visit(_ path: String) async throws {
                pages.append((path, try await browser.request(path).text))
            }
            for path in ["/", "/signup", "/signin", "/no-such-page"] { try await visit(path) }
            let signUpError = try await browser.request(
                "/signup", method: .post,
                form: [("_csrf", browser.cookie("orchard_csrf") ?? ""), ("email", "nope"), ("password", "short")])
            pages.append(("/signup with an error", signUpError.text))
            _ = try await AccountPageTests.submit(
                browser, "/signup", [("email", "ops@example.com"), ("password", AccountPageTests.password)])
            for path in [
                "/", "/account", "/account/api-tokens", "/integrations", "/integrations/app-store-connect", "/operator",
            ] {
                try await visit(path)
            }
            let csrf = try #require(Browser.csrfToken(in: pages.last!.1))
            let wrong = try await browser.request(
                "/integrations/app-store-connect", method: .post, form: [("_csrf", csrf), ("accessToken", "bad")])
            pages.append(("step 1 with an error", wrong.text))
            let valid = try await browser.request(
                "/integrations/app-store-connect", method: .post, form: [("_csrf", csrf), ("accessToken", token.value)])
            pages.append(("step 1 valid", valid.text))
            try await visit("/integrations/app-store-connect/tokens/1/accounts")
            try await visit("/integrations/app-store-connect/tokens/1/invite?account=\(games.number)")
            let unticked = try await browser.request(
                "/integrations/app-store-connect/tokens/1/finish", method: .post,
                form: [("_csrf", csrf), ("account", String(games.number))])
            pages.append(("step 3 unticked", unticked.text))

            for (name, html) in pages {
                #expect(PageStructure(html).problems == [], "\(name)")
            }
            #expect(pages.count == 16)
        }
    }
}
