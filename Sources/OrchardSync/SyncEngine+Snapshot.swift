package import OrchardCore
import OrchardStorage
import SalesReports

extension SyncEngine {
    /// The operations snapshot for `/metrics` and the operator's pages.
    package func snapshot() async throws -> OperationsSnapshot {
        let jobs = try await queue.counts().flatMap { kind, states in
            states.map { OperationsSnapshot.JobCount(kind: kind, state: $0.key.rawValue, count: $0.value) }
        }.sorted { ($0.kind, $0.state) < ($1.kind, $1.state) }
        let latest = latestReportDay()
        let accounts = try await accounts.syncable().map { account in
            OperationsSnapshot.AccountSync(
                number: account.number,
                lagDays: account.syncedThrough.flatMap { ReportDate($0) }.map { latest.dayNumber - $0.dayNumber },
                backfillDone: account.backfill.done, backfillTotal: account.backfill.total)
        }
        var snapshot = try await health()
        snapshot.jobs = jobs
        snapshot.accounts = accounts
        return snapshot
    }

    /// The service identity's part of the snapshot alone (its token and any refusal of it, a degraded
    /// listing): a few small reads, for pages that show it to every user.
    package func health() async throws -> OperationsSnapshot {
        let status = try await service.status(now: now())
        let degraded = try await ServiceListingStore(database: database).degraded()
        return OperationsSnapshot(
            jobs: [], accounts: [], serviceTokenDaysLeft: status.daysLeft, serviceTokenProblem: status.problem,
            serviceMessage: status.message,
            degradedListing: degraded.map {
                OperationsSnapshot.DegradedListing(since: $0.since, vanished: $0.vanished, accessible: $0.accessible)
            })
    }

    /// ``health()`` read at most once a second, for the pages: every page that lists integrations
    /// shows it, and a busy server would otherwise read the token, its refusal and the listing for
    /// each request. A change shows on the pages within the second.
    package func recentHealth() -> @Sendable () async throws -> OperationsSnapshot {
        let recent = RecentValue(maxAge: 1) { try await health() }
        return { try await recent.value() }
    }
}
