/// Every setting Orchard reads, with the names it is read under.
///
/// Precedence is command line, then environment (`ORCHARD_*`, and `DATABASE_URL` for the
/// database), then the default. `.env.example` lists the same names.
package enum SettingKey: String, Sendable, CaseIterable {
    case host
    case port
    case databaseURL
    case dataDirectory
    case logLevel
    case runWorkers
    case reporterURL
    case serviceAppleID
    case serviceAccessToken
    case masterKey
    case metricsToken
    case trustedProxies
    case signUp
    case invitationCheckSeconds
    case invitationWindowHours
    case backfillDays
    case syncConcurrency
    case funnelTokenMinutes
    case restatementDays
    case retentionDays
    case jobLeaseSeconds
    case jobRetrySeconds
    case publicURL
    case smtpURL
    case smtpCAFile
    case mailFrom
    case mailDirectory
    case webhookAllowPrivate
    case fxURL

    /// The environment variable, e.g. `ORCHARD_PORT`.
    package var environmentName: String {
        switch self {
        case .host: "ORCHARD_HOST"
        case .port: "ORCHARD_PORT"
        case .databaseURL: "ORCHARD_DATABASE_URL"
        case .dataDirectory: "ORCHARD_DATA_DIR"
        case .logLevel: "ORCHARD_LOG_LEVEL"
        case .runWorkers: "ORCHARD_WORKERS"
        case .reporterURL: "ORCHARD_REPORTER_URL"
        case .serviceAppleID: "ORCHARD_SERVICE_APPLE_ID"
        case .serviceAccessToken: "ORCHARD_SERVICE_ACCESS_TOKEN"
        case .masterKey: "ORCHARD_MASTER_KEY"
        case .metricsToken: "ORCHARD_METRICS_TOKEN"
        case .trustedProxies: "ORCHARD_TRUSTED_PROXIES"
        case .signUp: "ORCHARD_SIGNUP"
        case .invitationCheckSeconds: "ORCHARD_INVITATION_CHECK_SECONDS"
        case .invitationWindowHours: "ORCHARD_INVITATION_WINDOW_HOURS"
        case .backfillDays: "ORCHARD_BACKFILL_DAYS"
        case .syncConcurrency: "ORCHARD_SYNC_CONCURRENCY"
        case .funnelTokenMinutes: "ORCHARD_FUNNEL_TOKEN_MINUTES"
        case .restatementDays: "ORCHARD_RESTATEMENT_DAYS"
        case .retentionDays: "ORCHARD_RETENTION_DAYS"
        case .jobLeaseSeconds: "ORCHARD_JOB_LEASE_SECONDS"
        case .jobRetrySeconds: "ORCHARD_JOB_RETRY_SECONDS"
        case .publicURL: "ORCHARD_PUBLIC_URL"
        case .smtpURL: "ORCHARD_SMTP_URL"
        case .smtpCAFile: "ORCHARD_SMTP_CA_FILE"
        case .mailFrom: "ORCHARD_MAIL_FROM"
        case .mailDirectory: "ORCHARD_MAIL_DIR"
        case .webhookAllowPrivate: "ORCHARD_WEBHOOK_ALLOW_PRIVATE"
        case .fxURL: "ORCHARD_FX_URL"
        }
    }

    /// Further environment variables read after `environmentName`, in order.
    package var fallbackEnvironmentNames: [String] {
        self == .databaseURL ? ["DATABASE_URL"] : []
    }

    /// The command-line option that sets it, where one exists.
    package var commandLineFlag: String? {
        switch self {
        case .host: "--host"
        case .port: "--port"
        case .databaseURL: "--database-url"
        case .runWorkers: "--no-workers"
        default: nil
        }
    }

    /// Secrets are never echoed in error messages.
    package var isSecret: Bool {
        self == .serviceAccessToken || self == .masterKey || self == .metricsToken || self == .smtpURL
    }

    /// How a person names the setting in a message: `--port / ORCHARD_PORT`.
    package var displayName: String {
        ([commandLineFlag].compactMap { $0 } + [environmentName] + fallbackEnvironmentNames).joined(separator: " / ")
    }
}
