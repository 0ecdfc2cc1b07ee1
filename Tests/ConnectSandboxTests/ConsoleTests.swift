import ConnectSandbox
import Foundation
import NIOHTTP1
import OrchardTestSupport
import Testing

/// The "App Store Connect (sandbox)" page: the demo's invite flow, clicked through as forms.
@Suite("Web console")
struct ConsoleTests {
    @Test("sign in, invite the service Apple ID with a role, see it pending, remove a user")
    func inviteFlow() async throws {
        try await SandboxServer.withRunning(now: ReporterProtocolTests.now) { sandbox in
            // given
            let (account, _) = try sandbox.makeAccountWithUser(
                name: "Acme", appleId: "owner@example.com", roles: [.accountHolder])
            let (_, _) = try sandbox.world.createUser(
                appleId: "dev@example.com", accounts: [account.number], roles: [.developer])
            let home = try await SandboxHTTP.send(.GET, sandbox.baseURL + "/")
            #expect(home.text.contains("Sign in as owner@example.com"))

            // when
            let signIn = try await SandboxHTTP.send(
                .POST, sandbox.baseURL + "/console/sign-in", body: "appleId=owner%40example.com",
                headers: [("Content-Type", "application/x-www-form-urlencoded")], followRedirects: false)
            let cookie = try #require(signIn.header("Set-Cookie")?.split(separator: ";").first.map(String.init))
            let session = [("Cookie", cookie), ("Content-Type", "application/x-www-form-urlencoded")]
            let accounts = try await SandboxHTTP.send(.GET, sandbox.baseURL + "/console", headers: session)
            let invite = try await SandboxHTTP.send(
                .POST, sandbox.baseURL + "/console/accounts/\(account.number)/invitations",
                body: "email=svc%40orchard.example&firstName=Orchard&lastName=Service&roles=SALES", headers: session,
                followRedirects: false)
            let remove = try await SandboxHTTP.send(
                .POST, sandbox.baseURL + "/console/accounts/\(account.number)/users/dev%40example.com/remove",
                headers: session, followRedirects: false)
            let users = try await SandboxHTTP.send(
                .GET, sandbox.baseURL + "/console/accounts/\(account.number)/users", headers: session)
            let token = try await SandboxHTTP.send(.POST, sandbox.baseURL + "/console/token", headers: session)

            // then
            #expect(signIn.status == 303)
            #expect(accounts.text.contains("Users and Access"))
            #expect(invite.status == 303)
            #expect(remove.status == 303)
            #expect(users.text.contains("svc@orchard.example"))
            #expect(users.text.contains("Sales and Reports"))
            #expect(!users.text.contains("dev@example.com"))
            #expect(sandbox.world.invitations(account: account.number).first?.roles == [.sales])
            #expect(token.text.contains("Your new access token"))
            let newToken = try #require(try sandbox.world.user("owner@example.com").token?.value)
            #expect(token.text.contains(newToken))
        }
    }
}
