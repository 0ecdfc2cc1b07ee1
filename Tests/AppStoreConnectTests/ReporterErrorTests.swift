import Foundation
import SalesReports
import Testing

@testable import AppStoreConnect

@Suite("Reporter errors")
struct ReporterErrorTests {
    static let sentence =
        "Report is not available yet. Daily reports for the Americas are available by 5 am Pacific Time; Japan, Australia, and New Zealand by 5 am Japan Standard Time; and 5 am Central European Time for all other territories."

    static let cases: [(TransportResponse, ReporterError)] = [
        (.robotError(404, code: 210, sentence), .notAvailableYet(message: sentence)),
        (.robotError(404, code: 213, "There were no sales for the date specified."), .noSales),
        (.robotError(401, code: 123, "Your Access Token is expired."), .expiredToken),
        (.robotError(401, code: 124, "Your Access Token is invalid."), .invalidToken),
        (.robotError(400, code: 214, "You have access to more than one account."), .accountRequired),
        (.robotError(400, code: 215, "Invalid account number."), .invalidAccount),
        (.robotError(400, code: 200, "Invalid vendor number."), .invalidVendor),
        (.robotError(400, code: 205, "Invalid date."), .invalidParameters(code: 205, message: "Invalid date.")),
        (
            .robotError(400, code: 205, "Reports are available only for past 365 days. Please enter a different date."),
            .reportTooOld(message: "Reports are available only for past 365 days. Please enter a different date.")
        ),
        (.robotError(400, code: 101, "Invalid command."), .invalidParameters(code: 101, message: "Invalid command.")),
        (
            .robotError(429, code: 117, "Too many requests.", headers: [("Retry-After", "30")]),
            .rateLimited(retryAfter: .seconds(30))
        ),
        // Normal mode: plain text without a code; classified by message, then by status.
        (TransportResponse(status: 401, body: Data("Your Access Token is invalid.".utf8)), .invalidToken),
        (TransportResponse(status: 400, body: Data("Your Access Token is expired.".utf8)), .expiredToken),
        (
            TransportResponse(status: 500, body: Data("An unexpected error occurred. Try again later.".utf8)),
            .appleUnavailable(status: 500, message: "An unexpected error occurred. Try again later.")
        ),
        (TransportResponse(status: 503, body: Data()), .appleUnavailable(status: 503, message: "")),
        (TransportResponse(status: 403, body: Data()), .invalidToken),
        (TransportResponse(status: 429, headers: [("Retry-After", "5")]), .rateLimited(retryAfter: .seconds(5))),
        (
            TransportResponse(status: 418, body: Data("teapot".utf8)),
            .unexpectedResponse(status: 418, code: nil, message: "teapot")
        ),
    ]

    @Test("every Apple error is classified by code, then message, then status", arguments: cases)
    func classified(response: TransportResponse, expected: ReporterError) async {
        // given
        let fake = FakeTransport(response)
        let client = ReporterClient(transport: fake.transport, retry: .none)

        // when
        let error = await #expect(throws: ReporterError.self) {
            try await client.salesReport(
                token: ReporterClientTests.token, account: nil,
                request: SalesReportRequest(vendor: "85442109", date: ReporterClientTests.day))
        }

        // then
        #expect(error == expected)
    }

    @Test("an error answered with HTTP 200 is still an error, not a report")
    func errorUnder200() async {
        let fake = FakeTransport(.robotError(200, code: 213, "There were no sales for the date specified."))
        let error = await #expect(throws: ReporterError.self) {
            try await ReporterClient(transport: fake.transport, retry: .none).salesReport(
                token: ReporterClientTests.token, account: nil,
                request: SalesReportRequest(vendor: "1", date: ReporterClientTests.day))
        }
        #expect(error == .noSales)
    }

    @Test("a 210 body with backslash-escaped quotes in its XML declaration reads as not available yet")
    func notAvailableYetFixture() throws {
        // given: `<?xml version=\"1.0\" …?>`, not well-formed as stored, then Apple's 210 error
        let body = try Fixtures.data("reporter-error-210.xml")
        #expect(String(decoding: body, as: UTF8.self).hasPrefix(#"<?xml version=\"1.0\""#))

        // when
        let error = ReporterError.classify(status: 400, body: body, retryAfter: nil)

        // then
        guard case .notAvailableYet(let message) = error else {
            Issue.record("classified as \(error)")
            return
        }
        #expect(message == Self.sentence)
    }
}
