import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import OrchardApp
import OrchardCore
import OrchardStorage
import OrchardTestSupport
import SQLKit
import SalesReports
import Testing

@testable import OrchardWeb

/// Store metrics as a user meets them (docs/API.md, Store metrics): the API's totals equal the report files' own
/// (`orchard summarize` reads them with the same SalesSummarizer), a day not fetched is a gap and a
/// day without sales a zero, the CSV's exact text, the tenant boundary, and the dashboard page.
@Suite("Store metrics API and dashboard")
struct DashboardTests {
    static let sold = ReportDate(year: 2026, month: 11, day: 27)!
    static let quiet = ReportDate(year: 2026, month: 11, day: 29)!
    static let rates = "Date,USD,GBP\n2026-11-27,1.1000,0.8800\n2026-11-26,1.0500,0.8700\n"

    static let rows = [
        SalesFileBuilder.row(
            sku: "NOTES", type: "1", units: 10, proceeds: "0.70", price: "0.99", appleIdentifier: "1350529000",
            title: "Nimble Notes", day: sold),
        SalesFileBuilder.row(sku: "NOTES", type: "1", units: -1, proceeds: ".7", price: "-0.99", day: sold),
        SalesFileBuilder.row(
            sku: "NOTES.PRO", type: "IA1", units: 2, proceeds: "2.10", price: "2.99", device: "iPad", parent: "NOTES",
            title: "Pro", day: sold),
    ]

    /// Account 1234 is active for Ada, with the 27th sold, the 28th not fetched and the 29th without
    /// sales; returns Ada's and Eve's bearer headers and the report file of the 27th.
    static func prepare(_ harness: WebHarness, _ browser: Browser, in directory: URL) async throws
        -> (ada: HTTPFields, eve: HTTPFields, file: String)
    {
        let ratesPath = directory.appendingPathComponent("rates.csv").path
        try rates.write(toFile: ratesPath, atomically: true, encoding: .utf8)
        try await FXRateStore(database: harness.database).importECB(path: ratesPath)
        let stores = StoreAccountStore(database: harness.database)
        try await stores.register(number: "1234", name: "Acme Games", vendors: ["85442109"], now: WebHarness.start)
        _ = try await stores.markAccessible(number: "1234", now: WebHarness.start)
        let ingestor = ReportIngestor(database: harness.database, archive: nil, logger: TestLogging.logger)
        let file = try SalesFileBuilder.write(rows, day: sold, in: directory)
        _ = try await ingestor.ingest(path: file, accountNumber: "1234", now: WebHarness.start)
        let empty = directory.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        _ = try await ingestor.ingest(
            path: try SalesFileBuilder.write([], day: quiet, in: empty), accountNumber: "1234", now: WebHarness.start)
        let ada = try await FunnelAPITests.signUp(browser, "ada@example.com")
        let eve = try await FunnelAPITests.signUp(browser, "eve@example.com")
        let adaID = try #require(
            (try await browser.request("/api/v1/me", headers: ada).json?["user"] as? [String: Any])?["id"] as? Int)
        _ = try await IntegrationStore(database: harness.database).create(
            userID: Int64(adaID), accountNumber: "1234", now: WebHarness.start)
        return (ada, eve, file)
    }

    static let range = "from=2026-11-27&to=2026-11-29"

    @Test(
        "the summary equals the report's own totals; gaps are gaps, quiet days zeros", arguments: TestBackend.available)
    func summaryAndSeries(backend: TestBackend) async throws {
        try await WebHarness.run(backend) { harness, client in
            try await withTemporaryDirectory { directory in
                let browser = Browser(client)
                let (ada, eve, file) = try await Self.prepare(harness, browser, in: directory)
                let expected = try SalesSummarizer.summarize(paths: [file])

                let summary = try await browser.request("/api/v1/metrics/summary?\(Self.range)", headers: ada)

                #expect(summary.status == .ok)
                let json = try #require(summary.json)
                let units = try #require(json["units"] as? [String: Int])
                #expect(units["downloads"] == Int(expected.units.downloads))
                #expect(units["inAppPurchases"] == Int(expected.units.inAppPurchases))
                #expect(json["returns"] as? Int == Int(expected.returns))
                // Through euros and back at the 27th's rate: still the report's dollars to the cent.
                #expect(json["proceeds"] as? String == expected.proceeds["USD"]?.description)
                #expect(json["proceeds"] as? String == "10.50")
                #expect(json["sales"] as? String == "14.89")
                #expect(json["currency"] as? String == "USD")
                let complete = try #require(json["complete"] as? [String: Any])
                #expect(complete["partial"] as? Bool == true)
                #expect(complete["through"] as? String == "2026-11-27")
                #expect((json["rates"] as? [String: Any])?["to"] as? String == "2026-11-27")

                // The 28th is absent, the 29th a zero.
                let series = try await browser.request(
                    "/api/v1/metrics/timeseries?\(Self.range)&metric=downloads", headers: ada)
                let points = try #require(
                    ((series.json?["series"] as? [[String: Any]])?.first?["points"]) as? [[String: Any]])
                #expect(points.map { $0["date"] as? String } == ["2026-11-27", "2026-11-29"])
                #expect(points.map { $0["value"] as? Double } == [9, 0])
                let weekly = try await browser.request(
                    "/api/v1/metrics/timeseries?\(Self.range)&metric=proceeds&interval=week&groupBy=device",
                    headers: ada)
                let devices = try #require(weekly.json?["series"] as? [[String: Any]])
                #expect(devices.map { $0["key"] as? String } == ["iPad", "iPhone"])
                let iPad = try #require(devices.first?["points"] as? [[String: Any]])
                #expect(iPad.first?["date"] as? String == "2026-11-23")
                #expect(iPad.first?["value"] as? Double == 4.2)
                #expect(iPad.first?["partial"] as? Bool == true)

                // The 28th arrives: the cached answer gives way to the new figures at once.
                let late = directory.appendingPathComponent("late")
                try FileManager.default.createDirectory(at: late, withIntermediateDirectories: true)
                let lateRows = [
                    SalesFileBuilder.row(
                        sku: "NOTES", type: "1", units: 4, proceeds: "0.70", price: "0.99",
                        day: Self.sold.adding(days: 1))
                ]
                _ = try await ReportIngestor(database: harness.database, archive: nil, logger: TestLogging.logger)
                    .ingest(
                        path: try SalesFileBuilder.write(lateRows, day: Self.sold.adding(days: 1), in: late),
                        accountNumber: "1234", now: WebHarness.start)
                let after = try await browser.request("/api/v1/metrics/summary?\(Self.range)", headers: ada)
                #expect((after.json?["units"] as? [String: Int])?["downloads"] == 13)
                #expect((after.json?["complete"] as? [String: Any])?["partial"] as? Bool == false)

                // Eve has no integration of the account: nothing, and the account itself is not found.
                let eveSummary = try await browser.request("/api/v1/metrics/summary?\(Self.range)", headers: eve)
                #expect((eveSummary.json?["units"] as? [String: Int])?["downloads"] == 0)
                #expect((eveSummary.json?["accounts"] as? [Any])?.isEmpty == true)
                let probing = try await browser.request(
                    "/api/v1/metrics/summary?\(Self.range)&account=1234", headers: eve)
                #expect(probing.status == .notFound)
            }
        }
    }

    @Test(
        "the dashboard says when the newest ECB rate is more than 4 business days old", arguments: TestBackend.available
    )
    func staleRates(backend: TestBackend) async throws {
        try await WebHarness.run(backend) { harness, client in
            try await withTemporaryDirectory { directory in
                let browser = Browser(client)
                let (ada, _, _) = try await Self.prepare(harness, browser, in: directory)
                // Monday 30 November: the newest rate, Friday the 27th, is 1 business day old
                let fresh = try await browser.request("/dashboard?\(Self.range)", headers: ada)
                #expect(fresh.status == .ok)
                #expect(!fresh.text.contains("Exchange rates: the newest ECB reference rate"))
                // Thursday 3 December: 4 business days, still fine; Friday the 4th: 5
                harness.clock.advance(by: 3 * 86_400)
                let four = try await browser.request("/dashboard?\(Self.range)", headers: ada)
                #expect(!four.text.contains("Exchange rates: the newest ECB reference rate"))
                harness.clock.advance(by: 86_400)
                let stale = try await browser.request("/dashboard?\(Self.range)", headers: ada)
                #expect(
                    stale.text.contains(
                        "Exchange rates: the newest ECB reference rate is of 2026-11-27, 5 business days ago."))
            }
        }
        // weekends do not count; TARGET holidays are not known
        let friday = ReportDate(year: 2026, month: 11, day: 27)!
        #expect(Dashboard.businessDays(after: friday, through: friday) == 0)
        #expect(Dashboard.businessDays(after: friday, through: ReportDate(year: 2026, month: 11, day: 30)!) == 1)
        #expect(Dashboard.businessDays(after: friday, through: ReportDate(year: 2026, month: 12, day: 6)!) == 5)
        #expect(Dashboard.businessDays(after: friday, through: ReportDate(year: 2026, month: 12, day: 7)!) == 6)
    }

    @Test("the CSV: a header, a row per known day, the currency and the rate date", arguments: TestBackend.available)
    func csv(backend: TestBackend) async throws {
        try await WebHarness.run(backend) { harness, client in
            try await withTemporaryDirectory { directory in
                let browser = Browser(client)
                let (ada, _, _) = try await Self.prepare(harness, browser, in: directory)

                let plain = try await browser.request("/api/v1/metrics/export.csv?\(Self.range)", headers: ada)
                let byApp = try await browser.request(
                    "/api/v1/metrics/export.csv?\(Self.range)&groupBy=app&currency=GBP", headers: ada)

                #expect(plain.status == .ok)
                #expect(plain.headers[.contentType] == "text/csv; charset=utf-8")
                #expect(
                    plain.headers[.contentDisposition]?.contains("orchard-metrics-2026-11-27-2026-11-29.csv") == true)
                let header =
                    "date,downloads,redownloads,updates,in_app_purchases,restores,other,returns,proceeds,sales,"
                    + "currency,rate_date,unconverted_proceeds,unconverted_sales"
                #expect(
                    plain.text == header + "\r\n" + "2026-11-27,9,0,0,2,0,0,1,10.50,14.89,USD,2026-11-27,,\r\n"
                        + "2026-11-29,0,0,0,0,0,0,0,0.00,0.00,USD,,,\r\n")
                // 10.50 USD / 1.10 × 0.88 = 8.40 GBP; 14.89 / 1.10 × 0.88 = 11.912
                #expect(
                    byApp.text
                        == "date,app,app_title,downloads,redownloads,updates,in_app_purchases,restores,other,returns,"
                        + "proceeds,sales,currency,rate_date,unconverted_proceeds,unconverted_sales\r\n"
                        + "2026-11-27,NOTES,Nimble Notes,9,0,0,2,0,0,1,8.40,11.91,GBP,2026-11-27,,\r\n")
            }
        }
    }

    @Test("wrong parameters are named; the currency is the user's choice", arguments: TestBackend.available)
    func parametersAndCurrency(backend: TestBackend) async throws {
        try await WebHarness.run(backend) { harness, client in
            try await withTemporaryDirectory { directory in
                let browser = Browser(client)
                let (ada, _, _) = try await Self.prepare(harness, browser, in: directory)
                for (query, word) in [
                    ("from=2026-13-01", "from"), ("from=2026-11-29&to=2026-11-01", "from"),
                    ("metric=revenue", "metric"),
                    ("interval=hour", "interval"), ("groupBy=city", "groupBy"), ("currency=dollars", "currency"),
                ] {
                    let answer = try await browser.request("/api/v1/metrics/summary?\(query)", headers: ada)
                    #expect(answer.status == .unprocessableContent, "\(query)")
                    #expect(answer.apiError?.code == "invalid_parameter", "\(query)")
                    #expect(answer.apiError?.message.contains(word) == true, "\(query)")
                }
                let refused = try await browser.request(
                    "/api/v1/me", method: .patch, json: #"{"currency": "XYZ"}"#, headers: ada)
                #expect(refused.status == .unprocessableContent)
                let changed = try await browser.request(
                    "/api/v1/me", method: .patch, json: #"{"currency": "gbp"}"#, headers: ada)
                #expect((changed.json?["user"] as? [String: Any])?["currency"] as? String == "GBP")
                let summary = try await browser.request("/api/v1/metrics/summary?\(Self.range)", headers: ada)
                #expect(summary.json?["currency"] as? String == "GBP")
                #expect(summary.json?["proceeds"] as? String == "8.40")
            }
        }
    }

    @Test(
        "the dashboard: cards, a chart with a gap, breakdowns; empty states say what to do",
        arguments: TestBackend.available)
    func page(backend: TestBackend) async throws {
        try await WebHarness.run(backend) { harness, client in
            try await withTemporaryDirectory { directory in
                let browser = Browser(client)
                _ = try await Self.prepare(harness, browser, in: directory)
                _ = try await AccountPageTests.submit(
                    browser, "/signin", [("email", "ada@example.com"), ("password", "a long password here")])

                let page = try await browser.request("/dashboard?\(Self.range)")

                #expect(page.status == .ok)
                let body = page.text
                #expect(body.contains("Nimble Notes"))
                #expect(body.contains("<svg"))
                #expect(body.contains("complete through 27 Nov"))
                #expect(body.contains("$10.50"))
                // Countries by name in the table and the filter; the URL keeps the code.
                #expect(body.contains(">United States<"))
                #expect(body.contains("value=\"US\""))
                // The chart's table: the 28th is not known, never 0.
                #expect(body.contains("28 Nov 2026</td><td class=\"num\">not known yet"))
                let problems = PageStructure(body).problems
                #expect(problems.isEmpty, "\(problems)")

                let app = try await browser.request("/dashboard?\(Self.range)&app=NOTES&metric=proceeds")
                #expect(app.status == .ok)
                #expect(app.text.contains("<h1>Nimble Notes</h1>"))
                // Its in-app purchase, by title and SKU: 2 units, 2 × 2.10 = 4.20 of proceeds.
                #expect(
                    app.text.contains(
                        "<td>Pro</td><td><code>NOTES.PRO</code></td><td class=\"num\">2</td><td class=\"num\">0</td>"
                            + "<td class=\"num\">$5.98</td><td class=\"num\">$4.20</td>"))

                let typo = try await browser.request("/dashboard?from=yesterday")
                #expect(typo.status == .ok)
                #expect(typo.text.contains("from must be a date"))

                // Eve: nothing integrated yet, so the page leads to the funnel.
                let eve = Browser(client)
                _ = try await AccountPageTests.submit(
                    eve, "/signin", [("email", "eve@example.com"), ("password", "a long password here")])
                let empty = try await eve.request("/dashboard")
                #expect(empty.text.contains("Connect App Store Connect"))
                #expect(!empty.text.contains("Nimble Notes"))
            }
        }
    }
}
