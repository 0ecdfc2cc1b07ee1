/// The kinds of background job of DESIGN.md section 6, run by OrchardSync's workers.
package enum SyncJobKind: String, Sendable, CaseIterable, Codable {
    case verifyInvitations = "verify_invitations"
    case detectRevocation = "detect_revocation"
    case backfillAccount = "backfill_account"
    case syncReport = "sync_report"
    case expirePendingIntegrations = "expire_pending_integrations"
}
