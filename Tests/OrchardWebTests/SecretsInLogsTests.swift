import ConnectSandbox
import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import OrchardTestSupport
import Synchronization
import Testing

@testable import OrchardWeb

@Suite("Secrets never reach a log line")
struct SecretsInLogsTests {
    @Test("a funnel run and a sign-up logged at trace level contain neither the token nor the password")
    func noSecretsLogged() async throws {
        let capture = CapturedLogs()
        let secrets = Mutex<[String]>([])
        try await WebHarness.run(.sqlite, sandbox: true, logger: capture.logger) { harness, client in
            let sandbox = try #require(harness.sandbox)
            let account = try sandbox.world.createAccount(name: "Acme", apps: 1)
            let (_, token) = try sandbox.world.createUser(appleId: "ada@acme.example", accounts: [account.number])
            let browser = Browser(client)
            let password = "a password nobody logs"
            let signUp = try await browser.request(
                "/api/v1/auth/signup", method: .post, json: #"{"email": "ada@example.com", "password": "\#(password)"}"#
            )
            let bearer = try #require(signUp.json?["token"] as? String)
            let headers: HTTPFields = [.authorization: "Bearer \(bearer)"]
            let validated = try await browser.request(
                "/api/v1/asc/tokens", method: .post, json: #"{"accessToken": "\#(token.value)"}"#, headers: headers)
            let id = try #require((validated.json?["token"] as? [String: Any])?["id"] as? Int)
            secrets.withLock { $0 += [token.value, bearer, password] }
            _ = try await browser.request(
                "/api/v1/asc/tokens", method: .post, json: #"{"accessToken": "\#(token.value)x"}"#, headers: headers)
            _ = try await browser.request(
                "/api/v1/asc/integrations", method: .post,
                json: #"{"tokenId": \#(id), "accounts": ["\#(account.number)"], "invitationConfirmed": true}"#,
                headers: headers)
        }
        let log = capture.text
        #expect(!log.isEmpty)
        #expect(log.contains("/api/v1/asc/tokens"))
        let values = secrets.withLock { $0 }
        #expect(values.count == 3)
        for secret in values { #expect(!log.contains(secret)) }
    }
}
