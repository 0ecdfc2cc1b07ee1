import Foundation
import HTTPTypes
import HummingbirdTesting
import OrchardCore
import OrchardStorage
import OrchardTestSupport
import SalesReports
import Testing

@testable import OrchardWeb

/// The metrics cache is shared between users: it may hold nothing from outside the question's
/// accounts, and nothing a visitor can make large (docs/API.md, Store metrics).
@Suite("Metrics cache safety, over real HTTP")
struct MetricsCacheSafetyTests {
    /// Ada and Bob signed up: their bearer headers and user ids.
    static func adaAndBob(_ harness: WebHarness, _ browser: Browser) async throws
        -> (ada: HTTPFields, adaID: Int64, bob: HTTPFields, bobID: Int64)
    {
        let ada = try await FunnelAPITests.signUp(browser, "ada@example.com")
        let bob = try await FunnelAPITests.signUp(browser, "bob@example.com")
        let users = UserStore(database: harness.database)
        let adaID = try #require(try await users.credentials(email: "ada@example.com")?.user.id)
        let bobID = try #require(try await users.credentials(email: "bob@example.com")?.user.id)
        return (ada, adaID, bob, bobID)
    }

    /// Account `number` registered, accessible and holding one day's report: `units` of app `sku`.
    static func accountWithSales(
        _ harness: WebHarness, number: String, sku: String, title: String, units: Int64 = 3, day: ReportDate
    ) async throws {
        let stores = StoreAccountStore(database: harness.database)
        try await stores.register(number: number, name: "Account \(number)", vendors: ["1"], now: harness.clock.now)
        _ = try await stores.markAccessible(number: number, now: harness.clock.now)
        try await ingest(harness, number: number, sku: sku, title: title, units: units, day: day)
    }

    /// Apple's report of `day` for account `number`: `units` of app `sku` (again: a restatement).
    static func ingest(
        _ harness: WebHarness, number: String, sku: String, title: String, units: Int64, day: ReportDate
    ) async throws {
        try await withTemporaryDirectory { directory in
            let rows = [
                SalesFileBuilder.row(
                    sku: sku, type: "1", units: units, proceeds: "0.70", price: "0.99", appleIdentifier: "1",
                    title: title, day: day)
            ]
            _ = try await ReportIngestor(database: harness.database, archive: nil, logger: TestLogging.logger)
                .ingest(
                    path: try SalesFileBuilder.write(rows, day: day, in: directory), accountNumber: number,
                    now: harness.clock.now)
        }
    }

    @Test(
        "an app's title comes from the accounts asked about, never from the asker's other accounts, whoever asked first",
        arguments: TestBackend.available)
    func titlesFromScope(backend: TestBackend) async throws {
        try await WebHarness.run(backend) { harness, client in
            let browser = Browser(client)
            let (ada, adaID, bob, bobID) = try await Self.adaAndBob(harness, browser)
            let day = ReportCalendar.latestDay(at: harness.clock.now)
            let integrations = IntegrationStore(database: harness.database)
            // Ada's own account 1111 names SKU SHARED "Secret Project"; account 2222, shared with Bob, "Public Name"
            for (number, title) in [("1111", "Secret Project"), ("2222", "Public Name")] {
                try await Self.accountWithSales(harness, number: number, sku: "SHARED", title: title, day: day)
            }
            for (user, number) in [(adaID, "1111"), (adaID, "2222"), (bobID, "2222")] {
                _ = try await integrations.create(userID: user, accountNumber: number, now: harness.clock.now)
            }

            // when: Ada asks first, then Bob the same question
            let path = "/api/v1/metrics/timeseries?account=2222&groupBy=app&from=\(day.isoText)&to=\(day.isoText)"
            let first = try await browser.request(path, headers: ada)
            let second = try await browser.request(path, headers: bob)

            // then
            #expect(first.status == .ok && second.status == .ok)
            #expect(first.text.contains("Public Name") && !first.text.contains("Secret Project"))
            #expect(!second.text.contains("Secret Project"))
        }
    }

    @Test(
        "the dashboard's figures, rendered once per data version, never show another user's names and change with the data",
        arguments: TestBackend.available)
    func pageFigures(backend: TestBackend) async throws {
        try await WebHarness.run(backend) { harness, client in
            let browser = Browser(client)
            let (ada, adaID, bob, bobID) = try await Self.adaAndBob(harness, browser)
            let day = ReportCalendar.latestDay(at: harness.clock.now)
            let integrations = IntegrationStore(database: harness.database)
            for (number, sku, title) in [("1111", "MINE", "Secret Project"), ("2222", "SHARED", "Public Name")] {
                try await Self.accountWithSales(harness, number: number, sku: sku, title: title, day: day)
            }
            for (user, number) in [(adaID, "1111"), (adaID, "2222"), (bobID, "2222")] {
                _ = try await integrations.create(userID: user, accountNumber: number, now: harness.clock.now)
                try await integrations.apply(
                    .serviceSeesAccount, accountNumber: number, reason: nil, now: harness.clock.now)
            }

            // when: Ada opens the whole of her accounts, then Bob the same link
            let path = "/dashboard?from=\(day.isoText)&to=\(day.isoText)"
            let first = try await browser.request(path, headers: ada)
            let second = try await browser.request(path, headers: bob)

            // then: each sees their own accounts' figures
            #expect(first.status == .ok && second.status == .ok)
            #expect(first.text.contains("Secret Project"))
            #expect(second.text.contains("Public Name") && !second.text.contains("Secret Project"))
            let downloads = #"<span class="figure num">3</span>"#
            #expect(second.text.contains(downloads))

            // when: Apple restates the shared day with more downloads
            try await Self.ingest(harness, number: "2222", sku: "SHARED", title: "Public Name", units: 5, day: day)

            // then: the figures are rendered again from the new data
            let after = try await browser.request(path, headers: bob)
            #expect(after.text.contains(#"<span class="figure num">5</span>"#) && !after.text.contains(downloads))
        }
    }

    @Test(
        "a figure asked again costs one round trip (the bearer token with the readable accounts), a page three",
        arguments: TestBackend.available)
    func oneRoundTrip(backend: TestBackend) async throws {
        try await WebHarness.run(backend) { harness, client in
            let browser = Browser(client)
            let (_, _, bob, bobID) = try await Self.adaAndBob(harness, browser)
            let day = ReportCalendar.latestDay(at: harness.clock.now)
            try await Self.accountWithSales(harness, number: "2222", sku: "SHARED", title: "Public Name", day: day)
            let integrations = IntegrationStore(database: harness.database)
            _ = try await integrations.create(userID: bobID, accountNumber: "2222", now: harness.clock.now)
            try await integrations.apply(
                .serviceSeesAccount, accountNumber: "2222", reason: nil, now: harness.clock.now)

            let range = "from=\(day.isoText)&to=\(day.isoText)"
            for path in [
                "/api/v1/metrics/summary?\(range)", "/api/v1/metrics/timeseries?\(range)",
                "/api/v1/metrics/timeseries?\(range)&groupBy=country", "/api/v1/subscriptions/summary?\(range)",
                "/api/v1/subscriptions/timeseries?\(range)", "/api/v1/subscriptions/cohorts?\(range)",
            ] {
                // given: the answer is kept (and the token's last use noted, at most once a minute)
                let first = try await browser.request(path, headers: bob)
                #expect(first.status == .ok, "\(path) answers \(first.status)")

                // when: Bob asks again
                let before = harness.database.borrowed
                let again = try await browser.request(path, headers: bob)

                // then: one connection borrowed, for one query, and the same answer
                #expect(again.status == .ok && again.text == first.text, "\(path)")
                #expect(
                    harness.database.borrowed - before == 1, "\(path) borrowed \(harness.database.borrowed - before)")
            }

            // and a page asked again: the token with the readable accounts, the integrations with their
            // accounts, and their failed reports; the figures are kept
            let page = "/dashboard?\(range)"
            let first = try await browser.request(page, headers: bob)
            #expect(first.status == .ok && first.text.contains("Public Name"))
            let before = harness.database.borrowed
            let again = try await browser.request(page, headers: bob)
            #expect(again.status == .ok && again.text.contains("Public Name"))
            #expect(harness.database.borrowed - before == 3, "the page borrowed \(harness.database.borrowed - before)")
        }
    }

    @Test("filter values longer than any real one are refused with 400 before anything is cached")
    func boundedFilters() async throws {
        try await WebHarness.run(.sqlite) { _, client in
            let browser = Browser(client)
            let ada = try await FunnelAPITests.signUp(browser, "ada@example.com")
            for query in [
                "app=" + String(repeating: "A", count: 101), "country=USA",
                "device=" + String(repeating: "d", count: 21),
                "account=" + String(repeating: "9", count: 21),
            ] {
                let answer = try await browser.request("/api/v1/metrics/summary?" + query, headers: ada)
                #expect(answer.status == .badRequest, "\(query.prefix(12)) answers \(answer.status)")
                #expect(answer.apiError?.code == "parameter_too_long")
            }
            let fine = try await browser.request(
                "/api/v1/metrics/summary?app=" + String(repeating: "A", count: 100) + "&country=US", headers: ada)
            #expect(fine.status == .ok)
        }
    }
}
