package import Foundation

/// Orchard's configuration, read once at start-up into typed values.
package struct Settings: Sendable, Equatable {
    package var host: String = "127.0.0.1"
    package var port: Int = 8080
    package var databaseURL: DatabaseURL = .default
    /// Where Orchard keeps files of its own (the generated master key, raw report files).
    package var dataDirectory: String = "./orchard-data"
    package var logLevel: LogLevel = .info
    /// Whether `serve` also runs the background workers.
    package var runWorkers: Bool = true
    package var reporterURL: URL = URL(string: "https://reportingitc-reporter.apple.com")!
    /// The Apple ID customers invite into their accounts; the funnel cannot finish without it.
    package var serviceAppleID: String?
    /// The service Apple ID's Reporter access token.
    package var serviceAccessToken: Secret?
    /// The 256-bit key for secrets at rest, base64 in configuration; generated when absent. May be a
    /// comma-separated ring, the current key first and previous keys after it.
    package var masterKey: Secret?
    /// The bearer token Prometheus sends for `/metrics`; without one, `/metrics` answers only on
    /// loopback.
    package var metricsToken: Secret?
    /// Reverse proxies whose `X-Forwarded-For` names the client (sign-in throttling per address).
    package var trustedProxies: Set<String> = []
    /// Whether anyone may sign up (`open`), or only people an operator invited (`closed`). The first
    /// user, the operator, signs up with the setup code `orchard serve` prints either way.
    package var signUpOpen = true
    package var invitationCheckSeconds: Int = 300
    /// How long a pending integration waits for its invitation to be seen (read in hours; the demo
    /// shortens it to minutes).
    package var invitationWindow: TimeInterval = 96 * 3_600
    package var backfillDays: Int = 365
    package var syncConcurrency: Int = 8
    package var funnelTokenMinutes: Int = 60
    /// Recent days the daily sync fetches again, so Apple's restatements replace what changed.
    package var restatementDays: Int = 7
    /// How long a revoked account's data stays read-only before it is purged.
    package var retentionDays: Int = 30
    /// How long a worker's claim on a job lasts unless renewed.
    package var jobLeaseSeconds: Int = 120
    /// The first wait before a failed job runs again, doubled after each failure.
    package var jobRetrySeconds: Int = 30
    /// Where users reach this Orchard, for links in mail (`http://HOST:PORT` unless set).
    package var publicURL: URL?
    /// `smtp://user:password@host:587` (STARTTLS) or `smtps://…` (implicit TLS); no mail leaves without it
    /// or a mail directory.
    package var smtpURL: Secret?
    /// PEM certificates to trust for the mail server instead of the system's.
    package var smtpCAFile: String?
    /// The sender of Orchard's mail.
    package var mailFrom: String?
    /// Mail written as `.eml` files into this folder instead of sent (the demo's).
    package var mailDirectory: String?
    /// Webhook endpoints on loopback or private addresses are allowed (a lab, a test).
    package var webhookAllowPrivate = false
    /// Where the ECB's reference rates are fetched every hour; `nil` (`none`) fetches nothing.
    package var fxURL: URL? = URL(string: "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml")

    package init() {}

    /// Log levels, named as swift-log names them.
    package enum LogLevel: String, Sendable, CaseIterable {
        case trace, debug, info, notice, warning, error, critical
    }
}

/// Every problem found in the configuration, so the operator can fix them all at once.
package struct SettingsError: Error, Sendable, Equatable, CustomStringConvertible {
    package struct Problem: Sendable, Equatable {
        package let key: SettingKey
        package let message: String
    }

    package let problems: [Problem]

    package var description: String {
        let lines = problems.map { "  - \($0.key.displayName): \($0.message)" }
        return (["invalid configuration (\(problems.count) problem\(problems.count == 1 ? "" : "s")):"] + lines)
            .joined(separator: "\n")
    }
}
