/// The kinds of background job of DESIGN.md section 6, run by OrchardSync's workers, as stored in
/// `jobs.kind`.
package enum SyncJobKind: String, Sendable, CaseIterable {
    case checkInvitations = "check_invitations"
    case backfillAccount = "backfill_account"
    case syncReport = "sync_report"
    case eraseFunnelTokens = "erase_funnel_tokens"
    case purgeAccount = "purge_account"
}
