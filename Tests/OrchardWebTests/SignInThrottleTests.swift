import Foundation
import HTTPTypes
import HummingbirdTesting
import OrchardApp
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
