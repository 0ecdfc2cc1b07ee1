package import AppStoreConnect
package import Foundation
package import OrchardCore
package import OrchardStorage

/// The three steps of the App Store Connect funnel (docs/STATUSES.md), the same for pages and the
/// API. The customer's token proves which accounts they own: it is validated live with Apple, kept
/// encrypted for `ORCHARD_FUNNEL_TOKEN_MINUTES`, checked again when the funnel finishes, and never
/// shown or logged. Every failure a person can act on is a ``FunnelError``.
package struct Funnel: Sendable {
    /// An account a token sees, with its vendor numbers.
    package struct SeenAccount: Sendable, Equatable, Codable {
        package let number: String
        package let name: String
        package let vendors: [String]
        /// The account's apps, when Orchard knows them already (another user integrated it).
        package let apps: [String]
    }

    /// What the invite step shows.
    package struct Invitation: Sendable, Equatable {
        package let serviceAppleID: String?
        package let roles: [String]
        package let steps: [String]
    }

    /// Step 1 as a page shows it: the tokens kept for the user, and the one just pasted.
    package struct TokenStep: Sendable {
        package var kept: [FunnelTokenRecord]
        package var validated: (record: FunnelTokenRecord, accounts: [SeenAccount])?
        /// Why the pasted token was refused.
        package var problem: FunnelError?
    }

    /// Step 2: what the kept token sees now, and which of those accounts the user has already.
    package struct AccountsStep: Sendable {
        package let tokenID: Int64
        package let masked: String
        package let accounts: [SeenAccount]
        /// The user's integrations of those accounts, by account number, with their status.
        package let integrated: [String: IntegrationStatus]
    }

    /// Step 3: the chosen accounts, all seen by the kept token, and how to invite the service.
    package struct InviteStep: Sendable {
        package let tokenID: Int64
        package let accounts: [SeenAccount]
        package let invitation: Invitation
        /// Chosen accounts Orchard's service Apple ID sees already (another user's integration): no
        /// invitation is needed for them.
        package let visible: Set<String>
    }

    private let reporter: ReporterClient
    private let tokens: FunnelTokenStore
    private let storeAccounts: StoreAccountStore
    private let integrations: IntegrationStore
    private let audit: AuditLog
    private let settings: Settings
    private let now: @Sendable () -> Date

    package init(
        database: OrchardDatabase, reporter: ReporterClient, keys: KeyRing, settings: Settings,
        now: @escaping @Sendable () -> Date
    ) {
        self.reporter = reporter
        tokens = FunnelTokenStore(database: database, keys: keys)
        storeAccounts = StoreAccountStore(database: database)
        integrations = IntegrationStore(database: database)
        audit = AuditLog(database: database)
        self.settings = settings
        self.now = now
    }

    private var lifetime: TimeInterval { TimeInterval(settings.funnelTokenMinutes * 60) }

    /// Step 1: validates `raw` with Apple and keeps it for the funnel's lifetime.
    package func submit(token raw: String, user: User) async throws -> (FunnelTokenRecord, [SeenAccount]) {
        let token = try Self.accessToken(raw)
        let accounts = try await seen(by: token)
        let record = try await tokens.save(
            userID: user.id, token: token.secret, masked: token.masked, provenAccounts: accounts.map(\.number),
            now: now(), lifetime: lifetime)
        return (record, accounts)
    }

    /// Step 1's page: the kept tokens and, when `raw` is given, that token validated or refused.
    package func tokenStep(user: User, submitting raw: String? = nil) async throws -> TokenStep {
        var step = TokenStep(kept: [], validated: nil, problem: nil)
        if let raw {
            do { step.validated = try await submit(token: raw, user: user) } catch let error as FunnelError {
                step.problem = error
            }
        }
        step.kept = try await usableTokens(user: user)
        return step
    }

    /// The user's tokens still inside the funnel's lifetime.
    package func usableTokens(user: User) async throws -> [FunnelTokenRecord] {
        try await tokens.usable(userID: user.id, now: now())
    }

    /// Step 2 again: what a kept token sees now, asked of Apple again.
    package func accounts(tokenID: Int64, user: User) async throws -> [SeenAccount] {
        try await seen(byKept: tokenID, user: user)
    }

    /// What the kept token sees now. A token Apple no longer accepts is erased at once: it cannot
    /// prove anything any more, and the person is sent back to step 1.
    private func seen(byKept id: Int64, user: User) async throws -> [SeenAccount] {
        try await seen(byKept: id, token: try await reveal(id, user: user), user: user)
    }

    /// The same, with the kept token already revealed.
    private func seen(byKept id: Int64, token: ReporterAccessToken, user: User) async throws -> [SeenAccount] {
        do {
            return try await seen(by: token)
        } catch let error as FunnelError where error == .invalidToken || error == .expiredToken {
            try await tokens.erase(id: id, userID: user.id, now: now())
            throw FunnelError.tokenStoppedWorking
        }
    }

    /// Step 2's page.
    package func accountsStep(tokenID: Int64, user: User) async throws -> AccountsStep {
        guard let record = try await usableTokens(user: user).first(where: { $0.id == tokenID }) else {
            throw FunnelError.tokenGone
        }
        let accounts = try await accounts(tokenID: tokenID, user: user)
        let integrated = Dictionary(
            try await integrations.list(userID: user.id).map { ($0.accountNumber, $0.status) }
        ) { first, _ in first }
        return AccountsStep(tokenID: tokenID, masked: record.masked, accounts: accounts, integrated: integrated)
    }

    /// Step 3's page: every chosen account must be one the kept token sees now.
    package func inviteStep(tokenID: Int64, user: User, chosen: [String]) async throws -> InviteStep {
        let seen = try await accounts(tokenID: tokenID, user: user)
        if let unknown = chosen.first(where: { number in !seen.contains { $0.number == number } }) {
            throw FunnelError.unknownAccount(unknown)
        }
        let selected = chosen.compactMap { number in seen.first { $0.number == number } }
        guard !selected.isEmpty else { throw FunnelError.noAccountsSelected }
        var visible: Set<String> = []
        for account in selected where try await storeAccounts.find(number: account.number)?.access == .accessible {
            visible.insert(account.number)
        }
        return InviteStep(tokenID: tokenID, accounts: selected, invitation: invitation, visible: visible)
    }

    /// Forgets a kept token now.
    package func forget(tokenID: Int64, user: User) async throws {
        guard try await tokens.usable(userID: user.id, now: now()).contains(where: { $0.id == tokenID }) else {
            throw FunnelError.tokenGone
        }
        try await tokens.erase(id: tokenID, userID: user.id, now: now())
    }

    package var invitation: Invitation {
        Invitation(
            serviceAppleID: settings.serviceAppleID, roles: ["SALES"],
            steps: [
                "Sign in to App Store Connect as an Account Holder or Admin of the account.",
                "Open Users and Access, then choose + (Add users).",
                "Enter \(settings.serviceAppleID ?? "the service Apple ID"), a first and last name, and the role Sales "
                    + "(add Finance if you want financial reports).",
                "Choose Invite. Repeat in each account you selected: an invitation covers one account.",
                "The invited user then appears under Users and Access, so you can check it is there.",
            ])
    }

    /// Step 3: one integration per selected account, pending until the service sees it (or active
    /// at once when another user's integration already made it visible).
    ///
    /// The tenant boundary: every account must be one the user's kept token sees, asked of Apple
    /// again now, not only when the token was pasted.
    package func finish(user: User, tokenID: Int64, accounts selected: [String], confirmed: Bool) async throws
        -> [Integrations.Row]
    {
        var numbers: [String] = []
        for number in selected.map({ $0.trimmingCharacters(in: .whitespaces) })
        where !number.isEmpty && !numbers.contains(number) {
            numbers.append(number)
        }
        guard !numbers.isEmpty else { throw FunnelError.noAccountsSelected }
        let token = try await reveal(tokenID, user: user)
        let seen = try await seen(byKept: tokenID, token: token, user: user)
        var chosen: [SeenAccount] = []
        for number in numbers {
            guard let account = seen.first(where: { $0.number == number }) else {
                throw FunnelError.unknownAccount(number)
            }
            chosen.append(account)
        }
        guard confirmed else { throw FunnelError.invitationNotConfirmed }
        let existing = try await integrations.list(userID: user.id)
        if let taken = numbers.first(where: { number in existing.contains { $0.accountNumber == number } }) {
            throw FunnelError.alreadyIntegrated(taken)
        }
        let proof = "token \(token.masked) (fingerprint \(SecretBox.fingerprint(token.secret).prefix(16))) sees it"
        let made: [Integration]
        do {
            // One transaction: every selected account is integrated, or none is.
            made = try await integrations.create(
                userID: user.id,
                accounts: chosen.map {
                    IntegrationStore.NewAccount(number: $0.number, name: $0.name, vendors: $0.vendors, proof: proof)
                }, now: now())
        } catch IntegrationStore.Failure.alreadyIntegrated(let number) {
            throw FunnelError.alreadyIntegrated(number)
        }
        var created: [Integrations.Row] = []
        for integration in made {
            created.append(
                Integrations.Row(
                    integration: integration, account: try await storeAccounts.find(number: integration.accountNumber)))
        }
        return created
    }

    // MARK: Apple

    private func reveal(_ id: Int64, user: User) async throws -> ReporterAccessToken {
        guard let secret = try await tokens.reveal(id: id, userID: user.id, now: now()) else {
            throw FunnelError.tokenGone
        }
        return ReporterAccessToken(secret)
    }

    /// The accounts `token` sees and each one's vendors, asked of Apple now.
    private func seen(by token: ReporterAccessToken) async throws -> [SeenAccount] {
        do {
            let accounts = try await reporter.accounts(token: token)
            guard !accounts.isEmpty else { throw FunnelError.noAccounts }
            var seen: [SeenAccount] = []
            for account in accounts {
                let vendors = try await reporter.vendors(token: token, account: account.number)
                seen.append(
                    SeenAccount(
                        number: account.number, name: account.name, vendors: vendors,
                        apps: try await storeAccounts.appTitles(number: account.number)))
            }
            return seen
        } catch let error as ReporterError {
            throw FunnelError(error)
        }
    }

    /// A pasted token, trimmed; refused before asking Apple when it cannot be one.
    package static func accessToken(_ raw: String) throws(FunnelError) -> ReporterAccessToken {
        let trimmed = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw .tokenMissing }
        guard trimmed.count <= 200, !trimmed.contains(where: { $0.isWhitespace || !$0.isASCII }) else {
            throw .invalidToken
        }
        return ReporterAccessToken(trimmed)
    }
}

extension FunnelError {
    /// What Apple's refusal of a customer's token means to the funnel: anything but a refused or
    /// expired token is Apple being unavailable, and nothing is saved.
    init(_ error: ReporterError) {
        switch error {
        case .invalidToken: self = .invalidToken
        case .expiredToken: self = .expiredToken
        default: self = .appleUnavailable
        }
    }
}
