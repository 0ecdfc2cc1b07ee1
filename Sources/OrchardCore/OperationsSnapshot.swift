package import Foundation

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

    /// A listing of the service identity's accounts that lost too many at once to be believed.
    package struct DegradedListing: Sendable, Equatable {
        package var since: Date
        package var vanished: Int
        package var accessible: Int

        package init(since: Date, vanished: Int, accessible: Int) {
            self.since = since
            self.vanished = vanished
            self.accessible = accessible
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
    /// Set while Apple's listing is degraded: nothing is revoked meanwhile.
    package var degradedListing: DegradedListing?

    package init(
        jobs: [JobCount], accounts: [AccountSync], serviceTokenDaysLeft: Int?, serviceTokenProblem: String?,
        serviceMessage: String?, degradedListing: DegradedListing? = nil
    ) {
        self.degradedListing = degradedListing
        self.jobs = jobs
        self.accounts = accounts
        self.serviceTokenDaysLeft = serviceTokenDaysLeft
        self.serviceTokenProblem = serviceTokenProblem
        self.serviceMessage = serviceMessage
    }
}
