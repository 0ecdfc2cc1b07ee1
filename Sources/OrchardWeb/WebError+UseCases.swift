import OrchardApp
import OrchardCore

/// What each use case's refusal means on the web: the one place where they meet HTTP statuses and
/// the codes of the JSON API (docs/API.md).
extension WebError {
    init(_ error: FunnelError) {
        self =
            switch error {
            case .tokenMissing: .tokenMissing
            case .invalidToken: .invalidToken
            case .expiredToken: .expiredToken
            case .noAccounts: .noAccounts
            case .appleUnavailable: .appleUnavailable
            case .tokenGone: .funnelTokenGone
            case .tokenStoppedWorking: .funnelTokenStopped
            case .noAccountsSelected: .noAccountsSelected
            case .unknownAccount(let number): .unknownAccount(number)
            case .invitationNotConfirmed: .invitationNotConfirmed
            case .alreadyIntegrated(let number): .alreadyIntegrated(number)
            }
    }

    init(_ error: MembershipError) {
        self =
            switch error {
            case .invalidCredentials: .invalidCredentials
            case .tooManyAttempts(let seconds): .tooManyAttempts(retryAfter: seconds)
            case .emailTaken: .emailTaken
            case .credential(let problem): .credential(problem)
            case .unknownToken, .unknownUser: .notFound
            case .setupCodeRequired: .setupCodeRequired
            case .invitationRequired: .invitationRequired
            case .invitationUnusable: .invitationUnusable
            case .operatorOnly: .operatorOnly
            }
    }

    init(_ error: DashboardError) {
        self =
            switch error {
            case .invalidParameter(let message): .invalidParameter(message)
            case .parameterTooLong(let message): .parameterTooLong(message)
            case .unknownAccount: .notFound
            }
    }

    init(_ error: IntegrationError) {
        self =
            switch error {
            case .notFound: .notFound
            case .checkedRecently(let seconds): .checkedRecently(retryAfter: seconds)
            case .cannotReconnect: .cannotReconnect
            }
    }

    init(_ error: OperatorError) {
        self =
            switch error {
            case .operatorOnly: .operatorOnly
            case .jobNotDead: .notFound
            }
    }

    init(_ error: NotificationError) {
        self =
            switch error {
            case .invalidEmail: .credential(.invalidEmail)
            case .emailTaken: .emailTaken
            case .sameEmail: .sameEmail
            case .mailNotConfigured: .mailNotConfigured
            case .invalidSetting(let message): .invalidParameter(message)
            case .webhookRefused(let reason): .webhookRefused(reason)
            case .notFound: .notFound
            case .verificationUnusable: .verificationUnusable
            }
    }

    /// The web's meaning of any use case's refusal; `nil` for an error no use case names.
    init?(useCase error: any Error) {
        switch error {
        case let error as FunnelError: self.init(error)
        case let error as MembershipError: self.init(error)
        case let error as DashboardError: self.init(error)
        case let error as IntegrationError: self.init(error)
        case let error as OperatorError: self.init(error)
        case let error as NotificationError: self.init(error)
        default: return nil
        }
    }
}
