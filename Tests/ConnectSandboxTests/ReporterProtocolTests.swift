import ConnectSandbox
import Foundation
import NIOHTTP1
import OrchardTestSupport
import SalesReports
import Testing

/// Reporter as docs/REPORTS.md and docs/SANDBOX.md describe it.
@Suite("Reporter protocol conformance")
struct ReporterProtocolTests {
    static let now = Date(timeIntervalSince1970: 1_773_144_000)  // 2026-03-10T12:00:00Z
    static let declaration = #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#

    @Test("Sales.getAccounts answers <Accounts><Account><Name/><Number/></Account></Accounts>")
    func accounts() async throws {
        try await SandboxServer.withRunning(now: Self.now) { sandbox in
            // given
            let (account, token) = try sandbox.makeAccountWithUser(name: "Acme & Sons")

            // when
            let answer = try await SandboxHTTP.reporter(sandbox, token: token, query: "Sales.getAccounts")

            // then
            #expect(answer.status == 200)
            #expect(
                answer.text == Self.declaration
                    + "<Accounts><Account><Name>Acme &amp; Sons</Name><Number>\(account.number)</Number></Account></Accounts>"
            )
        }
    }

    @Test("raw JSON, a= in queryInput and Normal mode are understood")
    func requestVariants() async throws {
        try await SandboxServer.withRunning(now: Self.now) { sandbox in
            // given: a token that sees two accounts
            let first = try sandbox.world.createAccount(name: "One")
            let second = try sandbox.world.createAccount(name: "Two")
            let (_, token) = try sandbox.world.createUser(
                appleId: "two@example.com", accounts: [first.number, second.number])

            // when
            let raw = try await SandboxHTTP.reporter(
                sandbox, token: token.value, query: "a=\(second.number), Sales.getVendors", urlEncoded: false)
            let normal = try await SandboxHTTP.reporter(
                sandbox, token: token.value, query: "Sales.getVendors", account: String(first.number), mode: "Normal")

            // then
            #expect(raw.status == 200)
            #expect(raw.text == Self.declaration + "<Vendors><Vendor>\(second.vendors[0])</Vendor></Vendors>")
            #expect(normal.text.trimmingCharacters(in: .whitespacesAndNewlines) == String(first.vendors[0]))
            #expect(normal.header("Content-Type")?.hasPrefix("text/plain") == true)
        }
    }

    @Test("Sales.getReport answers application/a-gzip with filename and the 28 Summary Sales columns")
    func dailyReport() async throws {
        try await SandboxServer.withRunning(now: Self.now) { sandbox in
            // given
            let (account, token) = try sandbox.makeAccountWithUser(apps: 4)
            let vendor = account.vendors[0]

            // when
            let answer = try await SandboxHTTP.reporter(
                sandbox, token: token, query: "Sales.getReport, \(vendor),Sales,Summary,Daily,20260308")

            // then
            #expect(answer.status == 200)
            #expect(answer.header("Content-Type") == "application/a-gzip")
            #expect(answer.header("filename") == "S_D_\(vendor)_20260308.txt.gz")
            #expect(answer.header("downloadmsg")?.contains("S_D_\(vendor)_20260308.txt.gz") == true)
            #expect(Array(answer.body.prefix(2)) == [0x1f, 0x8b])
            let (columns, rows) = try SandboxHTTP.records(answer.body)
            #expect(columns == Self.summarySalesColumns)
            #expect(!rows.isEmpty)
            #expect(rows.allSatisfy { $0.text("Begin Date") == "03/08/2026" && $0.text("End Date") == "03/08/2026" })
        }
    }

    @Test("weekly, monthly and yearly files are named S_W_, S_M_ and S_Y_")
    func periodNames() async throws {
        try await SandboxServer.withRunning(now: Self.now) { sandbox in
            let (account, token) = try sandbox.makeAccountWithUser(apps: 1)
            let vendor = account.vendors[0]
            for (arguments, name) in [
                ("Weekly,20260301", "S_W_\(vendor)_20260301.txt.gz"), ("Monthly,202602", "S_M_\(vendor)_202602.txt.gz"),
                ("Yearly,2025", "S_Y_\(vendor)_2025.txt.gz"),
            ] {
                let answer = try await SandboxHTTP.reporter(
                    sandbox, token: token, query: "Sales.getReport, \(vendor),Sales,Summary,\(arguments)")
                #expect(answer.status == 200, "\(arguments)")
                #expect(answer.header("filename") == name)
            }
        }
    }

    @Test(
        "errors carry the codes and statuses of docs/SANDBOX.md",
        arguments: [
            ("Sales.getReport, VENDOR,Sales,Summary,Daily,20260310", 404, 210),  // today: not yet
            ("Sales.getReport, VENDOR,Sales,Summary,Daily,20251101", 404, 213),  // before the history
            ("Sales.getReport, VENDOR,Sales,Summary,Daily,20250101", 400, 205),  // older than 365 days
            ("Sales.getReport, 12345,Sales,Summary,Daily,20260308", 400, 200),
            ("Sales.getReport, VENDOR,Salez,Summary,Daily,20260308", 400, 201),
            ("Sales.getReport, VENDOR,Sales,Summary,Daily,202603", 400, 206),
            ("Sales.getReport, VENDOR,Sales,Summary,Daily,20261340", 400, 205),
            ("Sales.getFoo", 400, 101),
        ])
    func reportErrors(query: String, status: Int, code: Int) async throws {
        try await SandboxServer.withRunning(now: Self.now) { sandbox in
            // given: history starting 2025-11-30 (100 days before now)
            let (account, token) = try sandbox.makeAccountWithUser(apps: 2, historyDays: 100)

            // when
            let answer = try await SandboxHTTP.reporter(
                sandbox, token: token, query: query.replacingOccurrences(of: "VENDOR", with: String(account.vendors[0]))
            )

            // then
            #expect(answer.status == status)
            #expect(answer.text.hasPrefix(Self.declaration + "<Error><Code>\(code)</Code><Message>"))
        }
    }

    @Test("210 uses Apple's sentence, 213 says there were no sales")
    func availabilityMessages() async throws {
        try await SandboxServer.withRunning(now: Self.now) { sandbox in
            let (account, token) = try sandbox.makeAccountWithUser(apps: 1, historyDays: 100)
            let vendor = account.vendors[0]
            let notYet = try await SandboxHTTP.reporter(
                sandbox, token: token, query: "Sales.getReport, \(vendor),Sales,Summary,Daily,20260310", mode: "Normal")
            let none = try await SandboxHTTP.reporter(
                sandbox, token: token, query: "Sales.getReport, \(vendor),Sales,Summary,Daily,20251101", mode: "Normal")
            #expect(
                notYet.text.hasPrefix(
                    "Report is not available yet. Daily reports for the Americas are available by 5 am"))
            #expect(none.text.hasPrefix("There were no sales for the date specified."))
        }
    }

    @Test(
        "yesterday's report appears at the availability hour of the report time zone",
        arguments: [
            // 2026-03-10 02:30 UTC, then 05:30 UTC
            ("UTC", 1_773_109_800.0),
            // 2026-03-10 02:30 PDT (09:30 UTC), then 05:30 PDT: the day after the clocks went forward
            ("America/Los_Angeles", 1_773_135_000.0),
        ])
    func availabilityHour(zone: String, start: Double) async throws {
        try await SandboxServer.withRunning(
            reportTimeZone: try #require(TimeZone(identifier: zone)), now: Date(timeIntervalSince1970: start)
        ) { sandbox in
            // given
            let (account, token) = try sandbox.makeAccountWithUser(apps: 2)
            let query = "Sales.getReport, \(account.vendors[0]),Sales,Summary,Daily,20260309"

            // when
            let before = try await SandboxHTTP.reporter(sandbox, token: token, query: query)
            sandbox.clock.advance(by: 3 * 3600)
            let after = try await SandboxHTTP.reporter(sandbox, token: token, query: query)

            // then
            #expect(before.text.contains("<Code>210</Code>"))
            #expect(after.status == 200)
        }
    }

    @Test("a token that sees several accounts must name one (214); an unknown account is 215")
    func accountSelection() async throws {
        try await SandboxServer.withRunning(now: Self.now) { sandbox in
            let first = try sandbox.world.createAccount(name: "One")
            let second = try sandbox.world.createAccount(name: "Two")
            let (_, token) = try sandbox.world.createUser(
                appleId: "x@example.com", accounts: [first.number, second.number])
            let none = try await SandboxHTTP.reporter(sandbox, token: token.value, query: "Sales.getVendors")
            let wrong = try await SandboxHTTP.reporter(
                sandbox, token: token.value, query: "Sales.getVendors", account: "42")
            #expect(none.status == 400 && none.text.contains("<Code>214</Code>"))
            #expect(wrong.status == 400 && wrong.text.contains("<Code>215</Code>"))
        }
    }

    @Test("tokens: unknown 124, expired after 180 days 123, replaced by a new one 124")
    func tokens() async throws {
        try await SandboxServer.withRunning(now: Self.now) { sandbox in
            // given
            let (_, token) = try sandbox.makeAccountWithUser(appleId: "t@example.com")

            // when
            let unknown = try await SandboxHTTP.reporter(
                sandbox, token: "4fbd6016-439d-4cef-a72e-5c465f8343d4", query: "Sales.getAccounts")
            let replacement = try sandbox.world.generateToken(appleId: "t@example.com")
            let replaced = try await SandboxHTTP.reporter(sandbox, token: token, query: "Sales.getAccounts")
            let fresh = try await SandboxHTTP.reporter(sandbox, token: replacement.value, query: "Sales.getAccounts")
            sandbox.clock.advance(by: 181 * 86_400)
            let expired = try await SandboxHTTP.reporter(sandbox, token: replacement.value, query: "Sales.getAccounts")

            // then
            #expect(unknown.status == 401)
            #expect(unknown.text.contains("<Code>124</Code><Message>Your Access Token is invalid.</Message>"))
            #expect(replaced.status == 401 && replaced.text.contains("<Code>124</Code>"))
            #expect(fresh.status == 200)
            #expect(expired.status == 401)
            #expect(expired.text.contains("<Code>123</Code><Message>Your Access Token is expired.</Message>"))
        }
    }

    @Test("Finance: getVendorsAndRegions and a Financial report with its Total_ footer")
    func finance() async throws {
        try await SandboxServer.withRunning(now: Self.now) { sandbox in
            let (account, token) = try sandbox.makeAccountWithUser(apps: 5)
            let vendor = account.vendors[0]
            let regions = try await SandboxHTTP.reporter(
                sandbox, token: token, query: "Finance.getVendorsAndRegions", service: "finance")
            #expect(
                regions.text.hasPrefix(
                    Self.declaration + "<VendorsAndRegions><Vendor><Number>\(vendor)</Number><Region><Code>US</Code>"))
            let report = try await SandboxHTTP.reporter(
                sandbox, token: token, query: "Finance.getReport, \(vendor),US,Financial,2026,4", service: "finance")
            #expect(report.status == 200)
            #expect(report.header("Content-Type") == "application/a-gzip")
            let reader = try ReportReader(bytes: report.body, file: report.header("filename") ?? "financial")
            var rows = 0
            while try reader.nextRecord() != nil { rows += 1 }
            #expect(reader.kind == .financial)
            #expect(reader.header.names.prefix(3) == ["Start Date", "End Date", "UPC"])
            #expect(reader.financialFooter?.rows == rows)
            #expect(rows > 0)
        }
    }

    /// docs/REPORTS.md (Summary Sales), in file order.
    static let summarySalesColumns = [
        "Provider", "Provider Country", "SKU", "Developer", "Title", "Version", "Product Type Identifier", "Units",
        "Developer Proceeds", "Begin Date", "End Date", "Customer Currency", "Country Code", "Currency of Proceeds",
        "Apple Identifier", "Customer Price", "Promo Code", "Parent Identifier", "Subscription", "Period", "Category",
        "CMB", "Device", "Supported Platforms", "Proceeds Reason", "Preserved Pricing", "Client", "Order Type",
    ]
}
