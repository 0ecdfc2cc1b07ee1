import Foundation
import SalesReports
import Testing

@testable import AppStoreConnect

@Suite("Retries")
struct RetryTests {
    let request = SalesReportRequest(vendor: "85442109", date: ReporterClientTests.day)

    func client(_ fake: FakeTransport, _ sleeps: RecordedSleeps) -> ReporterClient {
        ReporterClient(transport: fake.transport, retry: sleeps.policy)
    }

    @Test("Apple's 5xx and timeouts are retried with exponential backoff and jitter")
    func transientRetried() async throws {
        // given
        let sleeps = RecordedSleeps()
        let fake = FakeTransport([
            .success(TransportResponse(status: 503)), .failure(.timedOut),
            .success(TransportResponse(status: 200, body: ReporterClientTests.gzip)),
        ])

        // when
        let file = try await client(fake, sleeps).salesReport(
            token: ReporterClientTests.token, account: nil, request: request)

        // then
        #expect(file.gzipData == ReporterClientTests.gzip)
        #expect(fake.sent.count == 3)
        // random() = 0.5: half the backoff fixed plus a quarter: 0.75 s, then 1.5 s.
        #expect(sleeps.all == [.milliseconds(750), .milliseconds(1_500)])
    }

    @Test("Retry-After is honoured on 429")
    func retryAfterHonoured() async throws {
        let sleeps = RecordedSleeps()
        let fake = FakeTransport(
            .robotError(429, code: 117, "Too many requests", headers: [("Retry-After", "7")]),
            .xml(200, "<Vendors><Vendor>1</Vendor></Vendors>"))
        let vendors = try await client(fake, sleeps).vendors(token: ReporterClientTests.token, account: nil)
        #expect(vendors == ["1"])
        #expect(sleeps.all == [.seconds(7)])
    }

    @Test(
        "answers about credentials, parameters or data are never retried",
        arguments: [
            TransportResponse.robotError(401, code: 124, "Your Access Token is invalid."),
            .robotError(401, code: 123, "Your Access Token is expired."),
            .robotError(404, code: 213, "There were no sales for the date specified."),
            .robotError(404, code: 210, "Report is not available yet."),
            .robotError(400, code: 215, "Invalid account."),
        ])
    func notRetried(response: TransportResponse) async {
        let sleeps = RecordedSleeps()
        let fake = FakeTransport(response, response)
        await #expect(throws: ReporterError.self) {
            try await client(fake, sleeps).salesReport(token: ReporterClientTests.token, account: nil, request: request)
        }
        #expect(fake.sent.count == 1)
        #expect(sleeps.all.isEmpty)
    }

    @Test("attempts are bounded; the last error is reported")
    func bounded() async {
        let sleeps = RecordedSleeps()
        let fake = FakeTransport(Array(repeating: .success(TransportResponse(status: 502)), count: 10))
        let error = await #expect(throws: ReporterError.self) {
            try await client(fake, sleeps).accounts(token: ReporterClientTests.token)
        }
        #expect(error == .appleUnavailable(status: 502, message: ""))
        #expect(fake.sent.count == 4)
        #expect(sleeps.all.count == 3)
    }

    @Test("backoff doubles up to the cap and never exceeds it")
    func backoffCapped() {
        let policy = RetryPolicy(baseDelay: .seconds(1), maxDelay: .seconds(10), random: { 0.999 })
        let delays = (1...8).map { policy.delay(afterAttempt: $0, retryAfter: nil) }
        #expect(delays.allSatisfy { $0 <= .seconds(10) })
        #expect(delays[0] < delays[1] && delays[1] < delays[2])
        #expect(policy.delay(afterAttempt: 1, retryAfter: .seconds(600)) == .seconds(10))
    }
}
