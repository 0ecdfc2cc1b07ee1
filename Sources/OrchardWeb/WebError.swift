package import HTTPTypes
package import OrchardCore

/// Every failure a web route answers with: its HTTP status, the stable `code` of the JSON error
/// (docs/API.md, Errors) and the sentence a person reads, on a page or in `message`.
package enum WebError: Error, Equatable, Sendable {
    case authenticationRequired
    case notFound
    case csrfFailed
    case invalidBody(String)
    case bodyTooLarge
    case unsupportedMediaType
    case invalidCredentials
    case tooManyAttempts(retryAfter: Int)
    case emailTaken
    case setupCodeRequired
    case invitationRequired
    case invitationUnusable
    case credential(CredentialProblem)
    case operatorOnly
    case tokenMissing
    case invalidToken
    case expiredToken
    case noAccounts
    case appleUnavailable
    case funnelTokenGone
    case funnelTokenStopped
    case noAccountsSelected
    case unknownAccount(String)
    case invitationNotConfirmed
    case alreadyIntegrated(String)
    /// "Check now" again within a minute: the seconds until it may be asked.
    case checkedRecently(retryAfter: Int)
    /// A filter value longer than any real one: 400, so a cache never keys on it.
    case parameterTooLong(String)
    case cannotReconnect
    /// A query parameter that cannot be used; the message names it and says what is expected.
    case invalidParameter(String)
    /// Something Orchard did not expect; the log has the details, the answer none.
    case internalError
    /// The address given is the user's already.
    case sameEmail
    /// No mail server is configured: nothing can be sent.
    case mailNotConfigured
    /// A webhook's address is refused.
    case webhookRefused(String)
    /// A verification link that is unknown, used or too old.
    case verificationUnusable

    package var status: HTTPResponse.Status {
        switch self {
        case .authenticationRequired, .invalidCredentials: .unauthorized
        case .notFound: .notFound
        case .csrfFailed, .operatorOnly, .setupCodeRequired, .invitationRequired, .invitationUnusable: .forbidden
        case .invalidBody: .badRequest
        case .bodyTooLarge: .contentTooLarge
        case .unsupportedMediaType: .unsupportedMediaType
        case .tooManyAttempts: .tooManyRequests
        case .emailTaken: .conflict
        case .credential: .unprocessableContent
        case .internalError: .internalServerError
        case .tokenMissing, .invalidToken, .expiredToken, .noAccounts, .noAccountsSelected, .unknownAccount,
            .invitationNotConfirmed:
            .unprocessableContent
        case .appleUnavailable: .badGateway
        case .funnelTokenGone: .notFound
        case .funnelTokenStopped: .conflict
        case .alreadyIntegrated: .conflict
        case .invalidParameter: .unprocessableContent
        case .checkedRecently: .tooManyRequests
        case .parameterTooLong: .badRequest
        case .cannotReconnect: .conflict
        case .sameEmail, .webhookRefused: .unprocessableContent
        case .mailNotConfigured: .conflict
        case .verificationUnusable: .notFound
        }
    }

    package var code: String {
        switch self {
        case .authenticationRequired: "authentication_required"
        case .notFound: "not_found"
        case .csrfFailed: "csrf_failed"
        case .invalidBody: "invalid_body"
        case .bodyTooLarge: "body_too_large"
        case .unsupportedMediaType: "unsupported_media_type"
        case .invalidCredentials: "invalid_credentials"
        case .tooManyAttempts: "too_many_attempts"
        case .emailTaken: "email_taken"
        case .setupCodeRequired: "setup_code_required"
        case .invitationRequired: "invitation_required"
        case .invitationUnusable: "invitation_unusable"
        case .credential(.invalidEmail): "invalid_email"
        case .credential(.weakPassword): "weak_password"
        case .operatorOnly: "operator_only"
        case .internalError: "internal_error"
        case .tokenMissing, .invalidToken: "invalid_token"
        case .expiredToken: "expired_token"
        case .noAccounts: "no_accounts"
        case .appleUnavailable: "apple_unavailable"
        case .funnelTokenGone: "not_found"
        case .funnelTokenStopped: "token_stopped_working"
        case .noAccountsSelected: "no_accounts_selected"
        case .unknownAccount: "unknown_account"
        case .invitationNotConfirmed: "invitation_not_confirmed"
        case .alreadyIntegrated: "already_integrated"
        case .invalidParameter: "invalid_parameter"
        case .checkedRecently: "checked_recently"
        case .parameterTooLong: "parameter_too_long"
        case .cannotReconnect: "cannot_reconnect"
        case .sameEmail: "same_email"
        case .mailNotConfigured: "mail_not_configured"
        case .webhookRefused: "webhook_refused"
        case .verificationUnusable: "verification_unusable"
        }
    }

    package var message: String {
        switch self {
        case .authenticationRequired: "Sign in to continue."
        case .notFound: "There is nothing here."
        case .csrfFailed: "This form has expired. Reload the page and try again."
        case .invalidBody(let detail): detail
        case .bodyTooLarge: "The body is larger than 1 MiB."
        case .unsupportedMediaType: "Send JSON (application/json) or a form (application/x-www-form-urlencoded)."
        case .invalidCredentials: "That e-mail address and password do not match an account."
        case .tooManyAttempts(let seconds):
            "Too many failed sign-ins. Try again in \(seconds < 60 ? "\(seconds) seconds" : "\((seconds + 59) / 60) minutes")."
        case .emailTaken: "An account with this e-mail address exists already. Sign in instead."
        case .setupCodeRequired:
            "Nobody has signed up on this Orchard yet: the first account is its operator's and needs the one-time "
                + "setup code that orchard serve printed when it started. Enter it as printed."
        case .invitationRequired: "Sign-up on this Orchard is by invitation. Ask its operator for an invitation link."
        case .invitationUnusable:
            "This invitation link cannot be used: it is for another e-mail address, was used already, has expired or "
                + "was withdrawn. Ask the operator for a new one."
        case .credential(let problem): problem.message
        case .operatorOnly: "Only an operator of this Orchard can open this page."
        case .tokenMissing: "Paste your App Store Connect access token."
        case .invalidToken:
            "Apple does not accept this access token: it may be mistyped, or replaced by a newer one (generating a "
                + "token revokes the previous one). Copy it again from Sales and Trends > Reports > About Reports."
        case .expiredToken:
            "This access token has expired (tokens last 180 days). Generate a new one in Sales and Trends > Reports "
                + "> About Reports > Generate Access Token; note that tools still using the old one will stop working."
        case .noAccounts:
            "This token's Apple ID sees no account with Sales and Trends reports. Use the token of an Apple ID that "
                + "has the Sales, Finance, Admin or Account Holder role in the account."
        case .appleUnavailable:
            "Apple's reporting service did not answer as expected. Nothing was saved; try again in a few minutes."
        case .funnelTokenGone:
            "This token is no longer kept: Orchard erases it when the setup's time runs out or when you remove it. "
                + "Paste it again to continue."
        case .funnelTokenStopped:
            "This access token stopped working: Apple no longer accepts it, most likely because a newer one "
                + "replaced it (generating a token revokes the previous one). Orchard forgot it; paste the current token."
        case .noAccountsSelected: "Select at least one account."
        case .unknownAccount(let number):
            "Account \(number) is not one your access token sees, so it cannot be connected with it."
        case .invitationNotConfirmed:
            "Tick the box to confirm you invited the service Apple ID into every selected account."
        case .alreadyIntegrated(let number): "You have connected account \(number) already."
        case .invalidParameter(let message), .parameterTooLong(let message): message
        case .checkedRecently(let seconds):
            "Orchard checked this account less than a minute ago. Check again in \(seconds) second\(seconds == 1 ? "" : "s")."
        case .cannotReconnect:
            "Orchard cannot see this account yet, so it cannot be reconnected. Invite the service Apple ID in App Store "
                + "Connect first, or remove this integration and start again."
        case .internalError: "Something went wrong on our side. Try again; if it keeps happening, tell the operator."
        case .sameEmail: "That is your address already."
        case .mailNotConfigured:
            "This Orchard has no mail server configured (ORCHARD_SMTP_URL), so it cannot send mail. Ask its operator; "
                + "the Activity page and webhooks work without mail."
        case .webhookRefused(let reason): "Orchard cannot deliver to that address: \(reason)."
        case .verificationUnusable:
            "This link cannot be used: it was used already, is older than 48 hours, or was replaced by a newer one. "
                + "Send a new one from the Notifications page."
        }
    }
}
