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
        /// Apple refused this token over ``ServiceIdentity/retestInterval`` ago and it is being tried
        /// again: a request it passes clears the refusal.
        package var retesting = false

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
    /// How long after Apple refused the token it is tried again (Apple has refused good tokens
    /// for a while before).
    package static let retestInterval: TimeInterval = 3_600

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

    /// The token, when Apple has not refused it, or refused it over ``retestInterval`` ago (then
    /// it is tried again, marked `retesting`); else ``Unusable``.
    package func usableCredential(now: Date) async throws -> Credential {
        let credential = try await credential(now: now)
        let status = try await status(of: credential, now: now)
        guard var credential else {
            throw Unusable(reason: status.message ?? "the service access token cannot be used")
        }
        if status.problem != nil {
            guard let refusedAt = try await refusal(of: credential)?.at,
                now.timeIntervalSince(refusedAt) >= Self.retestInterval
            else { throw Unusable(reason: status.message ?? "the service access token cannot be used") }
            credential.retesting = true
        }
        return credential
    }

    /// Apple accepted a token it had refused: syncing resumes everywhere.
    package func recordAcceptance(of credential: Credential, logger: Logger) async throws {
        guard credential.retesting, try await refusal(of: credential) != nil else { return }
        try await settings.remove("service_token_problem")
        logger.notice(
            "Apple accepts the service access token again; syncing resumes",
            metadata: ["token": "\(credential.token.masked)"])
    }

    /// The recorded refusal of `credential`: `<fingerprint> <problem> [<epoch seconds>]`.
    private func refusal(of credential: Credential) async throws -> (problem: String, at: Date?)? {
        guard let recorded = try await settings.get("service_token_problem") else { return nil }
        let parts = recorded.split(separator: " ")
        guard (2...3).contains(parts.count), parts[0] == credential.fingerprint else { return nil }
        let at = parts.count == 3 ? Int64(parts[2]).map { Date(timeIntervalSince1970: TimeInterval($0)) } : nil
        return (String(parts[1]), at)
    }

    /// Records that Apple refused `credential` (`expired` or `invalid`); every worker stops using it.
    package func recordRefusal(_ error: ReporterError, of credential: Credential, now: Date, logger: Logger)
        async throws
    {
        let problem = error == .expiredToken ? "expired" : "invalid"
        let known = try await refusal(of: credential)?.problem == problem
        try await settings.set(
            "service_token_problem", "\(credential.fingerprint) \(problem) \(Int64(now.timeIntervalSince1970))")
        guard !known else { return }
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
        let problem = try await refusal(of: credential)?.problem
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

    /// What Apple says of a token now.
    package enum Verdict: Sendable, Equatable {
        /// Apple answered `Sales.getAccounts`: the service sees `accounts` accounts.
        case accepted(accounts: Int)
        /// Apple refused it: `expired` or `invalid`.
        case refused(String)
        /// Apple could not be asked (unreachable, failing): nothing is known.
        case unknown(String)
    }

    /// Asks Apple, once, whether `token` works: the check `orchard service set-token` makes before
    /// storing a token (even the same one), so a refused token is never stored over a working one
    /// and a token refused by a glitch is accepted again at once.
    package static func verdict(on token: ReporterAccessToken, reporter: ReporterClient) async -> Verdict {
        do {
            return .accepted(accounts: try await reporter.accounts(token: token).count)
        } catch {
            switch error {
            case .expiredToken: return .refused("expired")
            case .invalidToken: return .refused("invalid")
            default: return .unknown(error.description)
            }
        }
    }
}
