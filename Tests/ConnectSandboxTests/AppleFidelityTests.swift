import ConnectSandbox
import Foundation
import OrchardTestSupport
import SalesReports
import Testing

/// The sandbox writes what Apple writes (docs/REPORTS.md): refund signs, financial returns, the
/// product types and Units forms Orchard must read, and the fiscal calendar of Financial reports.
@Suite("Apple's report conventions")
struct AppleFidelityTests {
    static let now = ReporterProtocolTests.now

    private func monthlySales(_ sandbox: SandboxServer, apps: Int = 12, month: String = "202602") async throws
        -> [UInt8]
    {
        let (account, token) = try sandbox.makeAccountWithUser(apps: apps)
        let answer = try await SandboxHTTP.reporter(
            sandbox, token: token, query: "Sales.getReport, \(account.vendors[0]),Sales,Summary,Monthly,\(month)")
        #expect(answer.status == 200)
        return answer.body
    }

    @Test("refunds have negative Units and Customer Price, positive Developer Proceeds; summarize signs by Units")
    func refunds() async throws {
        try await SandboxServer.withRunning(seed: 3, now: Self.now) { sandbox in
            // given
            let bytes = try await monthlySales(sandbox)

            // when
            let reader = try ReportReader(bytes: bytes, file: "month")
            var refunds: [SalesRow] = []
            var sales: [String: DecimalAmount] = [:]
            var proceeds: [String: DecimalAmount] = [:]
            while let row = try reader.nextSalesRow() {
                if row.units < 0 { refunds.append(row) }
                let price = row.customerPrice.magnitude.multiplied(by: row.units)!
                sales[row.customerCurrency] = sales[row.customerCurrency, default: .zero].adding(price)!
                let share = row.developerProceeds.magnitude.multiplied(by: row.units)!
                if !share.isZero {
                    proceeds[row.proceedsCurrency] = proceeds[row.proceedsCurrency, default: .zero].adding(share)!
                }
            }
            let summary = try await withTemporaryDirectory { directory in
                let path = directory.appendingPathComponent("S_M.txt.gz").path
                try Data(bytes).write(to: URL(fileURLWithPath: path))
                return try SalesSummarizer.summarize(paths: [path])
            }

            // then
            #expect(!refunds.isEmpty)
            #expect(refunds.allSatisfy { $0.customerPrice < .zero && $0.developerProceeds > .zero })
            #expect(refunds.allSatisfy { $0.sales! < .zero && $0.proceeds! < .zero })
            #expect(summary.sales.filter { !$0.value.isZero } == sales.filter { !$0.value.isZero })
            #expect(summary.proceeds.filter { !$0.value.isZero } == proceeds)
        }
    }

    @Test("rare product types appear within a month and land in their bucket")
    func rareProductTypes() async throws {
        try await SandboxServer.withRunning(seed: 3, now: Self.now) { sandbox in
            // given
            let expected: [String: UnitBucket] = [
                "1-B": .downloads, "F1-B": .downloads, "1E": .downloads, "1EP": .downloads, "1EU": .downloads,
                "FI1": .inAppPurchases, "IA3": .restores, "1X": .downloads, "F7-B": .updates, "IA3-M": .restores,
                "IAZ": .inAppPurchases, "Q9": .other,
            ]

            // when
            let (_, rows) = try SandboxHTTP.records(try await monthlySales(sandbox))
            let types = Set(rows.map { $0.text("Product Type Identifier") })

            // then
            for (identifier, bucket) in expected {
                #expect(types.contains(identifier), "\(identifier)")
                #expect(ProductType(identifier).bucket == bucket, "\(identifier)")
            }
            #expect(!ProductType("1X").isKnown && !ProductType("Q9").isKnown)
        }
    }

    @Test("some rows write Units as N.00 and read back as whole units")
    func decimalUnits() async throws {
        try await SandboxServer.withRunning(seed: 3, now: Self.now) { sandbox in
            // given
            let bytes = try await monthlySales(sandbox)

            // when
            let (_, records) = try SandboxHTTP.records(bytes)
            let reader = try ReportReader(bytes: bytes, file: "month")
            var rows: [SalesRow] = []
            while let row = try reader.nextSalesRow() { rows.append(row) }

            // then
            let decimal = records.indices.filter { records[$0].text("Units").hasSuffix(".00") }
            #expect(!decimal.isEmpty)
            #expect(decimal.count * 10 < records.count)
            for index in decimal {
                #expect(records[index].text("Units") == "\(rows[index].units).00")
            }
        }
    }

    @Test("a Financial return has a negative Quantity and a positive Partner Share")
    func financialReturns() async throws {
        try await SandboxServer.withRunning(seed: 3, now: Self.now) { sandbox in
            // given
            let (account, token) = try sandbox.makeAccountWithUser(apps: 12)

            // when
            let answer = try await SandboxHTTP.reporter(
                sandbox, token: token, query: "Finance.getReport, \(account.vendors[0]),ZZ,Financial,2026,4",
                service: "finance")
            let reader = try ReportReader(bytes: answer.body, file: "financial")
            var rows: [FinancialRow] = []
            while let row = try reader.nextFinancialRow() { rows.append(row) }

            // then
            #expect(answer.status == 200)
            let returns = rows.filter { $0.salesOrReturn == "R" }
            #expect(!returns.isEmpty)
            #expect(returns.allSatisfy { $0.quantity < 0 })
            #expect(rows.allSatisfy { $0.partnerShare > .zero })
            #expect(rows.allSatisfy { $0.extendedPartnerShare == $0.partnerShare.multiplied(by: $0.quantity) })
            #expect(rows.filter { $0.salesOrReturn == "S" }.allSatisfy { $0.quantity > 0 })
        }
    }

    @Test("ZZ is every region in one file; a fiscal period starts on Sunday and ends on Saturday")
    func consolidatedRegion() async throws {
        try await SandboxServer.withRunning(seed: 3, now: Self.now) { sandbox in
            // given
            let (account, token) = try sandbox.makeAccountWithUser(apps: 12)
            func rows(_ region: String) async throws -> [FinancialRow] {
                let answer = try await SandboxHTTP.reporter(
                    sandbox, token: token,
                    query: "Finance.getReport, \(account.vendors[0]),\(region),Financial,2026,4", service: "finance")
                guard answer.status == 200 else { return [] }
                let reader = try ReportReader(bytes: answer.body, file: region)
                var rows: [FinancialRow] = []
                while let row = try reader.nextFinancialRow() { rows.append(row) }
                return rows
            }

            // when
            let all = try await rows("ZZ")
            var byRegion = 0
            for region in ["US", "EU", "GB", "JP", "WW"] { byRegion += try await rows(region).count }

            // then
            #expect(Set(all.map(\.partnerShareCurrency)).count >= 5)
            #expect(all.count >= byRegion && byRegion > 0)
            // fiscal 2026 period 4 (January): Sunday 12/28/2025 to Saturday 01/31/2026
            #expect(all.allSatisfy { $0.startDate == ReportDate(year: 2025, month: 12, day: 28) })
            #expect(all.allSatisfy { $0.endDate == ReportDate(year: 2026, month: 1, day: 31) })
        }
    }
}
