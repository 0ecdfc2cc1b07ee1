import Foundation
import HTTPTypes
import HummingbirdTesting
import OrchardCore
import OrchardStorage
import OrchardTestSupport
import SQLKit
import Testing

@testable import OrchardWeb

/// Who may become a user (docs/SETTINGS.md, `ORCHARD_SIGNUP`): the first, the operator, only with a
/// setup code `orchard serve` issued; with sign-up closed, others only with an operator's
/// invitation for their address.
@Suite("Admissions: the setup code and invitation links, over real HTTP")
struct AdmissionTests {
    static func signUp(_ browser: Browser, _ email: String, extra: String = "") async throws -> TestResponse {
        try await browser.request(
            "/api/v1/auth/signup", method: .post,
            json: #"{"email": "\#(email)", "password": "a long password here"\#(extra)}"#)
    }

    static func userCount(_ harness: WebHarness) async throws -> Int {
        try await harness.database.withConnection { connection in
            try await connection.raw("SELECT COUNT(*) AS n FROM users").first()!.decode(column: "n", as: Int.self)
        }
    }

    @Test(
        "on a fresh server the first sign-up needs the setup code and becomes the operator; the code then works no more",
        arguments: TestBackend.available)
    func firstOperator(backend: TestBackend) async throws {
        try await WebHarness.run(backend, withOperator: false) { harness, client in
            let visitor = Browser(client)
            // the first visitor without a code, or with one never issued, gets nothing
            let early = try await Self.signUp(visitor, "early@example.com")
            #expect(early.status == .forbidden)
            #expect(early.apiError?.code == "setup_code_required")
            let guessed = try await Self.signUp(
                visitor, "early@example.com", extra: #", "setupCode": "AAAA-BBBB-CCCC-DDDD""#)
            #expect(guessed.apiError?.code == "setup_code_required")
            #expect(try await Self.userCount(harness) == 0)

            // the page asks for the code, and says where it is
            let page = try await visitor.request("/signup")
            #expect(
                page.text.contains("Create the operator&#39;s account")
                    || page.text.contains("Create the operator's account"))
            #expect(page.text.contains(#"name="setup_code""#) && page.text.contains("orchard serve"))

            // serve issues a code; a wrong one is still refused, and the right one typed loosely is accepted
            let admissions = AdmissionStore(database: harness.database)
            let code = try #require(try await admissions.issueSetupCode(now: harness.clock.now))
            #expect(code.range(of: #"^[A-Z2-9]{4}(-[A-Z2-9]{4}){3}$"#, options: .regularExpression) != nil)
            #expect(
                try await Self.signUp(visitor, "early@example.com", extra: #", "setupCode": "AAAA-BBBB-CCCC-DDDD""#)
                    .apiError?.code == "setup_code_required")
            let loose = code.lowercased().replacingOccurrences(of: "-", with: " ")
            let first = try await Self.signUp(visitor, "ops@example.com", extra: #", "setupCode": "\#(loose)""#)
            #expect(first.status == .created)
            #expect((first.json?["user"] as? [String: Any])?["role"] as? String == "operator")

            // used once: the same code makes nobody else an operator, and serve issues no more
            let second = try await Self.signUp(visitor, "eve@example.com", extra: #", "setupCode": "\#(code)""#)
            #expect(second.status == .created)
            #expect((second.json?["user"] as? [String: Any])?["role"] as? String == "member")
            #expect(try await admissions.issueSetupCode(now: harness.clock.now) == nil)
            #expect(!(try await visitor.request("/signup").text.contains(#"name="setup_code""#)))
        }
    }

    @Test(
        "two people with a setup code each at once: one operator; the other is refused or, sign-up being open, a member",
        arguments: TestBackend.available)
    func racingCodes(backend: TestBackend) async throws {
        try await WebHarness.run(backend, withOperator: false) { harness, client in
            let admissions = AdmissionStore(database: harness.database)
            let codes = [
                try #require(try await admissions.issueSetupCode(now: harness.clock.now)),
                try #require(try await admissions.issueSetupCode(now: harness.clock.now)),
            ]
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for (index, code) in codes.enumerated() {
                    group.addTask {
                        try await Self.signUp(
                            Browser(client), "host\(index)@example.com", extra: #", "setupCode": "\#(code)""#
                        )
                        .status
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.contains(.created) && statuses.allSatisfy { $0 == .created || $0 == .forbidden })
            let operators = try await harness.database.withConnection { connection in
                try await connection.raw("SELECT COUNT(*) AS n FROM users WHERE role = 'operator'").first()!
                    .decode(column: "n", as: Int.self)
            }
            #expect(operators == 1)
            #expect(try await Self.userCount(harness) == statuses.filter { $0 == .created }.count)
        }
    }

    @Test(
        "sign-up closed: only with an operator's invitation, for its address, once; members cannot invite; withdrawn links die",
        arguments: TestBackend.available)
    func closedSignUp(backend: TestBackend) async throws {
        var settings = Settings()
        settings.signUpOpen = false
        try await WebHarness.run(backend, settings: settings) { harness, client in
            let visitor = Browser(client)
            // a visitor without an invitation is told how to get in, and refused
            let page = try await visitor.request("/signup")
            #expect(page.text.contains("Sign-up is by invitation") && !page.text.contains(#"name="password""#))
            let refused = try await Self.signUp(visitor, "bob@example.com")
            #expect(refused.status == .forbidden)
            #expect(refused.apiError?.code == "invitation_required")

            // the operator invites Bob through the API: a link, once
            let rootToken = try await LoginTokenTests.logIn(
                visitor, WebHarness.operatorEmail, AccountPageTests.password)
            let root: HTTPFields = [.authorization: "Bearer \(rootToken)"]
            let made = try await visitor.request(
                "/api/v1/admin/user-invitations", method: .post, json: #"{"email": "Bob@Example.com"}"#,
                headers: root)
            #expect(made.status == .created)
            let link = try #require(made.json?["link"] as? String)
            #expect(made.json?["email"] as? String == "bob@example.com")
            let token = try #require(URLComponents(string: link)?.queryItems?.first { $0.name == "invitation" }?.value)
            #expect(link.hasPrefix("http://") && link.contains("/signup?invitation="))
            let listed = try await visitor.request(
                "/api/v1/admin/user-invitations", headers: root)
            #expect(listed.json?["signUp"] as? String == "closed")
            #expect((listed.json?["invitations"] as? [[String: Any]])?.first?["link"] == nil)
            #expect(!listed.text.contains(token))

            // the link's page fills in Bob's address; Eve cannot use Bob's link
            let invitedPage = try await visitor.request("/signup?invitation=\(token)")
            #expect(invitedPage.text.contains(#"value="bob@example.com""#))
            #expect(invitedPage.text.contains(#"name="invitation""#))
            let eve = try await Self.signUp(visitor, "eve@example.com", extra: #", "invitation": "\#(token)""#)
            #expect(eve.apiError?.code == "invitation_unusable")

            // Bob gets in, as a member, and the link is used up
            let bob = try await Self.signUp(visitor, "bob@example.com", extra: #", "invitation": "\#(token)""#)
            #expect(bob.status == .created)
            let bobAuth: HTTPFields = [.authorization: "Bearer \(try #require(bob.json?["token"] as? String))"]
            let carol = try await Self.signUp(visitor, "bob@example.com", extra: #", "invitation": "\#(token)""#)
            #expect(carol.status == .forbidden)
            #expect(carol.apiError?.code == "invitation_unusable")

            // a member cannot invite, list or withdraw
            #expect(
                try await visitor.request(
                    "/api/v1/admin/user-invitations", method: .post, json: #"{"email": "mallory@example.com"}"#,
                    headers: bobAuth
                ).apiError?.code == "operator_only")
            #expect(
                try await visitor.request("/api/v1/admin/user-invitations", headers: bobAuth).apiError?.code
                    == "operator_only")

            // on the operator's page: invite Dan, see the link once, withdraw it, and the link is dead
            let ops = Browser(client)
            _ = try await AccountPageTests.submit(
                ops, "/signin", [("email", WebHarness.operatorEmail), ("password", AccountPageTests.password)])
            let before = try await ops.request("/operator")
            let made2 = try await ops.request(
                "/operator/user-invitations", method: .post,
                form: [("_csrf", try #require(Browser.csrfToken(in: before.text))), ("email", "dan@example.com")])
            #expect(made2.status == .ok)
            let link2 = try #require(
                made2.text.range(of: #"/signup\?invitation=[A-Za-z0-9_-]+"#, options: .regularExpression).map {
                    String(made2.text[$0])
                })
            let token2 = String(link2.dropFirst("/signup?invitation=".count))
            let operatorPage = try await ops.request("/operator")
            #expect(operatorPage.text.contains("dan@example.com") && !operatorPage.text.contains(token2))
            let id = try #require(
                try await AdmissionStore(database: harness.database).open(now: harness.clock.now).first {
                    $0.email == "dan@example.com"
                }?.id)
            let csrf = try #require(Browser.csrfToken(in: operatorPage.text))
            let withdrawn = try await ops.request(
                "/operator/user-invitations/\(id)/revoke", method: .post, form: [("_csrf", csrf)])
            #expect(withdrawn.status == .seeOther)
            #expect(
                try await Self.signUp(visitor, "dan@example.com", extra: #", "invitation": "\#(token2)""#).apiError?
                    .code
                    == "invitation_unusable")

            // an invitation lasts 7 days
            let late = try await visitor.request(
                "/api/v1/admin/user-invitations", method: .post, json: #"{"email": "fay@example.com"}"#,
                headers: root)
            let lateToken = try #require(
                (late.json?["link"] as? String).flatMap { URLComponents(string: $0)?.queryItems?.first?.value })
            harness.clock.advance(by: 7 * 86_400 + 1)
            #expect(
                try await Self.signUp(visitor, "fay@example.com", extra: #", "invitation": "\#(lateToken)""#).apiError?
                    .code == "invitation_unusable")
        }
    }
}
