/// The status of one dashboard user's integration with one store account (docs/STATUSES.md).
package enum IntegrationStatus: String, Sendable, Codable, CaseIterable {
    /// The funnel finished; Orchard waits until its service identity sees the account.
    case pending
    /// The service identity sees the account; data is backfilled and synced daily.
    case active
    /// The invitation was not seen within the invitation window.
    case expired
    /// The service identity lost access to the account; applies to every user of it.
    case removed

    /// What can move an integration from one status to another.
    package enum Event: Sendable, Equatable {
        case serviceSeesAccount
        case invitationWindowPassed
        case serviceLostAccess
        case serviceRegainedAccess
        /// The user reconnects an expired integration whose account the service sees now.
        case userReconnects
    }

    /// The status after `event`, or `nil` when the event does not apply to this status.
    ///
    /// Expired comes back only when its user reconnects it while the service sees the account (an
    /// invitation accepted late; the ownership proof holds); otherwise the user removes it and runs
    /// the funnel again. Removed comes back when the service sees the account again before its data
    /// is purged.
    package func applying(_ event: Event) -> IntegrationStatus? {
        switch (self, event) {
        case (.pending, .serviceSeesAccount): .active
        case (.pending, .invitationWindowPassed): .expired
        case (.active, .serviceLostAccess): .removed
        case (.removed, .serviceRegainedAccess): .active
        case (.expired, .userReconnects): .active
        default: nil
        }
    }
}

/// Whether Orchard's service identity can read a store account (docs/STATUSES.md, Store account access).
package enum StoreAccountAccess: String, Sendable, Codable, CaseIterable {
    case awaitingAccess = "awaiting_access"
    case accessible
    case revoked
}
