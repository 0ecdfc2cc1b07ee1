package import AppStoreConnect
import Foundation
import Logging
import OrchardCore
import OrchardStorage
import SalesReports

extension SyncEngine {
    /// An account's Financial reports (docs/PAYOUTS.md). `Finance.getVendorsAndRegions` tells
    /// whether the service user has the Finance role (Apple does not show the account to it
    /// otherwise: recorded, and nothing else happens); then, newest first, each listed region's
    /// Financial report of every closed fiscal month Apple still offers (`financeMonths` back, until
    /// a month Apple no longer keeps) that the ledger does not hold, with the sales reports'
    /// ledger, archive, idempotency and restatement rules. Apple answers "no sales" for a month it
    /// has not published yet as for a month without sales, so an empty month is asked again until
    /// its payment is due (45 days after its end).
    package func syncFinance(accountNumber: String) async throws {
        guard let account = try await accounts.find(number: accountNumber), account.access == .accessible else {
            return
        }
        let credential = try await credential()
        let reporter = reporter
        let instance = InstanceSettings(database: database)
        let listed: [ReporterVendorRegions]
        do {
            listed = try await askApple("Finance.getVendorsAndRegions", account: accountNumber, credential: credential)
            {
                try await reporter.vendorsAndRegions(token: $0, account: accountNumber)
            }
        } catch ReporterError.invalidAccount {
            try await FinanceAccess(granted: false, regions: [], checkedAt: now()).record(
                accountNumber: accountNumber, in: instance)
            logger.info(
                "the service user cannot read the account's financial reports (no Finance role)",
                metadata: ["account": "\(accountNumber)"])
            return
        }
        let regions = Self.financialRegions(listed)
        try await FinanceAccess(
            granted: true, regions: regions.map { "\($0.vendor):\($0.region)" }, checkedAt: now()
        ).record(accountNumber: accountNumber, in: instance)
        guard !regions.isEmpty else { return }

        let latest = latestReportDay()
        var period = FiscalPeriod(containing: latest)
        if period.end > latest { period = period.previous }
        for _ in 0..<max(1, settings.financeMonths) {
            var missing: [ReportIdentity] = []
            for (vendor, region) in regions {
                let identity = ReportIdentity.financial(
                    accountNumber: accountNumber, vendor: vendor, region: region, period: period)
                let state = try await ledger.states(
                    accountNumber: accountNumber, vendor: vendor, type: .financial, subtype: region,
                    frequency: .fiscal, from: period.start, to: period.start)[period.start.isoText]
                if Self.settled(state), state != .empty || latest > period.paymentDueBy { continue }
                missing.append(identity)
            }
            let tooOld = TooOldCount()
            try await fetchAll(missing, credential: credential) { outcome in
                if outcome == .tooOld { await tooOld.add() }
            }
            // Apple keeps financial reports for a while; a month it no longer offers ends the walk.
            if !missing.isEmpty, await tooOld.count == missing.count { break }
            period = period.previous
        }
    }
}

extension SyncEngine {
    /// The vendors' regions whose Financial report is read: each region Apple lists with a
    /// `Financial` report, `ZZ` (every region in one file) only when a vendor lists no other, so
    /// no sale counts twice.
    package static func financialRegions(_ listed: [ReporterVendorRegions]) -> [(vendor: String, region: String)] {
        listed.flatMap { vendor in
            let financial = vendor.regions.filter { $0.reports.contains { $0.lowercased() == "financial" } }.map(\.code)
            let own = financial.contains { $0 != ReportIdentity.allRegions }
            return financial.filter { !own || $0 != ReportIdentity.allRegions }.map {
                (vendor: vendor.vendor, region: $0)
            }
        }
    }
}

/// Counts the reports of one fiscal month Apple no longer keeps.
private actor TooOldCount {
    var count = 0
    func add() { count += 1 }
}
