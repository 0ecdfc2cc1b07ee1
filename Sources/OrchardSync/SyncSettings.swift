package import Foundation
package import OrchardCore

/// The sync engine's knobs, from `Settings` (DESIGN.md section 8.1) or set directly by tests and
/// benchmarks.
package struct SyncSettings: Sendable {
    /// How often the service identity's accounts are listed (`ORCHARD_INVITATION_CHECK_SECONDS`).
    package var invitationCheckInterval: TimeInterval = 300
    /// How long a pending integration waits for its invitation (`ORCHARD_INVITATION_WINDOW_HOURS`).
    package var invitationWindow: TimeInterval = 96 * 3_600
    /// Daily reports fetched on activation, newest first (`ORCHARD_BACKFILL_DAYS`).
    package var backfillDays = 365
    /// Recent days the daily sync fetches again for restatements (`ORCHARD_RESTATEMENT_DAYS`).
    package var restatementDays = 7
    /// How long a revoked account's data stays read-only before it is purged (`ORCHARD_RETENTION_DAYS`).
    package var retention: TimeInterval = 30 * 86_400
    /// Apple requests in flight per worker (`ORCHARD_SYNC_CONCURRENCY`); also the jobs a worker runs at once.
    package var concurrency = 8
    /// Apple requests in flight for one store account.
    package var perAccountConcurrency = 4
    /// Consecutive checks that must miss an accessible account before it counts as revoked.
    package var missesBeforeRevocation = 2
    /// Yearly reports looked for before the backfill's first day, stopping at the first year without sales.
    package var yearlyReportsBack = 10
    /// Downloads of a report that does not parse before it is recorded as failed.
    package var parseAttempts = 5
    /// How long the daily sync waits when Apple has not published yesterday's report.
    package var notPublishedRetry: TimeInterval = 3_600
    /// How long jobs wait while the service token is missing or refused.
    package var unusableTokenRetry: TimeInterval = 600
    /// How long a worker's claim on a job lasts unless renewed (`ORCHARD_JOB_LEASE_SECONDS`): a
    /// worker that dies mid-job delays it this long.
    package var jobLease: TimeInterval = 120
    /// The first wait before a failed job runs again; doubled after each failure (`ORCHARD_JOB_RETRY_SECONDS`).
    package var jobRetryBase: TimeInterval = 30
    /// The service Apple ID customers invite, named in reasons a user reads.
    package var serviceAppleID: String?

    package init() {}

    package init(_ settings: Settings) {
        invitationCheckInterval = TimeInterval(settings.invitationCheckSeconds)
        invitationWindow = TimeInterval(settings.invitationWindowHours) * 3_600
        backfillDays = settings.backfillDays
        restatementDays = settings.restatementDays
        retention = TimeInterval(settings.retentionDays) * 86_400
        concurrency = settings.syncConcurrency
        perAccountConcurrency = max(1, min(4, settings.syncConcurrency))
        serviceAppleID = settings.serviceAppleID
        jobLease = TimeInterval(settings.jobLeaseSeconds)
        jobRetryBase = TimeInterval(settings.jobRetrySeconds)
        unusableTokenRetry = min(600, max(5, TimeInterval(settings.invitationCheckSeconds)))
    }
}
