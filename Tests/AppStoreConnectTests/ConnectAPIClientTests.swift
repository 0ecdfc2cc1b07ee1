import Crypto
import Foundation
import Synchronization
import Testing

@testable import AppStoreConnect

@Suite("App Store Connect API client")
struct ConnectAPIClientTests {
    static let key = ConnectAPIKey(
        keyID: "2X9R4HXF34", issuerID: "57246542-96fe-1a63-e053-0824d011072a", privateKey: .init())
    static let base = URL(string: "http://127.0.0.1:9091")!

    func client(_ fake: FakeTransport, retry: RetryPolicy = .none) -> ConnectAPIClient {
        ConnectAPIClient(baseURL: Self.base, key: Self.key, transport: fake.transport, retry: retry)
    }

    static func json(_ status: Int, _ body: String, headers: [(name: String, value: String)] = []) -> TransportResponse
    {
        TransportResponse(
            status: status, headers: [("Content-Type", "application/json")] + headers, body: Data(body.utf8))
    }

    @Test("lists follow links.next to the end and send a bearer token")
    func pagination() async throws {
        // given
        let fake = FakeTransport(
            Self.json(
                200,
                #"{"data":[{"type":"apps","id":"1","attributes":{"name":"One","bundleId":"a.one","sku":"ONE"}}],"links":{"self":"x","next":"http://127.0.0.1:9091/v1/apps?cursor=Mg&limit=200"}}"#,
                headers: [("X-Rate-Limit", "user-hour-lim:3500;user-hour-rem:499;")]),
            Self.json(
                200,
                #"{"data":[{"type":"apps","id":"2","attributes":{"name":"Two","bundleId":"a.two","sku":"TWO"}}],"links":{"self":"y"}}"#,
                headers: [("X-Rate-Limit", "user-hour-lim:3500;user-hour-rem:498;")]))
        let api = client(fake)

        // when
        let apps = try await api.apps()

        // then
        #expect(apps.map(\.id) == ["1", "2"])
        #expect(apps.map(\.sku) == ["ONE", "TWO"])
        #expect(fake.sent.map(\.url.query) == ["limit=200", "cursor=Mg&limit=200"])
        #expect(fake.sent.allSatisfy { $0.header("Authorization")?.hasPrefix("Bearer ey") == true })
        #expect(await api.rateLimit == RateLimit(limit: 3500, remaining: 498))
    }

    @Test("a next link to another host is refused and the token is not sent there")
    func foreignNextLink() async {
        let fake = FakeTransport(
            Self.json(200, #"{"data":[],"links":{"next":"https://evil.example/v1/users?cursor=1"}}"#))
        await #expect(throws: ConnectAPIError.self) { try await client(fake).users() }
        #expect(fake.sent.count == 1)
    }

    @Test("users and invitations are decoded")
    func usersAndInvitations() async throws {
        let fake = FakeTransport(
            Self.json(
                200,
                #"{"data":[{"type":"users","id":"u1","attributes":{"username":"svc@example.com","roles":["SALES"],"allAppsVisible":true}}]}"#
            ),
            Self.json(
                200,
                #"{"data":[{"type":"userInvitations","id":"i1","attributes":{"email":"svc@example.com","roles":["SALES","FINANCE"],"expirationDate":"2026-11-30T00:00:00Z"}}]}"#
            ))
        let api = client(fake)
        let users = try await api.users()
        let invitations = try await api.userInvitations()
        #expect(users.first?.username == "svc@example.com")
        #expect(users.first?.roles == ["SALES"])
        #expect(invitations.first?.roles == ["SALES", "FINANCE"])
        #expect(invitations.first?.expirationDate == "2026-11-30T00:00:00Z")
    }

    @Test("a sales report is asked for with Apple's filters and returned as gzip")
    func salesReport() async throws {
        let fake = FakeTransport(TransportResponse(status: 200, body: ReporterClientTests.gzip))
        let file = try await client(fake).salesReport(
            ConnectSalesReportQuery(vendorNumber: "85442109", reportDate: "2023-07-18"))
        let request = try #require(fake.sent.first)
        #expect(request.url.path == "/v1/salesReports")
        #expect(
            request.url.query?.removingPercentEncoding
                == "filter[vendorNumber]=85442109&filter[reportType]=SALES&filter[reportSubType]=SUMMARY&filter[frequency]=DAILY&filter[reportDate]=2023-07-18&filter[version]=1_0"
        )
        #expect(request.header("Accept") == "application/a-gzip")
        #expect(file.gzipData == ReporterClientTests.gzip)
    }

    static let errorCases: [(TransportResponse, ConnectAPIError)] = [
        (
            json(
                401,
                #"{"errors":[{"status":"401","code":"NOT_AUTHORIZED","title":"Authentication credentials are missing or invalid.","detail":"Provide a properly configured and signed bearer token."}]}"#
            ),
            .notAuthorized(detail: "Provide a properly configured and signed bearer token.")
        ),
        (
            json(
                403,
                #"{"errors":[{"status":"403","code":"FORBIDDEN_ERROR","title":"This request is forbidden for security reasons","detail":"The API key in use does not allow this request"}]}"#
            ),
            .forbidden(detail: "The API key in use does not allow this request")
        ),
        (
            json(
                404,
                #"{"errors":[{"status":"404","code":"NOT_FOUND","title":"x","detail":"There were no sales for the date specified."}]}"#
            ), .noSales
        ),
        (
            json(
                404,
                #"{"errors":[{"status":"404","code":"NOT_FOUND","title":"x","detail":"Report is not available yet. Try later."}]}"#
            ),
            .notAvailableYet(detail: "Report is not available yet. Try later.")
        ),
        (
            json(
                410,
                #"{"errors":[{"status":"410","code":"GONE","title":"x","detail":"Report is no longer available."}]}"#),
            .reportGone(detail: "Report is no longer available.")
        ),
        (
            json(
                400,
                #"{"errors":[{"status":"400","code":"PARAMETER_ERROR.INVALID","title":"A parameter has an invalid value","detail":"bad version","source":{"parameter":"filter[version]"}}]}"#
            ),
            .invalidRequest(
                status: 400, code: "PARAMETER_ERROR.INVALID", detail: "bad version", parameter: "filter[version]")
        ),
        (
            json(
                429,
                #"{"errors":[{"status":"429","code":"RATE_LIMIT_EXCEEDED","title":"The request rate limit has been reached."}]}"#,
                headers: [("X-Rate-Limit", "user-hour-lim:3500;user-hour-rem:0;"), ("Retry-After", "12")]),
            .rateLimited(retryAfter: .seconds(12), rateLimit: RateLimit(limit: 3500, remaining: 0))
        ),
        (
            json(
                500, #"{"errors":[{"status":"500","code":"UNEXPECTED_ERROR","title":"An unexpected error occurred."}]}"#
            ),
            .appleUnavailable(status: 500, detail: "An unexpected error occurred.")
        ),
        (
            TransportResponse(status: 406, body: Data("Not Acceptable".utf8)),
            .invalidRequest(status: 406, code: "", detail: "Not Acceptable", parameter: nil)
        ),
    ]

    @Test("Apple's ErrorResponse becomes a typed error", arguments: errorCases)
    func errors(response: TransportResponse, expected: ConnectAPIError) async {
        let fake = FakeTransport(response)
        let error = await #expect(throws: ConnectAPIError.self) {
            try await client(fake).salesReport(ConnectSalesReportQuery(vendorNumber: "1", reportDate: "2023-07-18"))
        }
        #expect(error == expected)
    }

    @Test("a pretty-printed PARAMETER_ERROR for filter[version] decodes with its parameter")
    func parameterErrorFixture() throws {
        // a bad report version: Apple's pretty-printing ("key" : value), the latest version in the detail
        let body = try Fixtures.data("connect-api-parameter-error.json")
        let error = ConnectAPIError.classify(TransportResponse(status: 400, body: body), isReport: true)
        guard case .invalidRequest(400, "PARAMETER_ERROR.INVALID", let detail, "filter[version]") = error else {
            Issue.record("classified as \(error)")
            return
        }
        #expect(detail.hasSuffix("The latest version for this report is 1_0."))
    }

    @Test("429 is retried after Retry-After; 401 is not")
    func retries() async throws {
        let waits = Mutex<[Duration]>([])
        let retry = RetryPolicy(maxAttempts: 3, random: { 0 }) { duration in waits.withLock { $0.append(duration) } }
        let limited = Self.json(
            429, #"{"errors":[{"status":"429","code":"RATE_LIMIT_EXCEEDED","title":"limit"}]}"#,
            headers: [("Retry-After", "3")])
        let fake = FakeTransport(limited, Self.json(200, #"{"data":[]}"#))
        #expect(try await client(fake, retry: retry).apps().isEmpty)
        #expect(waits.withLock { $0 } == [.seconds(3)])

        let unauthorized = FakeTransport(
            Self.json(401, #"{"errors":[{"status":"401","code":"NOT_AUTHORIZED","title":"no"}]}"#))
        await #expect(throws: ConnectAPIError.self) { try await client(unauthorized, retry: retry).apps() }
        #expect(unauthorized.sent.count == 1)
    }

    @Test(
        "X-Rate-Limit headers are parsed",
        arguments: ["user-hour-lim:3500;user-hour-rem:500;", " user-hour-rem:500 ; user-hour-lim:3500"])
    func rateLimitHeader(text: String) {
        #expect(RateLimit(header: text) == RateLimit(limit: 3500, remaining: 500))
        #expect(RateLimit(header: "user-hour-lim:3500") == nil)
    }
}
