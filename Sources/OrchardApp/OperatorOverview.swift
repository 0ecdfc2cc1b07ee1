package import Foundation
package import OrchardCore
package import OrchardStorage

/// What the operator of an Orchard watches: invitations waiting to be accepted, the service token,
/// the job queue with its dead jobs (and a retry for them).
package struct OperatorOverview: Sendable {
    /// Pending integrations of one account: the service has not been seen in it yet.
    package struct WaitingAccount: Sendable, Equatable {
        package let number: String
        package let name: String
        /// The oldest pending integration of the account: when the first invitation may have been sent.
        package let pendingSince: Date
        package let integrations: Int
        package let ageHours: Int
    }

    /// A synced account whose users see a problem (its own: the service-wide ones are shown apart).
    package struct AccountProblem: Sendable, Equatable {
        package let number: String
        package let name: String
        package let problem: Integrations.Problem
    }

    /// The operator's page.
    package struct Page: Sendable {
        package let serviceAppleID: String?
        package let waiting: [WaitingAccount]
        package let problems: [AccountProblem]
        /// How long a pending integration waits before it expires.
        package let invitationWindow: TimeInterval
        package let depth: [String: [JobQueue.State: Int]]
        package let dead: [JobQueue.DeadJob]
        /// Jobs whose last attempt failed and that will try again.
        package let retrying: [JobQueue.DeadJob]
        package let operations: OperationsSnapshot?
        package let now: Date
    }

    private let integrations: IntegrationStore
    private let accounts: StoreAccountStore
    private let ledger: ReportLedger
    private let queue: JobQueue
    private let settings: Settings
    private let operations: (@Sendable () async throws -> OperationsSnapshot)?
    private let now: @Sendable () -> Date

    /// - Parameter operations: the sync engine's snapshot (the service token's health), when this
    ///   process has one.
    package init(
        database: OrchardDatabase, settings: Settings,
        operations: (@Sendable () async throws -> OperationsSnapshot)?, now: @escaping @Sendable () -> Date
    ) {
        integrations = IntegrationStore(database: database)
        accounts = StoreAccountStore(database: database)
        ledger = ReportLedger(database: database)
        queue = JobQueue(database: database)
        self.settings = settings
        self.operations = operations
        self.now = now
    }

    package var serviceAppleID: String? { settings.serviceAppleID }

    /// The page; only an operator may see it.
    package func page(for user: User) async throws -> Page {
        try Self.requireOperator(user)
        return Page(
            serviceAppleID: settings.serviceAppleID, waiting: try await waiting(for: user),
            problems: try await problems(),
            invitationWindow: settings.invitationWindow, depth: try await queue.counts(),
            dead: try await queue.dead(), retrying: try await queue.retrying(), operations: try await operations?(),
            now: now())
    }

    /// Every synced account's own problem (a failing sync, a vendor Apple refuses, a day Apple is
    /// late with), as its users read it, by account number.
    private func problems() async throws -> [AccountProblem] {
        let time = now()
        var found: [AccountProblem] = []
        for account in try await accounts.syncable() {
            let standing = try await Integrations.standing(
                of: account, ledger: ledger, restatementDays: settings.restatementDays, now: time)
            if let problem = Integrations.problem(
                .active, account: account, snapshot: nil, failures: standing.failing, late: standing.late)
            {
                found.append(AccountProblem(number: account.number, name: account.name, problem: problem))
            }
        }
        return found.sorted { $0.number < $1.number }
    }

    /// Pending integrations grouped by account, the longest waiting first.
    package func waiting(for user: User) async throws -> [WaitingAccount] {
        try Self.requireOperator(user)
        let pending = try await integrations.pending()
        let time = now()
        return Dictionary(grouping: pending, by: \.accountNumber).map { number, group in
            let since = group.map(\.createdAt).min() ?? time
            return WaitingAccount(
                number: number, name: group[0].accountName, pendingSince: since, integrations: group.count,
                ageHours: Int(time.timeIntervalSince(since) / 3_600))
        }.sorted { $0.pendingSince < $1.pendingSince }
    }

    /// Queues a dead job again; `false` when it was queued already.
    package func retry(job id: Int64, by user: User) async throws -> Bool {
        try Self.requireOperator(user)
        switch try await queue.retry(id: id, now: now()) {
        case .queued: return true
        case .alreadyQueued: return false
        case .notDead: throw OperatorError.jobNotDead
        }
    }

    private static func requireOperator(_ user: User) throws(OperatorError) {
        guard user.role == .operator else { throw .operatorOnly }
    }
}
