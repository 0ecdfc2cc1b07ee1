/// The kinds of background job of DESIGN.md section 6, run by OrchardSync's workers, as stored in
/// `jobs.kind`.
package enum SyncJobKind: String, Sendable, CaseIterable {
    /// Lists the accounts the service identity sees: activation, expiry, revocation; queues syncs.
    case checkInvitations = "check_invitations"
    /// An account's history, on activation.
    case backfillAccount = "backfill_account"
    /// An account's daily sync.
    case syncAccount = "sync_account"
    /// One report Apple had not published yet, fetched again later.
    case syncReport = "sync_report"
    /// Customers' access tokens past the funnel's lifetime.
    case eraseFunnelTokens = "erase_funnel_tokens"
    /// A revoked account's data, after its retention period.
    case purgeAccount = "purge_account"
}
