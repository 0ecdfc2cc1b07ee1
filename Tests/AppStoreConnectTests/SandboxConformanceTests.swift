import AsyncHTTPClient
import ConnectSandbox
import Crypto
import Foundation
import OrchardTestSupport
import SalesReports
import Testing

@testable import AppStoreConnect

/// The clients against Connect Sandbox over real loopback HTTP: every answer the sandbox can give.
@Suite("Clients against Connect Sandbox")
struct SandboxConformanceTests {
    /// 2026-11-20 12:00 Pacific (20:00 UTC): yesterday's report is out (5 am), today's is not.
    static let now = Date(timeIntervalSince1970: 1_795_204_800)
    static let yesterday = ReportDate(year: 2026, month: 11, day: 19)!
    static let today = ReportDate(year: 2026, month: 11, day: 20)!

    static func reporter(
        _ sandbox: SandboxServer, retry: RetryPolicy = .none, logs: CapturedLogs = CapturedLogs(),
        timeout: Duration = .seconds(10)
    )
        -> ReporterClient
    {
        ReporterClient(
            baseURL: URL(string: sandbox.baseURL)!, transport: .asyncHTTPClient(.shared), retry: retry,
            timeout: timeout,
            logger: logs.logger)
    }

    @Test("accounts, vendors and a daily report that SalesReports parses")
    func happyPath() async throws {
        try await SandboxServer.withRunning(seed: 7, now: Self.now) { sandbox in
            // given
            let (account, secret) = try sandbox.makeAccountWithUser(apps: 3)
            let token = ReporterAccessToken(secret)
            let client = Self.reporter(sandbox)

            // when
            let accounts = try await client.accounts(token: token)
            let vendors = try await client.vendors(token: token, account: nil)
            let file = try await client.salesReport(
                token: token, account: nil, request: SalesReportRequest(vendor: vendors[0], date: Self.yesterday))

            // then
            #expect(accounts == [ReporterAccount(number: String(account.number), name: account.name)])
            #expect(vendors == account.vendors.map(String.init))
            #expect(file.fileName == "S_D_\(vendors[0])_20261119.txt.gz")
            let reader = try ReportReader(bytes: Array(file.gzipData), file: file.fileName)
            var rows = 0
            while let row = try reader.nextSalesRow() {
                #expect(row.beginDate == Self.yesterday)
                rows += 1
            }
            #expect(rows > 0)
            let status = try await client.salesStatus(token: token)
            #expect(status.code == 0)
        }
    }

    @Test("weekly, monthly and subscription reports are asked for as Apple expects")
    func otherReports() async throws {
        try await SandboxServer.withRunning(seed: 7, now: Self.now) { sandbox in
            // enough apps that some sell auto-renewable subscriptions
            let (account, secret) = try sandbox.makeAccountWithUser(apps: 20)
            let vendor = String(account.vendors[0])
            let client = Self.reporter(sandbox)
            let token = ReporterAccessToken(secret)
            let lastWeek = ReportDate(year: 2026, month: 11, day: 12)!
            let weekly = try await client.salesReport(
                token: token, account: nil,
                request: SalesReportRequest(vendor: vendor, frequency: .weekly, date: lastWeek))
            #expect(weekly.fileName == "S_W_\(vendor)_20261115.txt.gz")
            let monthly = try await client.salesReport(
                token: token, account: nil,
                request: SalesReportRequest(
                    vendor: vendor, frequency: .monthly, date: ReportDate(year: 2026, month: 10, day: 1)!))
            #expect(monthly.fileName == "S_M_\(vendor)_202610.txt.gz")
            let subscription = try await client.salesReport(
                token: token, account: nil,
                request: SalesReportRequest(vendor: vendor, type: .subscription, date: Self.yesterday))
            #expect(subscription.gzipData.starts(with: [0x1F, 0x8B]))
        }
    }

    @Test("Finance: accounts, vendors and regions, and a financial report with its footer")
    func finance() async throws {
        try await SandboxServer.withRunning(seed: 7, now: Self.now) { sandbox in
            // given
            let (account, secret) = try sandbox.makeAccountWithUser(apps: 5)
            let token = ReporterAccessToken(secret)
            let client = Self.reporter(sandbox)

            // when
            let accounts = try await client.financeAccounts(token: token)
            let vendors = try await client.vendorsAndRegions(token: token, account: nil)
            let region = try #require(vendors.first?.regions.first)
            // fiscal period 1 of 2027 is October 2026, published in November
            let file = try await client.financeReport(
                token: token, account: nil,
                request: FinanceReportRequest(
                    vendor: vendors[0].vendor, regionCode: region.code, fiscalYear: 2027, fiscalPeriod: 1))

            // then
            #expect(accounts.map(\.number) == [String(account.number)])
            #expect(vendors.map(\.vendor) == account.vendors.map(String.init))
            #expect(region.reports.contains("Financial"))
            let reader = try ReportReader(bytes: Array(file.gzipData), file: file.fileName)
            #expect(reader.kind == .financial)
            var rows = 0
            while try reader.nextFinancialRow() != nil { rows += 1 }
            #expect(rows > 0)
            #expect(reader.financialFooter?.rows == rows)
        }
    }

    @Test("every Reporter error the sandbox gives is typed")
    func reporterErrors() async throws {
        try await SandboxServer.withRunning(seed: 7, now: Self.now) { sandbox in
            // given
            let (account, secret) = try sandbox.makeAccountWithUser(historyDays: 10)
            let second = try sandbox.world.createAccount(name: "Second", apps: 1)
            let (_, wide) = try sandbox.world.createUser(
                appleId: "wide@example.com", accounts: [account.number, second.number])
            let token = ReporterAccessToken(secret)
            let vendor = String(account.vendors[0])
            let client = Self.reporter(sandbox)
            func report(
                _ date: ReportDate, vendor: String = vendor, token: ReporterAccessToken = token, account: String? = nil
            )
                async -> ReporterError?
            {
                do {
                    _ = try await client.salesReport(
                        token: token, account: account, request: SalesReportRequest(vendor: vendor, date: date))
                    return nil
                } catch { return error }
            }

            // then
            guard case .notAvailableYet = await report(Self.today) else {
                Issue.record("today is not available yet"); return
            }
            #expect(await report(ReportDate(year: 2026, month: 11, day: 1)!) == .noSales)
            guard case .reportTooOld = await report(ReportDate(year: 2025, month: 1, day: 1)!) else {
                Issue.record("older than a year is code 205, too old")
                return
            }
            #expect(await report(Self.yesterday, vendor: "99999999") == .invalidVendor)
            #expect(
                await report(Self.yesterday, token: ReporterAccessToken("00000000-0000-4000-8000-000000000000"))
                    == .invalidToken)
            let wideToken = ReporterAccessToken(wide.value)
            #expect(await report(Self.yesterday, token: wideToken) == .accountRequired)
            #expect(await report(Self.yesterday, token: wideToken, account: "1") == .invalidAccount)
            #expect(await report(Self.yesterday, token: wideToken, account: String(account.number)) == nil)

            // a new token revokes the old one; a token expires after its days
            let renewed = try sandbox.world.generateToken(appleId: "owner@example.com")
            #expect(await report(Self.yesterday) == .invalidToken)
            sandbox.clock.advance(by: 181 * 86_400)
            #expect(await report(Self.yesterday, token: ReporterAccessToken(renewed.value)) == .expiredToken)
        }
    }

    @Test("faults: 5xx and 429 are retried with Retry-After, hangs time out, truncated gzip is refused by the parser")
    func faults() async throws {
        try await SandboxServer.withRunning(seed: 7, now: Self.now) { sandbox in
            let (account, secret) = try sandbox.makeAccountWithUser()
            let token = ReporterAccessToken(secret)
            let request = SalesReportRequest(vendor: String(account.vendors[0]), date: Self.yesterday)
            let sleeps = RecordedSleeps()

            sandbox.faults.settings = FaultSettings(errorRate: 1)
            let unavailable = await #expect(throws: ReporterError.self) {
                try await Self.reporter(sandbox, retry: sleeps.policy).salesReport(
                    token: token, account: nil, request: request)
            }
            guard case .appleUnavailable(500, let message) = unavailable else {
                Issue.record("\(String(describing: unavailable))"); return
            }
            #expect(message.contains("An unexpected error occurred"))
            #expect(sleeps.all.count == 3)

            sandbox.faults.settings = FaultSettings(rateLimitRate: 1, retryAfterSeconds: 2)
            let limited = await #expect(throws: ReporterError.self) {
                try await Self.reporter(sandbox, retry: sleeps.policy).accounts(token: token)
            }
            #expect(limited == .rateLimited(retryAfter: .seconds(2)))
            #expect(sleeps.all.suffix(3) == [.seconds(2), .seconds(2), .seconds(2)])

            sandbox.faults.settings = FaultSettings(timeoutRate: 1, timeoutSeconds: 3)
            let hung = await #expect(throws: ReporterError.self) {
                try await Self.reporter(sandbox, timeout: .seconds(1)).accounts(token: token)
            }
            #expect(hung == .transport(.timedOut))

            sandbox.faults.settings = FaultSettings(truncateRate: 1)
            let truncated = try await Self.reporter(sandbox).salesReport(token: token, account: nil, request: request)
            #expect(throws: ReportError.self) {
                let reader = try ReportReader(bytes: Array(truncated.gzipData), file: truncated.fileName)
                while try reader.nextSalesRow() != nil {}
            }
            sandbox.faults.settings = FaultSettings()
        }
    }

    @Test("App Store Connect API: real ES256 tokens, pagination, reports and typed errors")
    func connectAPI() async throws {
        try await SandboxServer.withRunning(seed: 7, now: Self.now) { sandbox in
            // given
            let account = try sandbox.world.createAccount(name: "Big", apps: 230, historyDays: 10)
            let (registered, pem) = try sandbox.world.registerKey(roles: [.admin], accounts: [account.number])
            let key = try ConnectAPIKey(keyID: registered.keyId, issuerID: registered.issuerId, privateKeyPEM: pem)
            let logs = CapturedLogs()
            let client = ConnectAPIClient(
                baseURL: URL(string: sandbox.baseURL)!, key: key, transport: .asyncHTTPClient(.shared), retry: .none,
                logger: logs.logger, now: { Self.now })
            _ = try sandbox.world.invite(email: "svc@example.com", to: account.number, roles: [.sales])
            let vendor = String(account.vendors[0])

            // when
            let apps = try await client.apps()
            let invitations = try await client.userInvitations()
            let report = try await client.salesReport(
                ConnectSalesReportQuery(vendorNumber: vendor, reportDate: "2026-11-19"))

            // then
            #expect(apps.count == 230)
            #expect(Set(apps.map(\.sku)).count == 230)
            #expect(invitations.map(\.email) == ["svc@example.com"])
            #expect(report.gzipData.starts(with: [0x1F, 0x8B]))
            let limit = await client.rateLimit
            #expect(limit?.limit == 3500)
            #expect((limit?.remaining ?? 0) < 3500)
            func failure(_ date: String, vendor: String = vendor, version: String? = "1_0") async -> ConnectAPIError? {
                do throws(ConnectAPIError) {
                    _ = try await client.salesReport(
                        ConnectSalesReportQuery(vendorNumber: vendor, reportDate: date, version: version))
                    return nil
                } catch { return error }
            }
            guard case .notAvailableYet = await failure("2026-11-20") else { Issue.record("today"); return }
            #expect(await failure("2026-11-01") == .noSales)
            guard case .reportGone = await failure("2025-01-01") else {
                Issue.record("older than a year is 410"); return
            }
            guard case .invalidRequest(400, let code, _, _) = await failure("2026-11-19", version: "9_9") else {
                Issue.record("a bad version is 400")
                return
            }
            #expect(code.hasPrefix("PARAMETER_ERROR"))

            let (weak, weakPEM) = try sandbox.world.registerKey(roles: [.developer], accounts: [account.number])
            let weakClient = ConnectAPIClient(
                baseURL: URL(string: sandbox.baseURL)!,
                key: try ConnectAPIKey(keyID: weak.keyId, issuerID: weak.issuerId, privateKeyPEM: weakPEM),
                transport: .asyncHTTPClient(.shared), retry: .none, now: { Self.now })
            await #expect(throws: ConnectAPIError.self) {
                try await weakClient.salesReport(
                    ConnectSalesReportQuery(vendorNumber: vendor, reportDate: "2026-11-19"))
            }
            let wrongKey = ConnectAPIClient(
                baseURL: URL(string: sandbox.baseURL)!,
                key: ConnectAPIKey(keyID: registered.keyId, issuerID: registered.issuerId, privateKey: .init()),
                transport: .asyncHTTPClient(.shared), retry: .none, now: { Self.now })
            let unauthorized = await #expect(throws: ConnectAPIError.self) { try await wrongKey.apps() }
            guard case .notAuthorized = unauthorized else {
                Issue.record("\(String(describing: unauthorized))"); return
            }
            #expect(!logs.text.isEmpty)
            #expect(!logs.text.contains(pem.split(separator: "\n")[1]))
        }
    }
}
