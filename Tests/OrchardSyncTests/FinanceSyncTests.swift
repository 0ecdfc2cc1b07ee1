import AppStoreConnect
import AsyncHTTPClient
import ConnectSandbox
import Foundation
import OrchardApp
import OrchardCore
import OrchardStorage
import OrchardSync
import OrchardTestSupport
import SQLKit
import SalesReports
import Testing

/// Financial reports in the sync and the payouts made of them (docs/PAYOUTS.md): with the Finance
/// role every listed region's report of each closed fiscal month is read, and every final figure
/// of the payouts equals what the sandbox's Financial report files add up to, computed apart from
/// Orchard; without the role nothing is fetched, the account says why, and the daily sync goes on.
@Suite("Financial reports and payouts")
struct FinanceSyncTests {
    /// 2026-06-15: FY2026 periods 7 (03/29–05/02) and 8 (05/03–05/30) are closed, 9 is running.
    static let closed = [FiscalPeriod(year: 2026, period: 7)!, FiscalPeriod(year: 2026, period: 8)!]

    static func settings() -> SyncSettings {
        var settings = SyncHarness.settings(backfillDays: 90)
        settings.financeMonths = 3
        return settings
    }

    @Test(
        "with the Finance role the payouts' final figures are the Financial reports' sums",
        arguments: TestBackend.available)
    func finals(backend: TestBackend) async throws {
        try await SyncHarness.with(backend, settings: Self.settings()) { harness in
            // given: an account with 120 days of history whose owner invited the service with Sales and Finance
            let (account, ownerToken) = try harness.sandbox.makeAccountWithUser(
                name: "Finance Co.", apps: 4, historyDays: 120)
            let userID = try await harness.user("finance@example.com")
            _ = try await harness.integrate(userID: userID, account: account)
            try harness.inviteService(into: account, roles: [.sales, .finance])

            // when: the account is activated, backfilled and its financial reports read
            try await harness.engine.checkInvitations()
            try await harness.drain()

            // then: the regions Apple lists are known, and each closed month's reports are in the ledger
            let number = String(account.number)
            let access = try #require(
                try await FinanceAccess.read(accountNumber: number, in: InstanceSettings(database: harness.database)))
            #expect(access.granted && !access.regions.isEmpty)
            let reference = try await Self.reference(harness, account: account, ownerToken: ownerToken)
            #expect(!reference.isEmpty)
            let user = User(id: userID, email: "finance@example.com", role: .member, createdAt: SyncHarness.start)
            let payouts = Payouts(database: harness.database, cache: MetricsCache(), now: { harness.clock.now })
            let report = try await payouts.report(query: ["fiscalYear": "2026"], user: user, readable: nil)
            for period in Self.closed {
                let month = try #require(report.months.first { $0.period == period })
                #expect(month.status == .final, "\(period)")
                let expected = reference[period] ?? [:]
                #expect(Set(month.currencies.compactMap { $0.final == nil ? nil : $0.currency }) == Set(expected.keys))
                for row in month.currencies {
                    let sums = expected[row.currency] ?? Sums()
                    let final = try #require(row.final, "\(period) \(row.currency)")
                    #expect(final.micros == sums.micros, "\(period) \(row.currency) proceeds")
                    #expect(final.units == sums.units, "\(period) \(row.currency) units")
                    #expect(final.returnUnits == sums.returnUnits, "\(period) \(row.currency) returns")
                    #expect(final.returnMicros == sums.returnMicros, "\(period) \(row.currency) returned proceeds")
                    // The parts add up to the difference.
                    #expect(row.parts.reduce(0) { $0 + $1.differenceMicros } == row.differenceMicros)
                }
                #expect(month.paymentDueBy == period.end.adding(days: 45))
            }
            // Returns of a month's last week are booked in the next month's report (as Apple's often
            // are): the difference shows them as its "returns" part.
            let finalMonths = report.months.filter { $0.status == .final }
            #expect(finalMonths.contains { $0.currencies.contains { $0.parts.contains { $0.kind == .returns } } })
            // The running month is in progress with a forecast; nothing of it is final.
            let running = try #require(report.months.first)
            #expect(running.status == .inProgress && running.currencies.allSatisfy { $0.final == nil })
            let forecast = try #require(report.forecast)
            #expect(forecast.lowMicros <= forecast.expectedMicros && forecast.expectedMicros <= forecast.highMicros)
            #expect(report.accounts.map(\.state) == [.available])

            // and: the same sync again changes nothing
            let lines = try await harness.count("financial_lines", account: account)
            let ledger = try await harness.count("report_ledger", account: account)
            harness.advance(days: 0.01)
            try await harness.queue.enqueue(
                SyncJob.syncFinance(number), runAfter: harness.clock.now, now: harness.clock.now)
            try await harness.drain()
            #expect(try await harness.count("financial_lines", account: account) == lines)
            #expect(try await harness.count("report_ledger", account: account) == ledger)
        }
    }

    @Test("without the Finance role nothing is fetched and the account says why", arguments: TestBackend.available)
    func noFinanceRole(backend: TestBackend) async throws {
        try await SyncHarness.with(backend, settings: Self.settings()) { harness in
            // given: the service invited with Sales only
            let (account, _) = try await harness.activeAccount(name: "Sales Only", historyDays: 60)
            let number = String(account.number)

            // then: the check found no Finance role, no Financial report was asked for, the sales are in
            let access = try #require(
                try await FinanceAccess.read(accountNumber: number, in: InstanceSettings(database: harness.database)))
            #expect(!access.granted)
            let financial = try await harness.database.withConnection { connection in
                try await connection.raw("SELECT COUNT(*) AS n FROM report_ledger WHERE report_type = 'Financial'")
                    .first()!.decode(column: "n", as: Int.self)
            }
            #expect(financial == 0)
            #expect(try await harness.count("sales_facts", account: account) > 0)
            let user = User(id: 1, email: "u@example.com", role: .member, createdAt: SyncHarness.start)
            let report = try await Payouts(
                database: harness.database, cache: MetricsCache(), now: { harness.clock.now }
            )
            .report(query: ["fiscalYear": "2026"], user: user, readable: nil)
            #expect(report.accounts.map(\.state) == [.needsFinanceRole])
            #expect(report.months.allSatisfy { $0.status != .final })
        }
    }

    @Test(
        "a fiscal month Apple has not published yet reads as no sales and is asked for again until it is",
        arguments: TestBackend.available)
    func notPublishedYet(backend: TestBackend) async throws {
        // 2026-06-02 noon Pacific: FY2026 period 8 ended on 05/30; Apple (and the sandbox) publish it on 06/04.
        let start = Date(timeIntervalSince1970: 1_780_426_800)
        try await SyncHarness.with(backend, settings: Self.settings(), start: start) { harness in
            // given
            let (account, _) = try harness.sandbox.makeAccountWithUser(name: "Early", apps: 2, historyDays: 90)
            let userID = try await harness.user("early@example.com")
            _ = try await harness.integrate(userID: userID, account: account)
            try harness.inviteService(into: account, roles: [.sales, .finance])
            try await harness.engine.checkInvitations()
            try await harness.drain()
            let may = try #require(FiscalPeriod(year: 2026, period: 8))
            let user = User(id: userID, email: "early@example.com", role: .member, createdAt: start)
            let payouts = Payouts(database: harness.database, cache: MetricsCache(), now: { harness.clock.now })
            let before = try await payouts.report(query: ["fiscalYear": "2026"], user: user, readable: nil)
            #expect(before.months.first { $0.period == may }?.status == .estimated)
            #expect(before.months.first { $0.period == may.previous }?.status == .final)

            // when: Apple publishes it, and the next sync asks again
            harness.advance(days: 3)
            try await harness.queue.enqueue(
                SyncJob.syncFinance(String(account.number)), runAfter: harness.clock.now, now: harness.clock.now)
            try await harness.drain()

            // then
            let after = try await payouts.report(query: ["fiscalYear": "2026"], user: user, readable: nil)
            let month = try #require(after.months.first { $0.period == may })
            #expect(month.status == .final)
            #expect(month.currencies.contains { ($0.final?.micros ?? 0) > 0 })
        }
    }

    @Test("ZZ is read only when a vendor lists no other region: no sale counts twice")
    func consolidatedRegion() {
        // given
        func vendor(_ number: String, _ codes: [String]) -> ReporterVendorRegions {
            ReporterVendorRegions(vendor: number, regions: codes.map { .init(code: $0, reports: ["Financial"]) })
        }
        let listed = [
            vendor("1", ["US", "EU", "ZZ"]), vendor("2", ["ZZ"]),
            ReporterVendorRegions(vendor: "3", regions: [.init(code: "JP", reports: ["Other"])]),
        ]

        // when
        let read = SyncEngine.financialRegions(listed).map { "\($0.vendor):\($0.region)" }

        // then
        #expect(read == ["1:US", "1:EU", "2:ZZ"])
    }

    @Test("the difference's parts add up to it: returns, each app and country, the smaller ones together")
    func parts() {
        // given: 30 apps sold in the US, each booked 1 cent short, and returns booked differently
        var estimates: [PayoutStore.Line] = []
        var finals: [PayoutStore.Line] = []
        for app in 0..<30 {
            estimates.append(
                .init(
                    accountID: 1, app: "APP\(app)", country: "US", currency: "USD", isReturn: false, units: 10,
                    micros: 7_000_000 + Int64(app) * 10_000))
            finals.append(
                .init(
                    accountID: 1, app: "APP\(app)", country: "US", currency: "USD", isReturn: false, units: 10,
                    micros: 6_990_000 + Int64(app) * 10_000))
        }
        estimates.append(
            .init(
                accountID: 1, app: "APP0", country: "US", currency: "USD", isReturn: true, units: -1, micros: -700_000))
        finals.append(
            .init(accountID: 1, app: "NEW", country: "FR", currency: "USD", isReturn: false, units: 1, micros: 500_000))

        // when
        let parts = Payouts.parts(estimates: estimates, finals: finals, title: { _, app in app })

        // then: 25 listed, the rest in one, all adding up to final − estimate
        let difference = finals.reduce(0) { $0 + $1.micros } - estimates.reduce(0) { $0 + $1.micros }
        #expect(parts.count == Payouts.partsShown + 1)
        #expect(parts.reduce(0) { $0 + $1.differenceMicros } == difference)
        #expect(parts.first?.kind == .returns && parts.first?.differenceMicros == 700_000)
        #expect(parts.contains { $0.kind == .onlyFinancial && $0.app == "NEW" && $0.country == "FR" })
        #expect(parts.last?.kind == .smaller && parts.last?.differenceMicros == -70_000)
    }

    struct Sums: Equatable {
        var micros: Int64 = 0
        var units: Int64 = 0
        var returnUnits: Int64 = 0
        var returnMicros: Int64 = 0
    }

    /// A Financial report, or `nil` when Apple has no sales for it.
    static func download(
        _ client: ReporterClient, token: ReporterAccessToken, account: String, _ request: FinanceReportRequest
    ) async throws -> AppStoreConnect.ReportFile? {
        do {
            return try await client.financeReport(token: token, account: account, request: request)
        } catch {
            if case .noSales = error { return nil }
            throw error
        }
    }

    /// Each closed month's sums per currency, read from the sandbox's Financial report files of every
    /// region with the owner's token, summed by SalesReports alone.
    static func reference(_ harness: SyncHarness, account: SandboxAccount, ownerToken: String) async throws
        -> [FiscalPeriod: [String: Sums]]
    {
        let client = ReporterClient(
            baseURL: URL(string: harness.sandbox.baseURL)!, transport: .asyncHTTPClient(.shared))
        let token = ReporterAccessToken(ownerToken)
        let number = String(account.number)
        let listed = try await client.vendorsAndRegions(token: token, account: number)
        var sums: [FiscalPeriod: [String: Sums]] = [:]
        for period in closed {
            for vendor in listed {
                for region in vendor.regions {
                    guard
                        let file = try await Self.download(
                            client, token: token, account: number,
                            FinanceReportRequest(
                                vendor: vendor.vendor, regionCode: region.code, fiscalYear: period.year,
                                fiscalPeriod: period.period))
                    else { continue }
                    let reader = try ReportReader(bytes: [UInt8](file.gzipData), file: file.fileName)
                    while let row = try reader.nextFinancialRow() {
                        var sum = sums[period, default: [:]][row.partnerShareCurrency, default: Sums()]
                        let micros = Int64(row.extendedPartnerShare.millionths)
                        sum.micros += micros
                        sum.units += row.quantity
                        if row.salesOrReturn == "R" {
                            sum.returnUnits += row.quantity
                            sum.returnMicros += micros
                        }
                        sums[period, default: [:]][row.partnerShareCurrency] = sum
                    }
                }
            }
        }
        return sums
    }
}
