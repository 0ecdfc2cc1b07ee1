package import Foundation
package import OrchardCore

/// The sync engine's view of the one ``Settings`` value: what the operator configures is read
/// through from it (docs/SETTINGS.md), and the engine's own fixed knobs sit beside it. Tests and
/// benchmarks set either; nothing here has a default of its own for a setting.
package struct SyncSettings: Sendable {
    /// The configuration this view reads.
    package var settings: Settings

    package init(_ settings: Settings = Settings()) {
        self.settings = settings
    }

    /// How often the service identity's accounts are listed (`ORCHARD_INVITATION_CHECK_SECONDS`).
    package var invitationCheckInterval: TimeInterval {
        get { TimeInterval(settings.invitationCheckSeconds) }
        set { settings.invitationCheckSeconds = Int(newValue.rounded(.up)) }
    }
    /// How long a pending integration waits for its invitation (`ORCHARD_INVITATION_WINDOW_HOURS`).
    package var invitationWindow: TimeInterval {
        get { settings.invitationWindow }
        set { settings.invitationWindow = newValue }
    }
    /// Daily reports fetched on activation, newest first (`ORCHARD_BACKFILL_DAYS`).
    package var backfillDays: Int {
        get { settings.backfillDays }
        set { settings.backfillDays = newValue }
    }
    /// Recent days the daily sync fetches again for restatements (`ORCHARD_RESTATEMENT_DAYS`).
    package var restatementDays: Int {
        get { settings.restatementDays }
        set { settings.restatementDays = newValue }
    }
    /// How long a revoked account's data stays read-only before it is purged (`ORCHARD_RETENTION_DAYS`).
    package var retention: TimeInterval {
        get { TimeInterval(settings.retentionDays) * 86_400 }
        set { settings.retentionDays = Int((newValue / 86_400).rounded(.up)) }
    }
    /// Apple requests in flight per worker (`ORCHARD_SYNC_CONCURRENCY`); also the jobs a worker runs at once.
    package var concurrency: Int {
        get { settings.syncConcurrency }
        set { settings.syncConcurrency = newValue }
    }
    /// How long a worker's claim on a job lasts unless renewed (`ORCHARD_JOB_LEASE_SECONDS`): a
    /// worker that dies mid-job delays it this long.
    package var jobLease: TimeInterval {
        get { TimeInterval(settings.jobLeaseSeconds) }
        set { settings.jobLeaseSeconds = Int(newValue.rounded(.up)) }
    }
    /// The first wait before a failed job runs again; doubled after each failure (`ORCHARD_JOB_RETRY_SECONDS`).
    package var jobRetryBase: TimeInterval {
        get { TimeInterval(settings.jobRetrySeconds) }
        set { settings.jobRetrySeconds = Int(newValue.rounded(.up)) }
    }
    /// The service Apple ID customers invite, named in reasons a user reads (`ORCHARD_SERVICE_APPLE_ID`).
    package var serviceAppleID: String? {
        get { settings.serviceAppleID }
        set { settings.serviceAppleID = newValue }
    }

    // MARK: The engine's own knobs

    /// Apple requests in flight for one store account.
    package var perAccountConcurrency: Int {
        get { perAccountLimit ?? max(1, min(4, concurrency)) }
        set { perAccountLimit = newValue }
    }
    private var perAccountLimit: Int?
    /// Consecutive checks that must miss an accessible account before it counts as revoked.
    package var missesBeforeRevocation = 2
    /// Yearly reports looked for before the backfill's first day, stopping at the first year without sales.
    package var yearlyReportsBack = 10
    /// Fiscal months of Financial reports looked for back from the newest closed one, stopping at
    /// the first Apple no longer keeps (docs/PAYOUTS.md).
    package var financeMonths = 24
    /// Downloads of a report that does not parse before it is recorded as failed.
    package var parseAttempts = 5
    /// How long the daily sync waits when Apple has not published yesterday's report.
    package var notPublishedRetry: TimeInterval = 3_600
    /// How long jobs wait while the service token is missing or refused: as long as the invitation
    /// checks' interval, between 5 seconds and 10 minutes.
    package var unusableTokenRetry: TimeInterval {
        get { unusableTokenWait ?? min(600, max(5, invitationCheckInterval)) }
        set { unusableTokenWait = newValue }
    }
    private var unusableTokenWait: TimeInterval?
}
