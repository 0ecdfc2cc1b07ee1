import ConnectSandbox
import Foundation
import NIOHTTP1
import OrchardTestSupport
import SalesReports
import Testing

/// The synthetic data: deterministic, and weeks, months and years agree with their days.
@Suite("Synthetic sales data")
struct ReportDataTests {
    static let now = ReporterProtocolTests.now

    @Test("the same seed gives the same bytes in two sandboxes")
    func determinism() async throws {
        // given
        @Sendable func download(seed: UInt64) async throws -> [UInt8] {
            try await SandboxServer.withRunning(seed: seed, now: Self.now) { sandbox in
                let (account, token) = try sandbox.makeAccountWithUser(apps: 6)
                return try await SandboxHTTP.reporter(
                    sandbox, token: token, query: "Sales.getReport, \(account.vendors[0]),Sales,Summary,Daily,20260215"
                ).body
            }
        }

        // when
        let first = try await download(seed: 42)
        let second = try await download(seed: 42)
        let other = try await download(seed: 43)

        // then
        #expect(first.count > 100)
        #expect(first == second)
        #expect(first != other)
    }

    @Test(
        "weekly, monthly and yearly totals equal the sum of their days",
        arguments: [
            ("Weekly,20260301", "2026-02-23", 7), ("Monthly,202602", "2026-02-01", 28),
        ])
    func consistency(period: String, firstDay: String, days: Int) async throws {
        try await SandboxServer.withRunning(now: Self.now) { sandbox in
            // given
            let (account, token) = try sandbox.makeAccountWithUser(apps: 4)
            let vendor = account.vendors[0]
            let start = try #require(ReportDate(firstDay))

            // when
            var daily = Totals()
            for offset in 0..<days {
                let day = ReportDate(dayNumber: start.dayNumber + offset)
                let answer = try await SandboxHTTP.reporter(
                    sandbox, token: token, query: "Sales.getReport, \(vendor),Sales,Summary,Daily,\(day.compactText)")
                if answer.status == 200 { try daily.add(answer.body) }
            }
            var whole = Totals()
            try whole.add(
                try await SandboxHTTP.reporter(
                    sandbox, token: token, query: "Sales.getReport, \(vendor),Sales,Summary,\(period)"
                )
                .body)

            // then
            #expect(daily.units > 0)
            #expect(whole.units == daily.units)
            #expect(whole.proceeds == daily.proceeds)
            #expect(whole.sales == daily.sales)
            #expect(whole.rows < daily.rows)
        }
    }

    @Test("reports have refunds, in-app purchases with parents, subscriptions and several currencies")
    func variety() async throws {
        try await SandboxServer.withRunning(seed: 3, now: Self.now) { sandbox in
            // given
            let (account, token) = try sandbox.makeAccountWithUser(apps: 12)

            // when
            let answer = try await SandboxHTTP.reporter(
                sandbox, token: token, query: "Sales.getReport, \(account.vendors[0]),Sales,Summary,Monthly,202602")
            let (_, rows) = try SandboxHTTP.records(answer.body)

            // then
            let types = Set(rows.map { $0.text("Product Type Identifier") })
            #expect(rows.contains { ($0.integer("Units") ?? 0) < 0 })
            #expect(!types.isDisjoint(with: ["1", "1F", "1T", "F1"]))
            #expect(!types.isDisjoint(with: ["7", "7F", "7T", "F7"]))
            #expect(!types.isDisjoint(with: ["IAY", "IAY-M"]))
            #expect(
                rows.filter { $0.text("Product Type Identifier").hasPrefix("IA") }.allSatisfy {
                    !$0.text("Parent Identifier").isEmpty
                })
            #expect(rows.contains { $0.text("Subscription") == "Renewal" && $0.text("Period") == "1 Month" })
            #expect(Set(rows.map { $0.text("Customer Currency") }).count >= 10)
            #expect(Set(rows.map { $0.text("Country Code") }).count >= 15)
        }
    }

    @Test("subscription reports need version 1_3 and have Apple's columns")
    func subscriptionReports() async throws {
        try await SandboxServer.withRunning(seed: 3, now: Self.now) { sandbox in
            let (account, token) = try sandbox.makeAccountWithUser(apps: 12)
            let vendor = account.vendors[0]
            let missing = try await SandboxHTTP.reporter(
                sandbox, token: token, query: "Sales.getReport, \(vendor),Subscription,Summary,Daily,20260308")
            #expect(missing.status == 400 && missing.text.contains("<Code>207</Code>"))
            for (type, subtype, column) in [
                ("Subscription", "Summary", "Active Standard Price Subscriptions"),
                ("SubscriptionEvent", "Summary", "Event"), ("Subscriber", "Detailed", "Subscriber ID"),
            ] {
                let answer = try await SandboxHTTP.reporter(
                    sandbox, token: token, query: "Sales.getReport, \(vendor),\(type),\(subtype),Daily,20260308,1_3")
                #expect(answer.status == 200, "\(type)")
                let (columns, rows) = try SandboxHTTP.records(answer.body)
                #expect(columns.contains(column))
                #expect(!rows.isEmpty)
            }
        }
    }

    struct Totals {
        var rows = 0
        var units: Int64 = 0
        var proceeds: [String: DecimalAmount] = [:]
        var sales: [String: DecimalAmount] = [:]

        mutating func add(_ bytes: [UInt8]) throws {
            for row in try SandboxHTTP.records(bytes).rows {
                let units = row.integer("Units") ?? 0
                rows += 1
                self.units += units
                // the sign of the money is the sign of Units (docs/REPORTS.md, Money)
                let proceeds = (row.decimal("Developer Proceeds") ?? .zero).extended(units: units) ?? .zero
                let sales = (row.decimal("Customer Price") ?? .zero).extended(units: units) ?? .zero
                self.proceeds[row.text("Currency of Proceeds"), default: .zero] =
                    self.proceeds[row.text("Currency of Proceeds"), default: .zero].adding(proceeds)!
                self.sales[row.text("Customer Currency"), default: .zero] =
                    self.sales[row.text("Customer Currency"), default: .zero].adding(sales)!
            }
        }
    }
}
