import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import OrchardApp
import OrchardCore
import OrchardTestSupport
import Testing

@testable import OrchardWeb

/// The sign-in throttle counts an attempt before the password is hashed, holds a bounded table,
/// and refuses addresses no mail system has (docs/API.md, Errors).
@Suite("Sign-in throttle under load")
struct SignInThrottleTests {
    @Test("20 wrong passwords sent at once: five are answered 401, the others 429")
    func concurrentGuesses() async throws {
        try await WebHarness.run(.sqlite) { _, client in
            let browser = Browser(client)
            _ = try await FunnelAPITests.signUp(browser, "ada@example.com")
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for _ in 0..<20 {
                    group.addTask {
                        try await Browser(client).request(
                            "/api/v1/auth/login", method: .post,
                            json: #"{"email": "ada@example.com", "password": "guess guess guess"}"#
                        ).status
                    }
                }
                return try await group.reduce(into: [HTTPResponse.Status]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .unauthorized }.count == 5)
            #expect(statuses.filter { $0 == .tooManyRequests }.count == 15)
        }
    }

    @Test("the table keeps at most its capacity, and a 900 KB address is refused before it is kept")
    func bounded() async throws {
        let clock = ManualClock(Date(timeIntervalSince1970: 1_800_000_000))
        let throttle = SignInThrottle(now: { clock.now })
        for index in 0..<(SignInThrottle.capacity + 500) {
            _ = await throttle.reserve(email: "user\(index)@example.com", address: nil)
        }
        #expect(await throttle.count <= SignInThrottle.capacity)

        try await WebHarness.run(.sqlite) { _, client in
            let huge = String(repeating: "a", count: 900_000) + "@example.com"
            let answer = try await Browser(client).request(
                "/api/v1/auth/login", method: .post, json: #"{"email": "\#(huge)", "password": "whatever it is"}"#)
            #expect(answer.status == .unauthorized)
            #expect(answer.apiError?.code == "invalid_credentials")
            #expect(!answer.text.contains("aaaa"))
        }
    }
}

/// `X-Forwarded-For` counts only from `ORCHARD_TRUSTED_PROXIES` (docs/SETTINGS.md).
@Suite("The client's address behind a trusted proxy")
struct ClientAddressTests {
    @Test("from a trusted proxy, the nearest untrusted X-Forwarded-For entry; from anyone else, the peer")
    func resolution() {
        let client = ClientAddress(trustedProxies: ["10.0.0.1", "10.0.0.2"])
        func request(_ forwarded: String?) -> Request {
            var head = HTTPRequest(method: .post, scheme: "http", authority: "orchard", path: "/signin")
            if let forwarded { head.headerFields[HTTPField.Name("X-Forwarded-For")!] = forwarded }
            return Request(head: head, body: .init(buffer: ByteBuffer()))
        }
        #expect(client.of(request("198.51.100.9, 203.0.113.5"), peer: "10.0.0.1") == "203.0.113.5")
        #expect(client.of(request("203.0.113.5, 10.0.0.2"), peer: "10.0.0.1") == "203.0.113.5")
        #expect(client.of(request("203.0.113.5"), peer: "192.0.2.1") == "192.0.2.1")
        #expect(client.of(request(nil), peer: "10.0.0.1") == "10.0.0.1")
        #expect(client.of(request("10.0.0.2"), peer: "10.0.0.1") == "10.0.0.1")
    }

    @Test(
        "behind a trusted proxy one attacker's failures lock only their own address; without one, X-Forwarded-For is ignored"
    )
    func perClient() async throws {
        var settings = Settings()
        settings.trustedProxies = ["127.0.0.1", "::1"]
        try await WebHarness.run(.sqlite, settings: settings) { _, client in
            let browser = Browser(client)
            _ = try await FunnelAPITests.signUp(browser, "bob@example.com")
            func logIn(_ email: String, _ password: String, from address: String) async throws -> HTTPResponse.Status {
                try await browser.request(
                    "/api/v1/auth/login", method: .post,
                    json: #"{"email": "\#(email)", "password": "\#(password)"}"#,
                    headers: [HTTPField.Name("X-Forwarded-For")!: address]
                ).status
            }
            for index in 0..<6 {
                _ = try await logIn("victim\(index)@example.com", "guess guess guess", from: "203.0.113.66")
            }
            #expect(
                try await logIn("bob@example.com", "a long password here", from: "203.0.113.66") == .tooManyRequests)
            #expect(try await logIn("bob@example.com", "a long password here", from: "198.51.100.7") == .ok)
        }
        // without trusted proxies the header is the client's own claim: ignored
        #expect(
            ClientAddress(trustedProxies: []).of(
                Request(
                    head: HTTPRequest(
                        method: .post, scheme: "http", authority: "orchard", path: "/signin",
                        headerFields: [HTTPField.Name("X-Forwarded-For")!: "203.0.113.5"]),
                    body: .init(buffer: ByteBuffer())), peer: "127.0.0.1") == "127.0.0.1")
    }
}

/// Sign-ups cost a bcrypt hash each and make accounts: an address gets twenty at once.
@Suite("Sign-up throttle")
struct SignUpThrottleTests {
    @Test("the 21st sign-up from one address waits, with Retry-After; another address does not")
    func perAddress() async throws {
        var settings = Settings()
        settings.trustedProxies = ["127.0.0.1", "::1"]
        try await WebHarness.run(.sqlite, settings: settings) { harness, client in
            let browser = Browser(client)
            func signUp(_ index: Int, from address: String) async throws -> TestResponse {
                try await browser.request(
                    "/api/v1/auth/signup", method: .post,
                    json: #"{"email": "user\#(index)@example.com", "password": "a long password here"}"#,
                    headers: [HTTPField.Name("X-Forwarded-For")!: address])
            }
            for index in 0..<20 {
                #expect(try await signUp(index, from: "203.0.113.9").status == .created)
            }
            let refused = try await signUp(20, from: "203.0.113.9")
            #expect(refused.status == .tooManyRequests)
            #expect(refused.apiError?.code == "too_many_attempts")
            #expect(refused.headers[.retryAfter] == "2")
            #expect(try await signUp(21, from: "198.51.100.4").status == .created)
            harness.clock.advance(by: 2)
            #expect(try await signUp(22, from: "203.0.113.9").status == .created)
        }
    }
}
