package import Foundation
package import OrchardCore
package import OrchardStorage
import OrchardSync
package import SalesReports

/// A user's integrations as My Account > Data Integration, the dashboard and the API show them:
/// each with its store account's sync state, and the apps of the active ones.
package struct Integrations: Sendable {
    /// One integration with its store account (`nil` only while the account row is being made).
    package struct Row: Sendable {
        package let integration: Integration
        package let account: StoreAccount?
        /// What stops or threatens its syncing now, if anything.
        package var problem: Problem?

        package init(integration: Integration, account: StoreAccount?, problem: Problem? = nil) {
            self.integration = integration
            self.account = account
            self.problem = problem
        }
    }

    /// Something a user should know about an integration that is pending or active: a stable code
    /// and the sentence they read (docs/API.md, Integrations).
    package struct Problem: Sendable, Equatable {
        package let code: String
        package let message: String

        static let serviceTokenRefused = Problem(
            code: "service_token_refused",
            message:
                "Syncing is stopped: Apple refused Orchard's service access token. The operator has been told; "
                + "syncing resumes by itself when a new token is set. Nothing you see is lost.")
        static func serviceTokenExpiring(days: Int) -> Problem {
            Problem(
                code: "service_token_expiring",
                message:
                    "Orchard's service access token expires in \(days == 1 ? "1 day" : "\(days) days"); the operator "
                    + "has been told. Syncing stops if it is not replaced in time.")
        }
        static let listingDegraded = Problem(
            code: "listing_degraded",
            message:
                "Apple's list of the accounts Orchard can read is incomplete at the moment. Orchard changes "
                + "nothing until the list is whole again; your data keeps syncing where Apple allows.")
        static func syncFailing(_ error: String) -> Problem {
            Problem(code: "sync_failing", message: "Syncing, but the last attempt failed: \(error)")
        }
        static func vendorFailing(_ vendor: String, day: ReportDate, answer: String) -> Problem {
            Problem(
                code: "vendor_failing",
                message:
                    "Apple refused the report of vendor \(vendor) for \(day.isoText): \(answer). Orchard tries again "
                    + "at each sync; the other vendors' days are in.")
        }
        static func syncLate(_ day: ReportDate) -> Problem {
            Problem(
                code: "sync_late",
                message:
                    "Orchard has not fetched the report of \(day.isoText) yet, though Apple usually publishes it by 5 am "
                    + "Pacific: its workers may be stopped. The operator sees this too; nothing is lost.")
        }
        static func appleLate(_ day: ReportDate) -> Problem {
            Problem(
                code: "apple_late",
                message:
                    "Apple has not published the report of \(day.isoText) yet (it usually does by 5 am Pacific). "
                    + "Orchard asks again every hour; nothing is lost.")
        }
    }

    /// The Data Integration page.
    package struct Overview: Sendable {
        package let rows: [Row]
        package let serviceAppleID: String?
        package let checkSeconds: Int
        package let now: Date
        /// Whether the service user reads the account's Financial reports (the Finance role), as
        /// the last `sync_finance` found it; `nil` before the first check (docs/PAYOUTS.md).
        package var financeAccess: FinanceAccess? = nil
    }

    private let integrations: IntegrationStore
    private let storeAccounts: StoreAccountStore
    private let apps: VisibleAppStore
    private let ledger: ReportLedger
    private let subscriptions: SubscriptionStore
    private let audit: AuditLog
    private let listing: ServiceListingStore
    private let queue: JobQueue
    private let instance: InstanceSettings
    private let settings: Settings
    private let health: (@Sendable () async throws -> OperationsSnapshot)?
    private let now: @Sendable () -> Date

    /// - Parameter health: the service identity's health from the sync engine (the service token, a
    ///   degraded listing), when this process has one: the problems it shows on every user's rows.
    package init(
        database: OrchardDatabase, settings: Settings,
        health: (@Sendable () async throws -> OperationsSnapshot)? = nil, now: @escaping @Sendable () -> Date
    ) {
        integrations = IntegrationStore(database: database)
        storeAccounts = StoreAccountStore(database: database)
        apps = VisibleAppStore(database: database)
        ledger = ReportLedger(database: database)
        subscriptions = SubscriptionStore(database: database)
        audit = AuditLog(database: database)
        listing = ServiceListingStore(database: database)
        queue = JobQueue(database: database)
        instance = InstanceSettings(database: database)
        self.settings = settings
        self.health = health
        self.now = now
    }

    /// The user's integrations, each with its store account's sync state and its problem.
    package func rows(of user: User) async throws -> [Row] {
        let snapshot = try? await health?()
        // Every page shows these rows: the integrations with their accounts in one query, their
        // failures in another, whatever the number of integrations.
        let listed = try await integrations.listWithAccounts(userID: user.id)
        let list = listed.map(\.integration)
        let accounts = Dictionary(listed.map { ($0.account.number, $0.account) }) { first, _ in first }
        let time = now()
        var failures: [String: [ReportLedger.Failure]] = [:]
        if list.contains(where: { $0.status == .active }) {
            failures = try await ledger.failures(
                activeIntegrationsOf: user.id,
                since: Self.failuresSince(now: time, restatementDays: settings.restatementDays))
        }
        var result: [Row] = []
        for integration in list {
            let account = accounts[integration.accountNumber]
            var standing: LedgerStanding?
            if integration.status == .active, let account {
                standing = try await Self.standing(
                    of: account, failures: failures[account.number] ?? [], ledger: ledger, now: time)
            }
            result.append(
                Row(
                    integration: integration, account: account,
                    problem: Self.problem(
                        integration.status, account: account, snapshot: snapshot, failures: standing?.failing ?? [],
                        late: standing?.late)))
        }
        return result
    }

    /// The row, with what the ledger says of its account when the integration is active.
    private func rowAndStanding(_ integration: Integration, snapshot: OperationsSnapshot?) async throws
        -> (row: Row, standing: LedgerStanding?)
    {
        let account = try await storeAccounts.find(number: integration.accountNumber)
        var standing: LedgerStanding?
        if integration.status == .active, let account {
            standing = try await Self.standing(
                of: account, ledger: ledger, restatementDays: settings.restatementDays, now: now())
        }
        let row = Row(
            integration: integration, account: account,
            problem: Self.problem(
                integration.status, account: account, snapshot: snapshot, failures: standing?.failing ?? [],
                late: standing?.late))
        return (row, standing)
    }

    /// What the ledger says of an active account now.
    struct LedgerStanding: Sendable {
        /// Its failed reports of the restatement window, every vendor's, newest first.
        var failures: [ReportLedger.Failure]
        /// Those of the vendors Apple lists now: the problem its users see.
        var failing: [ReportLedger.Failure]
        var late: Late?
    }

    /// Reads an active account's failed reports (of days older than the restatement window: the
    /// history's, not today's problem) and whether its newest day is late.
    static func standing(of account: StoreAccount, ledger: ReportLedger, restatementDays: Int, now: Date)
        async throws -> LedgerStanding
    {
        let failures = try await ledger.failures(
            accountNumber: account.number, since: failuresSince(now: now, restatementDays: restatementDays))
        return try await standing(of: account, failures: failures, ledger: ledger, now: now)
    }

    /// The failures of an account read already (``ReportLedger/failures(activeIntegrationsOf:since:)``).
    static func standing(of account: StoreAccount, failures: [ReportLedger.Failure], ledger: ReportLedger, now: Date)
        async throws -> LedgerStanding
    {
        LedgerStanding(
            failures: failures, failing: failures.filter { account.vendors.contains($0.identity.vendor) },
            late: try await late(account, ledger: ledger, now: now))
    }

    /// The first day whose failed reports count: older ones are the history's, not today's problem.
    static func failuresSince(now: Date, restatementDays: Int) -> ReportDate {
        ReportCalendar.latestDay(at: now).adding(days: -max(1, restatementDays))
    }

    /// The user's own integration `id`; another user's is not found.
    private func owned(_ id: Int64, by user: User) async throws -> Integration {
        guard let integration = try await integrations.list(userID: user.id).first(where: { $0.id == id }) else {
            throw IntegrationError.notFound
        }
        return integration
    }

    /// The first of: a refused service token, a degraded listing, a service token about to expire
    /// (3 days or less), the account's failing sync, a vendor whose recent report Apple refused, the
    /// newest day still unpublished at noon Pacific. Only for pending and active integrations.
    static func problem(
        _ status: IntegrationStatus, account: StoreAccount?, snapshot: OperationsSnapshot?,
        failures: [ReportLedger.Failure] = [], late: Late? = nil
    ) -> Problem? {
        guard status == .pending || status == .active else { return nil }
        if snapshot?.serviceTokenProblem != nil { return .serviceTokenRefused }
        if snapshot?.degradedListing != nil { return .listingDegraded }
        if let days = snapshot?.serviceTokenDaysLeft, (0...3).contains(days) {
            return .serviceTokenExpiring(days: days)
        }
        guard status == .active, let account else { return nil }
        if let error = account.lastError { return .syncFailing(error) }
        if let failure = failures.first {
            return .vendorFailing(
                failure.identity.vendor, day: failure.identity.date,
                answer: failure.message ?? failure.failure.rawValue)
        }
        switch late {
        case .apple(let day): return .appleLate(day)
        case .orchard(let day): return .syncLate(day)
        case nil: return nil
        }
    }

    /// The newest report day still not in at noon Pacific (seven hours after Apple usually
    /// publishes), and whose fault that is.
    package enum Late: Sendable, Equatable {
        /// Apple answered "not available yet" for it.
        case apple(ReportDate)
        /// Orchard has not asked for it (its workers may be stopped).
        case orchard(ReportDate)

        package var day: ReportDate {
            switch self {
            case .apple(let day), .orchard(let day): day
            }
        }
    }

    /// When the account is synced up to the day before the newest report day and that day is still
    /// not in at noon Pacific: Apple's fault when the ledger has its "not available yet" for a
    /// vendor, else Orchard's.
    static func late(_ account: StoreAccount, ledger: ReportLedger, now: Date) async throws -> Late? {
        let latest = ReportCalendar.latestDay(at: now)
        guard let synced = account.syncedThrough.flatMap({ ReportDate($0) }), synced < latest,
            now >= ReportCalendar.publication(of: latest).addingTimeInterval(7 * 3_600)
        else { return nil }
        for vendor in account.vendors {
            let state = try await ledger.states(
                accountNumber: account.number, vendor: vendor, type: .sales, frequency: .daily, from: latest,
                to: latest)[latest.isoText]
            if state == .notPublishedYet { return .apple(latest) }
        }
        return .orchard(latest)
    }

    package func overview(of user: User) async throws -> Overview {
        Overview(
            rows: try await rows(of: user), serviceAppleID: settings.serviceAppleID,
            checkSeconds: settings.invitationCheckSeconds, now: now())
    }

    /// The apps of the user's active integrations.
    package func apps(of user: User) async throws -> [VisibleApp] {
        try await apps.apps(userID: user.id)
    }

    /// Removes one of the user's integrations (the account's data stays while others use it).
    /// Returns `true` when it was the account's last integration: the account stops syncing, its
    /// purge is queued after the retention period, and the user should remove Orchard's service
    /// user from the account in App Store Connect.
    @discardableResult
    package func remove(id: Int64, of user: User) async throws -> Bool {
        let time = now()
        guard let deletion = try await integrations.delete(id: id, userID: user.id, now: time) else {
            throw IntegrationError.notFound
        }
        guard deletion.lastOfAccount else { return false }
        if let account = try await storeAccounts.find(number: deletion.integration.accountNumber) {
            try await queue.enqueue(
                SyncJob.purgeAccount(account.number), storeAccountID: account.id,
                runAfter: time.addingTimeInterval(TimeInterval(settings.retentionDays) * 86_400), now: time)
        }
        return true
    }

    // MARK: - One account

    /// Everything about one integration's account that its user may see: the account page.
    package struct Detail: Sendable {
        package let row: Row
        /// The vendors Orchard fetches, and those Apple stopped listing.
        package let vendors: [String]
        package let droppedVendors: [String]
        package let apps: [String]
        /// The first and last day Orchard holds daily reports for, and how many days that is.
        package let held: (first: ReportDate, last: ReportDate, days: Int)?
        /// Every vendor's daily report is in through this day.
        package let completeThrough: ReportDate?
        /// Failed reports of the sync window, newest first, with Apple's answer.
        package let failures: [ReportLedger.Failure]
        /// Subscription durations Orchard does not know: their paid subscribers are left out of MRR.
        package let unknownDurations: [(duration: String, day: ReportDate, paid: Int64)]
        /// The newest day, when it is not in by noon Pacific, and whose fault that is.
        package let late: Late?
        /// When the next daily sync asks Apple (the publication hour of the next day, or now).
        package let nextSync: Date?
        /// Status changes and the account's own events, newest first.
        package let history: [AuditEvent]
        /// For a pending integration: the last listing Orchard read, and when the window ends.
        package let lastChecked: Date?
        package let invitationEnds: Date?
        /// "Check now" may be asked again from this moment (one a minute per account).
        package let checkAllowedAt: Date?
        /// An expired integration whose account the service sees: "reconnect" turns it active.
        package let canReconnect: Bool
        package let serviceAppleID: String?
        package let checkSeconds: Int
        package let now: Date
        /// Whether the service user reads the account's Financial reports (the Finance role), as
        /// the last `sync_finance` found it; `nil` before the first check (docs/PAYOUTS.md).
        package var financeAccess: FinanceAccess? = nil
    }

    /// The account page of integration `id`; another user's integration is not found.
    package func detail(id: Int64, of user: User) async throws -> Detail {
        let integration = try await owned(id, by: user)
        let (row, standing) = try await rowAndStanding(integration, snapshot: try? await health?())
        let account = row.account
        let number = integration.accountNumber
        let history = try await audit.events(accountNumber: number, userID: user.id)
        // Vendors with reports that Apple no longer lists.
        let dropped = try await ledger.vendors(accountNumber: number).filter {
            !(account?.vendors.contains($0) ?? false)
        }
        let latest = ReportCalendar.latestDay(at: now())
        var unknownDurations: [(duration: String, day: ReportDate, paid: Int64)] = []
        if let account { unknownDurations = try await subscriptions.unknownDurations(accountID: account.id) }
        let completeThrough = account?.syncedThrough.flatMap { ReportDate($0) }
        var nextSync: Date?
        if integration.status == .active, let completeThrough {
            nextSync =
                completeThrough < latest ? now() : ReportCalendar.publication(of: latest.adding(days: 1))
        }
        var detail = Detail(
            row: row, vendors: account?.vendors ?? [], droppedVendors: dropped,
            apps: try await storeAccounts.appTitles(number: number),
            held: try await ledger.heldDays(accountNumber: number), completeThrough: completeThrough,
            failures: standing?.failures ?? [],
            unknownDurations: unknownDurations,
            late: standing?.late,
            nextSync: nextSync, history: history.reversed(),
            lastChecked: integration.status == .pending ? try await listing.lastChecked() : nil,
            invitationEnds: integration.status == .pending
                ? integration.createdAt.addingTimeInterval(settings.invitationWindow) : nil,
            checkAllowedAt: integration.status == .pending ? try await checkAllowedAt(number) : nil,
            canReconnect: integration.status == .expired && account?.access == .accessible,
            serviceAppleID: settings.serviceAppleID, checkSeconds: settings.invitationCheckSeconds, now: now())
        detail.financeAccess = try await FinanceAccess.read(accountNumber: number, in: instance)
        return detail
    }

    /// "Check now" on a pending integration: queues an invitation check at once, at most one a
    /// minute per account (whoever asks). Returns when it may be asked again.
    @discardableResult
    package func checkNow(id: Int64, of user: User) async throws -> Date {
        let integration = try await owned(id, by: user)
        let time = now()
        if let allowed = try await checkAllowedAt(integration.accountNumber), allowed > time {
            throw IntegrationError.checkedRecently(seconds: max(1, Int(allowed.timeIntervalSince(time).rounded(.up))))
        }
        try await instance.set(Self.checkKey(integration.accountNumber), String(Int64(time.timeIntervalSince1970)))
        try await queue.enqueueNow(SyncJob.checkInvitations, now: time)
        return time.addingTimeInterval(Self.checkSpacing)
    }

    /// Reconnects an expired integration whose account the service sees now (an invitation
    /// accepted after the window): it is active at once, without the funnel.
    package func reconnect(id: Int64, of user: User) async throws -> Row {
        let integration = try await owned(id, by: user)
        guard integration.status == .expired,
            try await storeAccounts.find(number: integration.accountNumber)?.access == .accessible,
            let active = try await integrations.apply(
                .userReconnects, integrationID: id, reason: "Reconnected: the service user is in the account.",
                now: now())
        else { throw IntegrationError.cannotReconnect }
        return try await rowAndStanding(active, snapshot: try? await health?()).row
    }

    static let checkSpacing: TimeInterval = 60

    private static func checkKey(_ number: String) -> String { "check_now_\(number)" }

    private func checkAllowedAt(_ number: String) async throws -> Date? {
        guard let stored = try await instance.get(Self.checkKey(number)), let seconds = Int64(stored) else {
            return nil
        }
        return Date(timeIntervalSince1970: TimeInterval(seconds) + Self.checkSpacing)
    }
}
