import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import OrchardCore
import OrchardStorage
import OrchardTestSupport
import SQLKit
import SalesReports
import Testing

@testable import OrchardWeb

/// The payouts API, CSV and page as a user meets them (docs/PAYOUTS.md, docs/API.md Payouts): a
/// fiscal month with its Financial report is final, its difference from the daily estimate in
/// parts; a closed month without one is estimated and names the account; another user's account is
/// a 404 and a wrong year a clear error.
@Suite("Payouts API and page")
struct PayoutsAPITests {
    /// FY2027 period 1: 2026-09-27 to 2026-10-31; the harness's newest report day is 2026-11-28,
    /// the last day of period 2.
    static let october = FiscalPeriod(year: 2027, period: 1)!
    static let day = ReportDate(year: 2026, month: 10, day: 10)!

    /// Ten Notes sold at 0.70 USD and one refunded on the 10th; the US Financial report of October
    /// books the ten and two returns: 10 × 0.70 − 2 × 0.70 = 5.60.
    static let financial = """
        Start Date\tEnd Date\tUPC\tISRC/ISBN\tVendor Identifier\tQuantity\tPartner Share\tExtended Partner Share\tPartner Share Currency\tSales or Return\tApple Identifier\tArtist/Show/Developer/Author\tTitle\tLabel/Studio/Network/Developer/Publisher\tGrid\tProduct Type Identifier\tISAN/Other Identifier\tCountry Of Sale\tPre-order Flag\tPromo Code\tCustomer Price\tCustomer Currency
        09/27/2026\t10/31/2026\t\t\tNOTES\t10\t0.70\t7.00\tUSD\tS\t100\tAcme\tNotes\tAcme\t\t1F\t\tUS\t\t\t0.99\tUSD
        09/27/2026\t10/31/2026\t\t\tNOTES\t-2\t0.70\t-1.40\tUSD\tR\t100\tAcme\tNotes\tAcme\t\t1F\t\tUS\t\t\t0.99\tUSD
        Total_Rows\t2
        Total_Amount\t5.60
        Total_Units\t8

        """

    static func prepare(_ harness: WebHarness, _ browser: Browser, in directory: URL) async throws
        -> (ada: HTTPFields, eve: HTTPFields)
    {
        let stores = StoreAccountStore(database: harness.database)
        try await stores.register(number: "1234", name: "Acme Games", vendors: ["85442109"], now: WebHarness.start)
        _ = try await stores.markAccessible(number: "1234", now: WebHarness.start)
        let ingestor = ReportIngestor(database: harness.database, archive: nil, logger: TestLogging.logger)
        let sales = try SalesFileBuilder.write(
            [
                SalesFileBuilder.row(
                    sku: "NOTES", type: "1F", units: 10, proceeds: "0.70", price: "0.99", appleIdentifier: "100",
                    title: "Notes", day: day),
                SalesFileBuilder.row(
                    sku: "NOTES", type: "1F", units: -1, proceeds: "0.70", price: "-0.99", appleIdentifier: "100",
                    title: "Notes", day: day),
            ], day: day, in: directory)
        _ = try await ingestor.ingest(
            .file(path: sales),
            identity: ReportIdentity(
                accountNumber: "1234", vendor: "85442109", type: .sales, frequency: .daily, date: day),
            now: WebHarness.start)
        _ = try await ingestor.ingest(
            .bytes(Data(financial.utf8), name: "85442109_1026_US.txt"),
            identity: .financial(accountNumber: "1234", vendor: "85442109", region: "US", period: october),
            now: WebHarness.start)
        let ada = try await FunnelAPITests.signUp(browser, "ada@example.com")
        let eve = try await FunnelAPITests.signUp(browser, "eve@example.com")
        let adaID = try #require(
            (try await browser.request("/api/v1/me", headers: ada).json?["user"] as? [String: Any])?["id"] as? Int)
        _ = try await IntegrationStore(database: harness.database).create(
            userID: Int64(adaID), accountNumber: "1234", now: WebHarness.start)
        return (ada, eve)
    }

    @Test(
        "final and estimate per fiscal month, the difference in parts, the CSV and the page",
        arguments: TestBackend.available)
    func payouts(backend: TestBackend) async throws {
        // With the sandbox: the integrations' pages and API are served only with a Reporter to ask.
        try await WebHarness.run(backend, sandbox: true) { harness, client in
            try await withTemporaryDirectory { directory in
                let browser = Browser(client)
                let (ada, eve) = try await Self.prepare(harness, browser, in: directory)

                // when
                let answer = try #require(
                    try await browser.request("/api/v1/payouts?fiscalYear=2027&currency=USD", headers: ada).json)

                // then: November (period 2) closed without its report, October final
                #expect(answer["fiscalYear"] as? Int == 2027)
                let months = try #require(answer["months"] as? [[String: Any]])
                #expect(months.map { $0["name"] as? String } == ["November 2026", "October 2026"])
                #expect(months[0]["status"] as? String == "estimated")
                #expect(months[0]["waitingFor"] as? [String] == ["Acme Games"])
                let october = months[1]
                #expect(october["status"] as? String == "final")
                #expect(october["start"] as? String == "2026-09-27" && october["end"] as? String == "2026-10-31")
                #expect(october["paymentDueBy"] as? String == "2026-12-15")
                let usd = try #require((october["currencies"] as? [[String: Any]])?.first)
                let final = try #require(usd["final"] as? [String: Any])
                #expect(final["proceeds"] as? String == "5.60")
                #expect(final["units"] as? Int == 8)
                #expect(final["returns"] as? Int == 2)
                #expect(final["returnsProceeds"] as? String == "-1.40")
                let estimate = try #require(usd["estimate"] as? [String: Any])
                #expect(estimate["proceeds"] as? String == "6.30")
                #expect(estimate["returns"] as? Int == 1)
                #expect(usd["difference"] as? String == "-0.70")
                let parts = try #require(usd["parts"] as? [[String: Any]])
                #expect(
                    parts.map { "\($0["kind"] ?? "") \($0["estimate"] ?? "") \($0["final"] ?? "")" } == [
                        "returns -0.70 -1.40"
                    ])
                let total = try #require(october["total"] as? [String: Any])
                #expect(total["amount"] as? String == "5.60" && total["basis"] as? String == "final")
                #expect(answer["forecast"] is NSNull)

                // the CSV: a row per month and currency
                let csv = try await browser.request("/api/v1/payouts/export.csv?fiscalYear=2027", headers: ada)
                #expect(csv.status == .ok)
                let lines = csv.text.split(separator: "\r\n").map(String.init)
                #expect(lines.first == PayoutsController.csvHeader.joined(separator: ","))
                #expect(
                    lines.contains(
                        "2027,1,October 2026,2026-09-27,2026-10-31,final,USD,5.60,8,2,6.30,9,1,-0.70,2026-12-15"))

                // the page shows the same figures
                let page = try await browser.request("/payouts?fiscalYear=2027", headers: ada)
                #expect(page.status == .ok)
                #expect(page.text.contains("October 2026") && page.text.contains("5.60") && page.text.contains("Final"))
                #expect(page.text.contains("Why October 2026 differs from its estimate"))

                // the account page says whether Orchard reads the Financial reports, and how to let it
                let integration = try await harness.database.withConnection { connection in
                    try await connection.raw("SELECT id FROM integrations").first()!.decode(
                        column: "id", as: Int64.self)
                }
                let before = try await browser.request("/api/v1/integrations/\(integration)", headers: ada).json
                #expect(before?["financialReports"] as? String == "not_checked")
                try await FinanceAccess(granted: false, regions: [], checkedAt: WebHarness.start).record(
                    accountNumber: "1234", in: InstanceSettings(database: harness.database))
                let after = try await browser.request("/api/v1/integrations/\(integration)", headers: ada).json
                #expect(after?["financialReports"] as? String == "needs_finance_role")
                let accountPage = try await browser.request("/integrations/\(integration)", headers: ada)
                #expect(accountPage.text.contains("Financial reports need the Finance role"))
                #expect(accountPage.text.contains("tick Finance"))
                let payoutsPage = try await browser.request("/payouts", headers: ada)
                #expect(payoutsPage.text.contains("Financial reports need the Finance role"))

                // another user's account is not found; a wrong year is said
                #expect(try await browser.request("/api/v1/payouts?account=1234", headers: eve).status == .notFound)
                let wrong = try await browser.request("/api/v1/payouts?fiscalYear=27", headers: ada)
                #expect(wrong.status == .unprocessableContent)
                #expect(wrong.text.contains("fiscalYear"))
            }
        }
    }
}
