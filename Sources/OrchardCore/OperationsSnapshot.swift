/// Where the background work stands, read from the database at the moment an operator (or
/// Prometheus) asks: jobs by kind and state, each synced account's lag and backfill progress, and
/// the service token's health. Any process can answer it, whichever process runs the workers.
package struct OperationsSnapshot: Sendable, Equatable {
    package struct JobCount: Sendable, Equatable {
        package var kind: String
        package var state: String
        package var count: Int

        package init(kind: String, state: String, count: Int) {
            self.kind = kind
            self.state = state
            self.count = count
        }
    }

    package struct AccountSync: Sendable, Equatable {
        package var number: String
        /// Report days between the newest Apple may have published and the last one synced;
        /// `nil` until the first backfill completes.
        package var lagDays: Int?
        package var backfillDone: Int
        package var backfillTotal: Int

        package init(number: String, lagDays: Int?, backfillDone: Int, backfillTotal: Int) {
            self.number = number
            self.lagDays = lagDays
            self.backfillDone = backfillDone
            self.backfillTotal = backfillTotal
        }
    }

    package var jobs: [JobCount]
    package var accounts: [AccountSync]
    /// Whole days before the service token's 180 days run out; `nil` when none is set.
    package var serviceTokenDaysLeft: Int?
    /// Apple refused the service token (`expired` or `invalid`).
    package var serviceTokenProblem: String?
    /// What the operator must do about the service identity, if anything.
    package var serviceMessage: String?

    package init(
        jobs: [JobCount], accounts: [AccountSync], serviceTokenDaysLeft: Int?, serviceTokenProblem: String?,
        serviceMessage: String?
    ) {
        self.jobs = jobs
        self.accounts = accounts
        self.serviceTokenDaysLeft = serviceTokenDaysLeft
        self.serviceTokenProblem = serviceTokenProblem
        self.serviceMessage = serviceMessage
    }
}
