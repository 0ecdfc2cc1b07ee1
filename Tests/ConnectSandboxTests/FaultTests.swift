import AsyncHTTPClient
import ConnectSandbox
import Foundation
import NIOCore
import NIOHTTP1
import OrchardTestSupport
import SalesReports
import Testing

/// Fault injection through PUT /sandbox/v1/faults, on Apple's paths only.
@Suite("Fault injection")
struct FaultTests {
    static let now = ReporterProtocolTests.now

    private func withFaults(
        _ json: String, _ body: @Sendable (SandboxServer, String, String) async throws -> Void
    ) async throws {
        try await SandboxServer.withRunning(now: Self.now) { sandbox in
            let (account, token) = try sandbox.makeAccountWithUser(apps: 3)
            let set = try await SandboxHTTP.json(.PUT, "\(sandbox.baseURL)/sandbox/v1/faults", json)
            #expect(set.status == 200)
            try await body(sandbox, token, "Sales.getReport, \(account.vendors[0]),Sales,Summary,Daily,20260308")
        }
    }

    @Test("errorRate 1: HTTP 500 with Apple's sentence; the control API is untouched")
    func serverErrors() async throws {
        try await withFaults(#"{"errorRate":1}"#) { sandbox, token, query in
            let answer = try await SandboxHTTP.reporter(sandbox, token: token, query: query)
            #expect(answer.status == 500)
            #expect(answer.text.contains("An unexpected error occurred. Try again later."))
            #expect(try await SandboxHTTP.json(.GET, "\(sandbox.baseURL)/sandbox/v1/state").status == 200)
        }
    }

    @Test("rateLimitRate 1: 429, code 117 and Retry-After")
    func rateLimited() async throws {
        try await withFaults(#"{"rateLimitRate":1,"retryAfterSeconds":7}"#) { sandbox, token, query in
            let answer = try await SandboxHTTP.reporter(sandbox, token: token, query: query)
            #expect(answer.status == 429)
            #expect(answer.header("Retry-After") == "7")
            #expect(answer.text.contains("<Code>117</Code>"))
        }
    }

    @Test("truncateRate and corruptRate 1: the gzip body cannot be read completely")
    func damagedBodies() async throws {
        for faults in [#"{"truncateRate":1}"#, #"{"corruptRate":1}"#] {
            try await withFaults(faults) { sandbox, token, query in
                let answer = try await SandboxHTTP.reporter(sandbox, token: token, query: query)
                #expect(answer.status == 200)
                #expect(Array(answer.body.prefix(2)) == [0x1f, 0x8b])
                #expect(throws: ReportError.self) { _ = try SandboxHTTP.records(answer.body) }
            }
        }
    }

    @Test(
        "emptyListingRate and htmlRate 1: the account listing is 200 with <Accounts/> or an HTML page; vendors still answer"
    )
    func spoiledListings() async throws {
        for (faults, expected) in [
            (#"{"emptyListingRate":1}"#, "<Accounts></Accounts>"), (#"{"htmlRate":1}"#, "<html>"),
        ] {
            try await withFaults(faults) { sandbox, token, _ in
                let listing = try await SandboxHTTP.reporter(sandbox, token: token, query: "Sales.getAccounts")
                #expect(listing.status == 200)
                #expect(listing.text.contains(expected))
                #expect(!listing.text.contains("<Account>"))
                let vendors = try await SandboxHTTP.reporter(sandbox, token: token, query: "Sales.getVendors")
                #expect(vendors.status == 200)
                #expect(vendors.text.contains("<Vendor>"))
            }
        }
    }

    @Test("timeoutRate 1: the request hangs past the client's timeout")
    func timeouts() async throws {
        // The sandbox hangs far longer than the client waits, then answers 504: the client's own
        // deadline error, not a wall-clock bound (a loaded machine once took 9 s to deliver it), shows it
        // gave up first.
        try await withFaults(#"{"timeoutRate":1,"timeoutSeconds":10}"#) { sandbox, token, query in
            await #expect(throws: HTTPClientError.deadlineExceeded) {
                _ = try await SandboxHTTP.send(
                    .POST, "\(sandbox.baseURL)/reportservice/sales/v1", body: "jsonRequest={}",
                    timeout: .milliseconds(300))
            }
        }
    }

    @Test("latencyMs delays Apple's paths")
    func latency() async throws {
        try await withFaults(#"{"latencyMs":300}"#) { sandbox, token, query in
            let start = ContinuousClock.now
            let answer = try await SandboxHTTP.reporter(sandbox, token: token, query: "Sales.getAccounts")
            #expect(answer.status == 200)
            #expect(ContinuousClock.now - start >= .milliseconds(300))
        }
    }
}
