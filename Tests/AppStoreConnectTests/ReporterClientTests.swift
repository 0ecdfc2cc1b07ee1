import Foundation
import OrchardTestSupport
import SalesReports
import Testing

@testable import AppStoreConnect

@Suite("Reporter client")
struct ReporterClientTests {
    static let token = ReporterAccessToken("4fbd6016-439d-4cef-a72e-5c465f8343d4")
    static let day = ReportDate(year: 2023, month: 7, day: 18)!
    /// gzip of a two-line report, as Apple sends report bodies.
    static let gzip = Data([
        0x1F, 0x8B, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0x0B, 0x28, 0xCA, 0x2F, 0xCB, 0x4C, 0x49, 0x2D,
        0xE2, 0x0C, 0x80, 0x32, 0x14, 0x9C, 0xF3, 0x4B, 0xF3, 0x4A, 0x8A, 0x2A, 0x39, 0x83, 0xBD, 0x43, 0xB9, 0x1C,
        0x03, 0x02, 0x7C, 0x5C, 0x39, 0x43, 0x83, 0x39, 0x13, 0x0B, 0x0A, 0xF4, 0x8A, 0xB3, 0x4B, 0xB9, 0x00, 0x7A,
        0xC6, 0x94, 0xE4, 0x2F, 0x00, 0x00, 0x00,
    ])

    func client(_ fake: FakeTransport, retry: RetryPolicy = .none, logs: CapturedLogs = CapturedLogs())
        -> ReporterClient
    {
        ReporterClient(
            baseURL: URL(string: "http://127.0.0.1:9090")!, transport: fake.transport, retry: retry, logger: logs.logger
        )
    }

    @Test("a report request is a form POST of jsonRequest, as Apple's tools send it")
    func requestShape() async throws {
        // given
        let fake = FakeTransport(
            TransportResponse(status: 200, headers: [("filename", "S_D_85442109_20230718.txt.gz")], body: Self.gzip))

        // when
        let file = try await client(fake).salesReport(
            token: Self.token, account: "2821955", request: SalesReportRequest(vendor: "85442109", date: Self.day))

        // then
        let request = try #require(fake.sent.first)
        #expect(request.method == .post)
        #expect(request.url.absoluteString == "http://127.0.0.1:9090/reportservice/sales/v1")
        #expect(request.header("Content-Type") == "application/x-www-form-urlencoded")
        let json = try #require(request.reporterJSON)
        #expect(json["accesstoken"] == Self.token.secret)
        #expect(json["mode"] == "Robot.XML")
        #expect(json["version"] == "2.2")
        #expect(json["account"] == "2821955")
        #expect(json["queryInput"] == "[p=Reporter.properties, Sales.getReport, 85442109,Sales,Summary,Daily,20230718]")
        #expect(file == ReportFile(fileName: "S_D_85442109_20230718.txt.gz", gzipData: Self.gzip))
    }

    @Test("no account field is sent when none is given (an empty one makes Apple answer 404)")
    func accountOmitted() async throws {
        let fake = FakeTransport(.xml(200, "<Accounts><Account><Name>A</Name><Number>1</Number></Account></Accounts>"))
        _ = try await client(fake).accounts(token: Self.token)
        let json = try #require(fake.sent.first?.reporterJSON)
        #expect(json["account"] == nil)
        #expect(json["queryInput"] == "[p=Reporter.properties, Sales.getAccounts]")
    }

    @Test("accounts, vendors and vendors-and-regions are read from Robot.XML")
    func documents() async throws {
        // given
        let fake = FakeTransport(
            .xml(
                200,
                """
                <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
                <Accounts><Account><Name>iScreen Corporation</Name><Number>888888</Number></Account>
                <Account><Name>Caf&#233; &amp; Co</Name><Number>999999</Number></Account></Accounts>
                """),
            .xml(200, "<Vendors><Vendor>88888888</Vendor>\n<Vendor>88888889</Vendor></Vendors>"),
            .xml(
                200,
                """
                <VendorsAndRegions><Vendor><Number>80012345</Number>
                <Region><Code>US</Code><Reports><Report>Financial</Report></Reports></Region>
                <Region><Code>EU</Code><Reports><Report>Financial</Report></Reports></Region></Vendor></VendorsAndRegions>
                """))
        let reporter = client(fake)

        // when
        let accounts = try await reporter.accounts(token: Self.token)
        let vendors = try await reporter.vendors(token: Self.token, account: "888888")
        let regions = try await reporter.vendorsAndRegions(token: Self.token, account: "888888")

        // then
        #expect(
            accounts == [
                .init(number: "888888", name: "iScreen Corporation"), .init(number: "999999", name: "Café & Co"),
            ])
        #expect(vendors == ["88888888", "88888889"])
        #expect(regions.map(\.vendor) == ["80012345"])
        #expect(regions.first?.regions.map(\.code) == ["US", "EU"])
        #expect(fake.sent[2].url.path == "/reportservice/finance/v1")
        #expect(fake.sent[2].reporterJSON?["queryInput"] == "[p=Reporter.properties, Finance.getVendorsAndRegions]")
    }

    @Test("a missing or unsafe filename header falls back to Apple's naming")
    func fileNames() async throws {
        let fake = FakeTransport(
            TransportResponse(status: 200, body: Self.gzip),
            TransportResponse(status: 200, headers: [("filename", "../../etc/passwd")], body: Self.gzip))
        let reporter = client(fake)
        let weekly = SalesReportRequest(vendor: "85442109", frequency: .weekly, date: Self.day)
        let first = try await reporter.salesReport(token: Self.token, account: nil, request: weekly)
        let second = try await reporter.salesReport(token: Self.token, account: nil, request: weekly)
        #expect(first.fileName == "S_W_85442109_20230723.txt.gz")
        #expect(second.fileName == "S_W_85442109_20230723.txt.gz")
    }

    @Test(
        "report dates follow Apple's rules",
        arguments: [
            (ReportFrequency.daily, "20230718"), (.weekly, "20230723"), (.monthly, "202307"), (.yearly, "2023"),
        ])
    func reportDates(frequency: ReportFrequency, expected: String) {
        #expect(SalesReportRequest(vendor: "1", frequency: frequency, date: Self.day).reporterDate == expected)
    }

    @Test("a Sunday asks for its own week; subscription reports carry version 1_3")
    func sundayAndVersion() {
        let sunday = ReportDate(year: 2023, month: 7, day: 23)!
        #expect(SalesReportRequest(vendor: "1", frequency: .weekly, date: sunday).reporterDate == "20230723")
        let newYear = ReportDate(year: 2024, month: 12, day: 30)!
        #expect(SalesReportRequest(vendor: "1", frequency: .weekly, date: newYear).reporterDate == "20250105")
        let subscription = SalesReportRequest(vendor: "1", type: .subscriber, date: Self.day)
        #expect(subscription.arguments == ["1", "Subscriber", "Detailed", "Daily", "20230718", "1_3"])
    }

    @Test("requests Apple would refuse are refused before sending")
    func refusedLocally() async {
        let fake = FakeTransport()
        let monthlySubscription = SalesReportRequest(
            vendor: "1", type: .subscription, frequency: .monthly, date: Self.day)
        await #expect(throws: ReporterError.self) {
            try await client(fake).salesReport(token: Self.token, account: nil, request: monthlySubscription)
        }
        await #expect(throws: ReporterError.self) {
            try await client(fake).salesReport(
                token: Self.token, account: nil, request: SalesReportRequest(vendor: "12a", date: Self.day))
        }
        #expect(fake.sent.isEmpty)
    }

    /// 200 answers that are not a listing, as Apple's servers have sent them.
    static let notListings: [String] = [
        "<!DOCTYPE html><html><head><title>Maintenance</title></head><body><p>We'll be back soon.</p></body></html>",
        "<html><body>Service Temporarily Unavailable</body></html>",
        "",
        "<Status><Code>0</Code><Message>Sales and Trends is up</Message></Status>",
    ]

    @Test(
        "a listing is read only from its own root: anything else in a 200 is Apple failing (transient), never an empty list",
        arguments: notListings)
    func listingsNeedTheirRoot(body: String) async throws {
        // when / then: the service's account listing and an account's vendors
        let accounts = await #expect(throws: ReporterError.self) {
            try await client(FakeTransport(.xml(200, body))).accounts(token: Self.token)
        }
        let vendors = await #expect(throws: ReporterError.self) {
            try await client(FakeTransport(.xml(200, body))).vendors(token: Self.token, account: "1")
        }
        for error in [accounts, vendors] {
            guard case .appleUnavailable(200, let message) = error else {
                Issue.record("\(String(describing: error)) is not Apple failing")
                continue
            }
            #expect(message.contains("was expected"))
            #expect(error?.isTransient == true)
        }
    }

    @Test("an empty listing with its root is a real answer; an error in a 200 keeps its meaning")
    func emptyListingsAndErrors() async throws {
        // when
        let none = try await client(FakeTransport(.xml(200, "<Accounts/>"))).accounts(token: Self.token)
        let noVendors = try await client(FakeTransport(.xml(200, "<Vendors></Vendors>"))).vendors(
            token: Self.token, account: "1")
        let refused = await #expect(throws: ReporterError.self) {
            try await client(FakeTransport(.robotError(200, code: 124, "Your Access Token is invalid."))).accounts(
                token: Self.token)
        }

        // then
        #expect(none.isEmpty)
        #expect(noVendors.isEmpty)
        #expect(refused == .invalidToken)
    }
}
