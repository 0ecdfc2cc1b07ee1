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

/// The subscriptions API and page as a user meets them (docs/API.md, Subscriptions): figures by the
/// definitions of docs/SUBSCRIPTIONS.md over two days of reports, `null` where nothing is held, the
/// CSV, the tenant boundary and a wrong parameter.
@Suite("Subscriptions API and page")
struct SubscriptionsAPITests {
    static let first = ReportDate(year: 2026, month: 11, day: 27)!
    static let second = ReportDate(year: 2026, month: 11, day: 28)!
    static let rates = "Date,USD,GBP\n2026-11-27,1.1000,0.8800\n2026-11-26,1.0500,0.8700\n"

    static func states(paid: Int) -> String {
        """
        App Name\tApp Apple ID\tSubscription Name\tSubscription Apple ID\tStandard Subscription Duration\tDeveloper Proceeds\tProceeds Currency\tCountry\tActive Standard Price Subscriptions\tActive Free Trial Introductory Offer Subscriptions\tBilling Retry\tGrace Period
        Notes\t100\tPro Monthly\t200\t1 Month\t3.49\tUSD\tUS\t\(paid)\t4\t1\t0
        Notes\t100\tPro Yearly\t201\t1 Year\t24.00\tEUR\tDE\t6\t0\t0\t1

        """
    }

    static let events = """
        Event Date\tEvent\tApp Name\tApp Apple ID\tSubscription Apple ID\tSubscription Offer Type\tOriginal Start Date\tCountry\tQuantity
        2026-11-28\tSubscribe\tNotes\t100\t200\t\t2026-11-28\tUS\t3
        2026-11-28\tCancel\tNotes\t100\t200\t\t\tUS\t2
        2026-11-28\tStart Introductory Offer\tNotes\t100\t200\tFree Trial\t2026-11-28\tUS\t4
        2026-11-28\tCrossgrade\tNotes\t100\t200\t\t\tUS\t1

        """

    /// Account 1234 is active for Ada with the Subscription reports of the 27th (10 paid monthly) and
    /// the 28th (12), and the Subscription Event report of the 28th; Eve has none.
    static func prepare(_ harness: WebHarness, _ browser: Browser, in directory: URL) async throws
        -> (ada: HTTPFields, eve: HTTPFields)
    {
        let ratesPath = directory.appendingPathComponent("rates.csv").path
        try rates.write(toFile: ratesPath, atomically: true, encoding: .utf8)
        try await FXRateStore(database: harness.database).importECB(path: ratesPath)
        let stores = StoreAccountStore(database: harness.database)
        try await stores.register(number: "1234", name: "Acme Games", vendors: ["85442109"], now: WebHarness.start)
        _ = try await stores.markAccessible(number: "1234", now: WebHarness.start)
        let ingestor = ReportIngestor(database: harness.database, archive: nil, logger: TestLogging.logger)
        for (day, paid) in [(first, 10), (second, 12)] {
            _ = try await ingestor.ingest(
                .bytes(Data(states(paid: paid).utf8), name: "Subscription_85442109_\(day.compactText)_V1_3.txt"),
                identity: ReportIdentity(
                    accountNumber: "1234", vendor: "85442109", type: .subscription, frequency: .daily, date: day),
                now: WebHarness.start)
        }
        _ = try await ingestor.ingest(
            .bytes(Data(events.utf8), name: "Subscription_Event_85442109_20261128_V1_3.txt"),
            identity: ReportIdentity(
                accountNumber: "1234", vendor: "85442109", type: .subscriptionEvent, frequency: .daily, date: second),
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
        "the page's content, rendered once per data version, shows a restated day at once and nothing to another user",
        arguments: TestBackend.available)
    func pageAfterNewData(backend: TestBackend) async throws {
        try await WebHarness.run(backend) { harness, client in
            try await withTemporaryDirectory { directory in
                let browser = Browser(client)
                let (ada, eve) = try await Self.prepare(harness, browser, in: directory)
                let path = "/subscriptions?from=2026-11-28&to=2026-11-28&currency=USD"

                // when: the page twice (the second from the cache), then Eve's
                let first = try await browser.request(path, headers: ada)
                let again = try await browser.request(path, headers: ada)
                let eves = try await browser.request(path, headers: eve)

                // then: 12 × 3.49 + 13.20 = 55.08 USD
                #expect(first.status == .ok && first.text.contains("55.08"))
                #expect(again.text == first.text)
                #expect(eves.status == .ok && !eves.text.contains("55.08") && !eves.text.contains("Acme Games"))

                // when: Apple restates the 28th with 20 paid monthly subscribers
                _ = try await ReportIngestor(database: harness.database, archive: nil, logger: TestLogging.logger)
                    .ingest(
                        .bytes(Data(Self.states(paid: 20).utf8), name: "Subscription_85442109_20261128_V1_3.txt"),
                        identity: ReportIdentity(
                            accountNumber: "1234", vendor: "85442109", type: .subscription, frequency: .daily,
                            date: Self.second),
                        now: WebHarness.start)

                // then: 20 × 3.49 + 13.20 = 83.00 USD
                let after = try await browser.request(path, headers: ada)
                #expect(after.text.contains("83.00") && !after.text.contains("55.08"))

                // when: the same link without a currency, in Ada's own currency, then after she changes it
                let own = "/subscriptions?from=2026-11-28&to=2026-11-28"
                #expect(try await browser.request(own, headers: ada).text.contains("83.00"))
                let adaID = try #require(
                    (try await browser.request("/api/v1/me", headers: ada).json?["user"] as? [String: Any])?["id"]
                        as? Int)
                try await UserStore(database: harness.database).setCurrency(userID: Int64(adaID), "EUR")

                // then: the page is in euros, not the dollars rendered a moment ago
                let euros = try await browser.request(own, headers: ada)
                #expect(!euros.text.contains("83.00") && euros.text.contains("EUR"))
            }
        }
    }

    @Test(
        "the summary, series, cohorts and CSV by the definitions; nothing of it for another user",
        arguments: TestBackend.available)
    func figures(backend: TestBackend) async throws {
        try await WebHarness.run(backend) { harness, client in
            try await withTemporaryDirectory { directory in
                let browser = Browser(client)
                let (ada, eve) = try await Self.prepare(harness, browser, in: directory)

                // when
                let range = "from=2026-11-28&to=2026-11-28&currency=USD"
                let summary = try #require(
                    try await browser.request("/api/v1/subscriptions/summary?\(range)", headers: ada).json)

                // then: the 28th's counts; MRR 12 × 3.49 = 41.88 USD and 6 × 24.00 / 12 = 12.00 EUR,
                // 12.00 EUR = 13.20 USD at the 27th's rate (the nearest earlier), 55.08 USD in all
                #expect(summary["asOf"] as? String == "2026-11-28")
                #expect(summary["paid"] as? Int == 18)
                #expect(summary["trials"] as? Int == 4)
                #expect(summary["billingRetry"] as? Int == 1)
                #expect(summary["gracePeriod"] as? Int == 1)
                let mrr = try #require(summary["mrr"] as? [String: Any])
                #expect(mrr["amount"] as? String == "55.08")
                #expect(mrr["rateDate"] as? String == "2026-11-27")
                let byCurrency = (mrr["byProceedsCurrency"] as? [[String: Any]])?.map {
                    "\($0["currency"] ?? "") \($0["amount"] ?? "")"
                }
                #expect(byCurrency == ["EUR 12.00", "USD 41.88"])
                let events = try #require(summary["events"] as? [String: Any])
                #expect(events["newPaid"] as? Int == 3)
                #expect(events["voluntaryChurn"] as? Int == 2)
                #expect(events["trialStarts"] as? Int == 4)
                let other = (events["other"] as? [[String: Any]])?.map {
                    "\($0["event"] ?? "") \($0["quantity"] ?? "")"
                }
                #expect(other == ["Crossgrade 1"])
                // churn: 2 voluntary of the 16 paid on the 27th
                #expect(summary["churnRate"] as? Double == 2.0 / 16.0)

                // a range with no day held: counts and MRR are null, not 0
                let empty = try #require(
                    try await browser.request(
                        "/api/v1/subscriptions/summary?from=2026-10-01&to=2026-10-02", headers: ada
                    )
                    .json)
                #expect(empty["asOf"] is NSNull)
                #expect(empty["paid"] is NSNull)
                #expect((empty["mrr"] as? [String: Any])?["amount"] is NSNull)
                #expect(empty["churnRate"] is NSNull)

                // the series: paid on each held day
                let series = try #require(
                    try await browser.request(
                        "/api/v1/subscriptions/timeseries?from=2026-11-26&to=2026-11-28&metric=paid", headers: ada
                    ).json)
                let points = (series["points"] as? [[String: Any]])?.map { "\($0["date"] ?? "") \($0["value"] ?? "")" }
                #expect(points == ["2026-11-27 16", "2026-11-28 18"])
                // MRR on each held day in USD: 10 × 3.49 + 13.20, then 12 × 3.49 + 13.20
                let mrrSeries = try #require(
                    try await browser.request(
                        "/api/v1/subscriptions/timeseries?from=2026-11-26&to=2026-11-28&metric=mrr&currency=USD",
                        headers: ada
                    ).json)
                let money = (mrrSeries["points"] as? [[String: Any]])?.map {
                    "\($0["date"] ?? "") \($0["value"] ?? "")"
                }
                #expect(money == ["2026-11-27 48.1", "2026-11-28 55.08"])

                // the CSV: a row per held day
                let csv = try await browser.request(
                    "/api/v1/subscriptions/export.csv?from=2026-11-27&to=2026-11-28&currency=USD", headers: ada)
                let lines = csv.text.split(separator: "\r\n").map(String.init)
                #expect(lines.count == 3)
                #expect(lines.first?.hasPrefix("date,paid,trials,billing_retry,grace_period,mrr,currency") == true)
                #expect(
                    lines.last?.hasPrefix("2026-11-28,18,4,1,1,55.08,USD,2026-11-27,,4,3,0,0,0,2,0,0,0,Crossgrade: 1")
                        == true)

                // the page
                let page = try await browser.request("/subscriptions?\(range)", headers: ada)
                #expect(page.status == .ok)
                #expect(page.text.contains("$55.08"))
                #expect(page.text.contains("What each figure counts"))

                // Eve reads no account: no figure of Ada's, and Ada's account is not found
                let eves = try #require(
                    try await browser.request("/api/v1/subscriptions/summary?\(range)", headers: eve).json)
                #expect(eves["paid"] is NSNull)
                let other404 = try await browser.request("/api/v1/subscriptions/summary?account=1234", headers: eve)
                #expect(other404.status == .notFound)
                let wrong = try await browser.request("/api/v1/subscriptions/timeseries?metric=downloads", headers: ada)
                #expect(wrong.status == .unprocessableContent)
            }
        }
    }
}
