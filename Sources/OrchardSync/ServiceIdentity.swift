package import AppStoreConnect
package import Foundation
package import Logging
package import OrchardCore
package import OrchardStorage

/// Orchard's own Apple ID, the identity every customer invites: its Reporter token, how long that
/// token has left, and whether Apple still accepts it (docs/STATUSES.md, "The service Apple ID's
/// token").
///
/// The token is the one `orchard service set-token` stored (encrypted, with its expiry) or else
/// `ORCHARD_SERVICE_ACCESS_TOKEN`. Reporter cannot tell a token's expiry, so for a token from the
/// environment it is counted from the day this database first saw it: 180 days at most.
///
/// When Apple answers "expired" or "invalid" for the token, that is recorded once, for that token,
/// in the database every worker shares: all syncing stops (jobs wait instead of failing) until the
/// operator sets another token, which resumes it by itself.
package struct ServiceIdentity: Sendable {
    /// The token in use and what is known of it.
    package struct Credential: Sendable {
        package var token: ReporterAccessToken
        package var fingerprint: String
        package var expiresAt: Date
        /// `true` when the expiry is the operator's (`set-token`), not counted from first sight.
        package var expiryKnown: Bool

        package func daysLeft(now: Date) -> Int {
            Int((expiresAt.timeIntervalSince(now) / 86_400).rounded(.down))
        }
    }

    /// What the operator must know about the service identity, for the log, the operator page and
    /// `/metrics`.
    package struct Status: Sendable, Equatable {
        package var configured: Bool
        package var daysLeft: Int?
        /// Apple refused the token: `expired` or `invalid`.
        package var problem: String?
        /// The warning threshold reached (30, 14, 3 or 0 days), if any.
        package var warning: Int?

        /// One sentence for an operator, or `nil` when all is well.
        package var message: String? {
            if !configured {
                return
                    "no service access token is set: run `orchard service set-token` (or set ORCHARD_SERVICE_ACCESS_TOKEN); syncing waits until then"
            }
            if let problem {
                return
                    "Apple says the service access token is \(problem): syncing has stopped; generate a new token for the service Apple ID and run `orchard service set-token`"
            }
            if let warning, let daysLeft {
                return warning == 0
                    ? "the service access token has passed its 180 days; set a new one with `orchard service set-token`"
                    : "the service access token expires in \(daysLeft) day\(daysLeft == 1 ? "" : "s"): generate a new one and run `orchard service set-token` before then"
            }
            return nil
        }
    }

    /// Jobs wait (without using up attempts) while the service identity cannot be used.
    package struct Unusable: Error, CustomStringConvertible {
        package var reason: String
        package var description: String { reason }
    }

    /// Days before expiry at which the operator is warned.
    package static let warningDays = [30, 14, 3]

    let tokens: ServiceTokenStore
    let settings: InstanceSettings
    let configured: Secret?

    package init(database: OrchardDatabase, keys: KeyRing, configuredToken: Secret?) {
        self.tokens = ServiceTokenStore(database: database, keys: keys)
        self.settings = InstanceSettings(database: database)
        self.configured = configuredToken
    }

    /// The token in use, or `nil` when none is configured.
    package func credential(now: Date) async throws -> Credential? {
        if let stored = try await tokens.current() {
            return Credential(
                token: ReporterAccessToken(stored.value), fingerprint: SecretBox.fingerprint(stored.value),
                expiresAt: stored.expiresAt, expiryKnown: true)
        }
        guard let configured, !configured.revealed.isEmpty else { return nil }
        let fingerprint = SecretBox.fingerprint(configured.revealed)
        // The first sight of this token starts its 180 days; another token starts them again.
        let name = "service_token_seen_\(fingerprint.prefix(16))"
        // Read first: only the first sight writes (every job asks for the credential).
        let seen: String
        if let recorded = try await settings.get(name) {
            seen = recorded
        } else {
            seen = try await settings.setIfAbsent(name, String(Int64(now.timeIntervalSince1970)))
        }
        let firstSeen = Int64(seen).map { Date(timeIntervalSince1970: TimeInterval($0)) } ?? now
        return Credential(
            token: ReporterAccessToken(configured.revealed), fingerprint: fingerprint,
            expiresAt: firstSeen.addingTimeInterval(ServiceTokenStore.lifetime), expiryKnown: false)
    }

    /// The token, when Apple has not refused it; else ``Unusable``.
    package func usableCredential(now: Date) async throws -> Credential {
        let credential = try await credential(now: now)
        let status = try await status(of: credential, now: now)
        guard let credential, status.problem == nil else {
            throw Unusable(reason: status.message ?? "the service access token cannot be used")
        }
        return credential
    }

    /// Records that Apple refused `credential` (`expired` or `invalid`); every worker stops using it.
    package func recordRefusal(_ error: ReporterError, of credential: Credential, now: Date, logger: Logger)
        async throws
    {
        let problem = error == .expiredToken ? "expired" : "invalid"
        let value = "\(credential.fingerprint) \(problem)"
        guard try await settings.get("service_token_problem") != value else { return }
        try await settings.set("service_token_problem", value)
        logger.error(
            "Apple refused the service access token; syncing stops until a new one is set",
            metadata: ["problem": "\(problem)", "token": "\(credential.token.masked)"])
    }

    /// Where the service identity stands.
    package func status(now: Date) async throws -> Status {
        try await status(of: try await credential(now: now), now: now)
    }

    private func status(of credential: Credential?, now: Date) async throws -> Status {
        guard let credential else {
            return Status(configured: false, daysLeft: nil, problem: nil, warning: nil)
        }
        var problem: String?
        if let recorded = try await settings.get("service_token_problem") {
            let parts = recorded.split(separator: " ")
            if parts.count == 2, parts[0] == credential.fingerprint { problem = String(parts[1]) }
        }
        let daysLeft = credential.daysLeft(now: now)
        let warning = daysLeft < 0 ? 0 : Self.warningDays.filter { daysLeft <= $0 }.min()
        return Status(configured: true, daysLeft: daysLeft, problem: problem, warning: warning)
    }

    /// Logs the status once per token and threshold (30, 14, 3 days, expired, refused), so a
    /// warning appears when it first applies and is not repeated at every check.
    package func warnIfDue(now: Date, logger: Logger) async throws -> Status {
        let credential = try await credential(now: now)
        let status = try await status(of: credential, now: now)
        guard let message = status.message else { return status }
        let fingerprint = credential?.fingerprint.prefix(16) ?? "none"
        let key = "\(fingerprint) \(status.problem ?? status.warning.map(String.init) ?? "unconfigured")"
        if try await settings.get("service_token_warned") != key {
            try await settings.set("service_token_warned", key)
            if status.problem != nil || !status.configured || status.warning == 0 {
                logger.error("\(message)")
            } else {
                logger.warning("\(message)")
            }
        }
        return status
    }
}
