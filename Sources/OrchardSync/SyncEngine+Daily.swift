import AppStoreConnect
import Foundation
import Logging
import OrchardCore
package import OrchardStorage
package import SalesReports

extension SyncEngine {
    /// The daily sync of one account, once Apple publishes yesterday: the account's current vendors
    /// (one `Sales.getVendors`: a vendor Apple no longer lists is not fetched, a new one gets its
    /// history through a backfill), yesterday's daily report for every vendor (Apple's "not
    /// available yet" postpones the job, no error), any day missed since
    /// the last sync, the last `restatementDays` days again so restatements replace what changed,
    /// and the weekly, monthly and yearly reports of periods that closed. A day without sales is
    /// recorded empty; a report that fails for good is recorded failed and the rest go on.
    package func syncAccount(accountNumber: String) async throws {
        guard let account = try await accounts.find(number: accountNumber), account.access == .accessible else {
            return
        }
        let credential = try await credential()
        let latest = latestReportDay()
        // The store reads the day strictly; an account never synced starts with yesterday.
        let through = account.syncedThrough.flatMap { ReportDate($0) } ?? latest.adding(days: -1)
        guard through < latest else { return }
        let vendors = try await currentVendors(of: account, credential: credential)
        if vendors.contains(where: { !account.vendors.contains($0) }) && !account.vendors.isEmpty {
            // A new vendor's history: the backfill fetches only what the ledger does not hold.
            try await queue.enqueue(
                SyncJob.backfillAccount(accountNumber), storeAccountID: account.id, runAfter: now(), now: now())
        }

        for vendor in vendors {
            let identity = ReportIdentity(
                accountNumber: accountNumber, vendor: vendor, type: .sales, frequency: .daily, date: latest)
            if try await fetch(identity, credential: credential) == .notPublishedYet {
                throw JobPostponed(
                    until: now().addingTimeInterval(settings.notPublishedRetry),
                    reason: "Apple has not published the report of \(latest.isoText) yet")
            }
        }
        // The subscription reports come hours after the sales report: one not published yet is
        // fetched again on its own, so the day's sales need not wait for it.
        let versionOf = try await dailyVersions()
        for vendor in vendors {
            for type in Self.dailyTypes where type != .sales {
                let identity = ReportIdentity(
                    accountNumber: accountNumber, vendor: vendor, type: type, frequency: .daily, date: latest,
                    version: versionOf[type])
                if try await fetch(identity, credential: credential) == .notPublishedYet {
                    try await queue.enqueue(
                        SyncJob.syncReport(identity), storeAccountID: account.id,
                        runAfter: now().addingTimeInterval(settings.notPublishedRetry), now: now())
                }
            }
        }

        // Days missed since the last sync (a worker that was down), and the restatement window.
        let window = max(settings.restatementDays, latest.dayNumber - through.dayNumber - 1)
        let days = (1...max(1, min(window, settings.backfillDays - 1))).map { latest.adding(days: -$0) }
        let reports = days.flatMap { day in
            vendors.flatMap { vendor in
                Self.dailyTypes.map {
                    ReportIdentity(
                        accountNumber: accountNumber, vendor: vendor, type: $0, frequency: .daily, date: day,
                        version: versionOf[$0])
                }
            }
        }
        try await fetchAll(window > 0 ? reports : [], credential: credential) { _ in }

        // Periods that closed since the last sync.
        for identity in closedPeriods(after: through, through: latest, accountNumber: accountNumber, vendors: vendors)
        where try await fetch(identity, credential: credential) == .notPublishedYet {
            try await queue.enqueue(
                SyncJob.syncReport(identity), storeAccountID: account.id, runAfter: now().addingTimeInterval(6 * 3_600),
                now: now())
        }
        try await accounts.recordSync(number: accountNumber, through: latest, now: now())
        // A fiscal month that closed, or one Apple had not published yet.
        try await queue.enqueue(
            SyncJob.syncFinance(accountNumber), storeAccountID: account.id, runAfter: now(), now: now())
    }

    /// Weekly (ending on a Sunday), monthly and yearly periods whose last day lies in `(after, through]`.
    func closedPeriods(after: ReportDate, through: ReportDate, accountNumber: String, vendors: [String])
        -> [ReportIdentity]
    {
        guard after < through else { return [] }
        var periods: [(ReportFrequency, ReportDate)] = []
        for number in (after.dayNumber + 1)...through.dayNumber {
            let day = ReportDate(dayNumber: number)
            if day.weekday == 0 { periods.append((.weekly, day.adding(days: -6))) }
            if day.adding(days: 1).month != day.month {
                periods.append((.monthly, day.firstOfMonth))
            }
            if day.month == 12, day.day == 31 {
                periods.append((.yearly, day.firstOfYear))
            }
        }
        return periods.flatMap { frequency, start in
            vendors.map {
                ReportIdentity(
                    accountNumber: accountNumber, vendor: $0, type: .sales, frequency: frequency, date: start)
            }
        }
    }

    /// Fetches one report again later (a weekly or monthly report Apple had not published yet).
    package func syncReport(_ queued: ReportIdentity) async throws {
        guard let account = try await accounts.find(number: queued.accountNumber), account.access == .accessible
        else { return }
        let credential = try await credential()
        // A subscription report is asked for in the version Apple last named.
        var identity = queued
        identity.version = try await versions.version(of: identity.type)
        guard try await fetch(identity, credential: credential) == .notPublishedYet else { return }
        // Apple publishes within days of a period's end; a month later it never will.
        guard latestReportDay().dayNumber - Self.periodEnd(identity).dayNumber < 30 else { return }
        throw JobPostponed(
            until: now().addingTimeInterval(6 * 3_600), reason: "Apple has not published \(identity) yet")
    }
}

extension SyncEngine {
    /// The last day a report covers.
    package static func periodEnd(_ identity: ReportIdentity) -> ReportDate {
        identity.date.periodEnd(identity.frequency)
    }
}
