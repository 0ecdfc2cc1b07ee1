import AppStoreConnect
import Foundation
import Logging
import OrchardCore
import OrchardStorage
import SalesReports

extension SyncEngine {
    /// Fetches an account's history on activation: every daily Summary Sales, Subscription,
    /// Subscription Event and Subscriber report Apple still keeps (`backfillDays`), newest first so the dashboard fills from today backwards, then the
    /// yearly reports of the years before, until a year without sales. Reports already in the ledger
    /// are skipped, so a backfill cut short resumes where it stopped. Progress (reports done of
    /// reports planned) is kept on the store account.
    package func backfill(accountNumber: String) async throws {
        guard let account = try await accounts.find(number: accountNumber), account.access == .accessible else {
            return
        }
        let credential = try await credential()
        let vendors = try await currentVendors(of: account, credential: credential)
        let latest = latestReportDay()
        let oldest = latest.adding(days: -(settings.backfillDays - 1))
        let versionOf = try await dailyVersions()
        var missing: [ReportIdentity] = []
        var states: [String: [String: LedgerState]] = [:]
        for vendor in vendors {
            for type in Self.dailyTypes {
                states["\(vendor) \(type.rawValue)"] = try await ledger.states(
                    accountNumber: accountNumber, vendor: vendor, type: type, frequency: .daily, from: oldest,
                    to: latest)
            }
        }
        for offset in 0..<settings.backfillDays {
            let day = latest.adding(days: -offset)
            for vendor in vendors {
                for type in Self.dailyTypes where !Self.settled(states["\(vendor) \(type.rawValue)"]?[day.isoText]) {
                    missing.append(
                        ReportIdentity(
                            accountNumber: accountNumber, vendor: vendor, type: type, frequency: .daily, date: day,
                            version: versionOf[type]))
                }
            }
        }
        let total = settings.backfillDays * vendors.count * Self.dailyTypes.count
        try await accounts.setBackfill(number: accountNumber, done: total - missing.count, total: total)
        logger.info(
            "backfill started",
            metadata: ["account": "\(accountNumber)", "reports": "\(total)", "to_fetch": "\(missing.count)"])
        try await fetchAll(missing, credential: credential) { _ in
            try await accounts.advanceBackfill(number: accountNumber, done: 1)
        }

        // Yearly reports for the years before the daily window, kept in the ledger.
        var year = oldest.year - 1
        for _ in 0..<settings.yearlyReportsBack {
            guard let first = ReportDate(year: year, month: 1, day: 1) else { break }
            let yearly = vendors.map {
                ReportIdentity(accountNumber: accountNumber, vendor: $0, type: .sales, frequency: .yearly, date: first)
            }
            try await accounts.advanceBackfill(number: accountNumber, done: 0, total: yearly.count)
            var sales = false
            for identity in yearly {
                let known = try await ledger.states(
                    accountNumber: accountNumber, vendor: identity.vendor, type: .sales, frequency: .yearly,
                    from: first, to: first)[first.isoText]
                let outcome: FetchOutcome =
                    if let known, Self.settled(known) { known == .empty ? .empty : .unchanged } else {
                        try await fetch(identity, credential: credential)
                    }
                try await accounts.advanceBackfill(number: accountNumber, done: 1)
                if outcome != .empty, outcome != .tooOld { sales = true }
            }
            if !sales { break }
            year -= 1
        }
        let planned = try await accounts.find(number: accountNumber)?.backfill.total ?? total
        try await accounts.setBackfill(number: accountNumber, done: planned, total: planned)
        try await accounts.recordSync(
            number: accountNumber, through: try await completeThrough(accountNumber, vendors: vendors),
            now: now())
        logger.info("backfill done", metadata: ["account": "\(accountNumber)"])
        // The fiscal months' Financial reports, once the daily history is in.
        try await queue.enqueue(
            SyncJob.syncFinance(accountNumber), storeAccountID: account.id, runAfter: now(), now: now())
    }

    /// The daily reports of every account: Summary Sales, and the three subscription reports
    /// (docs/SUBSCRIPTIONS.md), each day's sales first.
    static let dailyTypes: [ReportType] = [.sales, .subscription, .subscriptionEvent, .subscriber]

    /// The version to ask for each daily report type.
    func dailyVersions() async throws -> [ReportType: String] {
        var versions: [ReportType: String] = [:]
        for type in Self.dailyTypes { versions[type] = try await self.versions.version(of: type) }
        return versions
    }

    /// `true` for a report that needs no fetching: it has content, or Apple said it never will.
    static func settled(_ state: LedgerState?) -> Bool {
        switch state {
        case .fetched, .empty, .restated, .failed(.reportTooOld): true
        default: false
        }
    }

    /// Fetches reports with at most `perAccountConcurrency` in flight, in the order given (newest
    /// first); `done` runs after each. A report that fails does not stop the others: the first
    /// failure is thrown once all have been tried, so a retried job has less left to do. A refused
    /// token or a rate limit stops at once.
    func fetchAll(
        _ reports: [ReportIdentity], credential: ServiceIdentity.Credential,
        done: @escaping @Sendable (FetchOutcome) async throws -> Void
    ) async throws {
        let width = max(1, settings.perAccountConcurrency)
        let failure: (any Error)? = try await withThrowingTaskGroup(of: (any Error)?.self) { group in
            var next = 0
            var failure: (any Error)?
            func add() {
                let report = reports[next]
                next += 1
                group.addTask {
                    do {
                        try await done(try await fetch(report, credential: credential))
                        return nil
                    } catch let error where error is JobPostponed || error is SyncFailure || error is CancellationError
                    {
                        throw error
                    } catch {
                        return error
                    }
                }
            }
            while next < min(width, reports.count) { add() }
            while let result = try await group.next() {
                if let result, failure == nil { failure = result }
                if next < reports.count { add() }
            }
            return failure
        }
        if let failure { throw failure }
    }

    /// The account's vendors as the service identity sees them now (one `Sales.getVendors`),
    /// stored on the account with each vendor that came or went in the audit log. When Apple does
    /// not answer now, or answers with no vendor at all (a glitch: an account always has one), the
    /// vendors already known are used, so a listing hiccup never stops a sync nor drops a vendor.
    func currentVendors(of account: StoreAccount, credential: ServiceIdentity.Credential) async throws -> [String] {
        let reporter = reporter
        let number = account.number
        let listed: [String]
        do {
            listed = try await askApple("Sales.getVendors", account: number, credential: credential) {
                try await reporter.vendors(token: $0, account: number)
            }
        } catch let error as ReporterError where error.isTransient && !account.vendors.isEmpty {
            logger.warning(
                "Apple did not list the account's vendors; syncing the ones known",
                metadata: ["account": "\(number)", "error": "\(error)"])
            return account.vendors
        }
        guard !listed.isEmpty || account.vendors.isEmpty else {
            logger.warning(
                "Apple listed no vendor for the account; syncing the ones known", metadata: ["account": "\(number)"])
            return account.vendors
        }
        if listed != account.vendors {
            try await accounts.setVendors(number: number, listed, known: account.vendors, now: now())
            logger.notice(
                "the account's vendors changed",
                metadata: ["account": "\(number)", "vendors": "\(listed.joined(separator: ","))"])
        }
        return listed
    }

    /// The newest day through which every vendor's daily reports have content: the latest report
    /// day when all are in, else the day before it.
    func completeThrough(_ accountNumber: String, vendors: [String]) async throws -> ReportDate {
        let latest = latestReportDay()
        for vendor in vendors {
            let state = try await ledger.states(
                accountNumber: accountNumber, vendor: vendor, type: .sales, frequency: .daily, from: latest, to: latest)[
                    latest.isoText]
            if state?.hasContent != true { return latest.adding(days: -1) }
        }
        return latest
    }
}
