package import OrchardCore

/// Why a step of the App Store Connect funnel was refused. Each case is something the person can act on.
package enum FunnelError: Error, Equatable, Sendable {
    /// Nothing was pasted.
    case tokenMissing
    /// Apple refuses the token, or it cannot be a token at all.
    case invalidToken
    case expiredToken
    /// The token's Apple ID sees no account with Sales and Trends reports.
    case noAccounts
    /// Apple did not answer as expected; nothing was saved.
    case appleUnavailable
    /// The kept token was erased (its lifetime ran out, or the person removed it), or is not theirs.
    case tokenGone
    /// Apple stopped accepting the kept token between step 1 and Finish (a newer one replaced it):
    /// Orchard erased it, and the person pastes the current one.
    case tokenStoppedWorking
    case noAccountsSelected
    /// An account the kept token does not see: the tenant boundary.
    case unknownAccount(String)
    case invitationNotConfirmed
    case alreadyIntegrated(String)
}

/// Why signing up, signing in or changing a password was refused.
package enum MembershipError: Error, Equatable, Sendable {
    case invalidCredentials
    /// Too many failures for the address or the peer; try again after this many seconds.
    case tooManyAttempts(retryAfter: Int)
    case emailTaken
    case credential(CredentialProblem)
    /// An API token that is not the user's, or no longer exists.
    case unknownToken
    /// No user has this address (they sign up first).
    case unknownUser(String)
    /// Nobody has signed up yet: the first user, the operator, needs the setup code `orchard serve` printed.
    case setupCodeRequired
    /// Sign-up is closed: only with an operator's invitation.
    case invitationRequired
    /// The invitation is used, expired, withdrawn or for another address.
    case invitationUnusable
    /// Only an operator may invite.
    case operatorOnly
}

/// Why a question about store metrics cannot be answered.
package enum DashboardError: Error, Equatable, Sendable {
    /// A parameter that cannot be used; the sentence names it and says what is expected.
    case invalidParameter(String)
    /// A filter value longer than any real one (a SKU, a country, a device, an account number).
    case parameterTooLong(String)
    /// An account the user does not read (another user's, or one never integrated): as if it did not exist.
    case unknownAccount
}

/// Why a change to the user's integrations was refused.
package enum IntegrationError: Error, Equatable, Sendable {
    /// Not one of the user's integrations.
    case notFound
    /// "Check now" was asked for this account less than a minute ago; it may be asked again in
    /// this many seconds.
    case checkedRecently(seconds: Int)
    /// "Reconnect" on an integration that is not expired, or whose account the service does not see.
    case cannotReconnect
}

/// Why an operator's request was refused.
package enum OperatorError: Error, Equatable, Sendable {
    case operatorOnly
    /// Not a dead job (never one, or already retried and done).
    case jobNotDead
}

/// Why a notification setting, address change or webhook was refused.
package enum NotificationError: Error, Equatable, Sendable {
    case invalidEmail
    /// Another user has that address.
    case emailTaken
    /// The address is the user's already.
    case sameEmail
    /// No mail server is configured, so no verification link can be sent.
    case mailNotConfigured
    case invalidSetting(String)
    /// The webhook's address is refused (not http(s), private, does not resolve).
    case webhookRefused(String)
    case notFound
    /// The verification link is unknown, used or older than 48 hours.
    case verificationUnusable
}
