import AppStoreConnect
import AsyncHTTPClient
import Foundation
import HTTPTypes
import HummingbirdTesting
import OrchardCore
import OrchardStorage
import OrchardSync
import OrchardTestSupport
import SQLKit
import Testing

@testable import OrchardWeb

/// Login tokens end (docs/API.md, Authentication): 30 days after their last use, with a password
/// change, or when the caller ends them; named tokens last until revoked; expired ones are deleted.
@Suite("Login tokens end, over real HTTP")
struct LoginTokenTests {
    static func me(_ browser: Browser, _ token: String) async throws -> HTTPResponse.Status {
        try await browser.request("/api/v1/me", headers: [.authorization: "Bearer \(token)"]).status
    }

    static func logIn(_ browser: Browser, _ email: String, _ password: String) async throws -> String {
        let answer = try await browser.request(
            "/api/v1/auth/login", method: .post, json: #"{"email": "\#(email)", "password": "\#(password)"}"#)
        return try #require(answer.json?["token"] as? String)
    }

    @Test(
        "a login token lasts 30 days after its last use, and DELETE /api/v1/auth/token ends it at once",
        arguments: TestBackend.available)
    func slidingExpiry(backend: TestBackend) async throws {
        try await WebHarness.run(backend) { harness, client in
            let browser = Browser(client)
            _ = try await FunnelAPITests.signUp(browser, "ada@example.com")
            let token = try await Self.logIn(browser, "ada@example.com", "a long password here")

            // used on day 29, it lasts until day 59
            harness.clock.advance(by: 29 * 86_400)
            #expect(try await Self.me(browser, token) == .ok)
            harness.clock.advance(by: 29 * 86_400)
            #expect(try await Self.me(browser, token) == .ok)
            // unused for more than 30 days, it is over
            harness.clock.advance(by: 30 * 86_400 + 60)
            #expect(try await Self.me(browser, token) == .unauthorized)

            // a fresh one ends when its caller says so
            let other = try await Self.logIn(browser, "ada@example.com", "a long password here")
            let ended = try await browser.request(
                "/api/v1/auth/token", method: .delete, headers: [.authorization: "Bearer \(other)"])
            #expect(ended.status == .noContent)
            #expect(try await Self.me(browser, other) == .unauthorized)
            #expect(try await browser.request("/api/v1/auth/token", method: .delete).status == .unauthorized)
        }
    }

    @Test(
        "a password change ends every login token and keeps the named tokens the user made",
        arguments: TestBackend.available)
    func passwordChange(backend: TestBackend) async throws {
        try await WebHarness.run(backend) { harness, client in
            // given: Ada signed in in a browser, with a login token and a named token
            let browser = Browser(client)
            _ = try await AccountPageTests.submit(
                browser, "/signup", [("email", "ada@example.com"), ("password", AccountPageTests.password)])
            let login = try await Self.logIn(Browser(client), "ada@example.com", AccountPageTests.password)
            let ada = try #require(
                try await UserStore(database: harness.database).credentials(email: "ada@example.com")?.user)
            let (_, named) = try await SessionStore(database: harness.database).issueToken(
                userID: ada.id, name: "ci", now: harness.clock.now)

            // when: she changes her password on the settings page
            let changed = try await AccountPageTests.submit(
                browser, "/account/password",
                [("current", AccountPageTests.password), ("new", "another long passphrase")])
            #expect(changed.status == .seeOther)

            // then
            #expect(try await Self.me(browser, login) == .unauthorized)
            #expect(try await Self.me(browser, named) == .ok)
        }
    }

    @Test("expired sessions and login tokens are deleted by the every-minute job", arguments: TestBackend.available)
    func expiredDeleted(backend: TestBackend) async throws {
        try await WebHarness.run(backend) { harness, client in
            let browser = Browser(client)
            _ = try await FunnelAPITests.signUp(browser, "ada@example.com")
            _ = try await AccountPageTests.submit(
                Browser(client), "/signup", [("email", "bob@example.com"), ("password", AccountPageTests.password)])
            func count(_ table: String) async throws -> Int {
                try await harness.database.withConnection { connection in
                    try await connection.raw("SELECT COUNT(*) AS n FROM \(unsafeRaw: table)").first()!
                        .decode(column: "n", as: Int.self)
                }
            }
            #expect(try await count("sessions") == 1)
            #expect(try await count("api_tokens") == 1)

            // when: both are past their lifetime and the job runs
            harness.clock.advance(by: 31 * 86_400)
            let keys = harness.keys
            let handlers = syncHandlers(
                database: harness.database, keys: keys, engine: try Self.engine(harness), now: { harness.clock.now },
                logger: TestLogging.logger)
            let queue = JobQueue(database: harness.database)
            _ = try await queue.enqueue(SyncJob.eraseFunnelTokens, runAfter: harness.clock.now, now: harness.clock.now)
            let worker = JobWorker(
                queue: queue, handlers: handlers, now: { harness.clock.now }, logger: TestLogging.logger)
            #expect(try await worker.runNext())

            // then
            #expect(try await count("sessions") == 0)
            #expect(try await count("api_tokens") == 0)
        }
    }

    /// A sync engine on the harness's database (the job handlers need one; this test runs none of its jobs).
    static func engine(_ harness: WebHarness) throws -> SyncEngine {
        SyncEngine(
            database: harness.database,
            reporter: ReporterClient(
                baseURL: URL(string: "http://127.0.0.1:9")!, transport: .asyncHTTPClient(.shared),
                logger: TestLogging.logger),
            service: ServiceIdentity(database: harness.database, keys: harness.keys, configuredToken: nil),
            settings: SyncSettings(), archive: nil, now: { harness.clock.now }, logger: TestLogging.logger)
    }
}
