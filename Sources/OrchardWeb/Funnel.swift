import AppStoreConnect
import Foundation
import OrchardCore
import OrchardStorage

/// The three steps of the App Store Connect funnel (DESIGN.md section 1), the same for pages and
/// the API. The customer's token proves which accounts they own: it is validated live with Apple,
/// kept encrypted for `ORCHARD_FUNNEL_TOKEN_MINUTES`, checked again when the funnel finishes, and
/// never shown or logged.
struct Funnel: Sendable {
    /// An account a token sees, with its vendor numbers.
    struct SeenAccount: Sendable, Equatable, Codable {
        let number: String
        let name: String
        let vendors: [String]
        /// The account's apps, when Orchard knows them already (another user integrated it).
        let apps: [String]
    }

    /// What the invite step shows.
    struct Invitation: Sendable, Equatable {
        let serviceAppleID: String?
        let roles: [String]
        let steps: [String]
    }

    let reporter: ReporterClient
    let tokens: FunnelTokenStore
    let storeAccounts: StoreAccountStore
    let integrations: IntegrationStore
    let audit: AuditLog
    let apps: VisibleAppStore
    let settings: Settings
    let now: @Sendable () -> Date

    var lifetime: TimeInterval { TimeInterval(settings.funnelTokenMinutes * 60) }

    /// Step 1: validates `raw` with Apple and keeps it for the funnel's lifetime.
    func submit(token raw: String, user: User) async throws -> (FunnelTokenRecord, [SeenAccount]) {
        let token = try Self.accessToken(raw)
        let accounts = try await seen(by: token)
        let record = try await tokens.save(
            userID: user.id, token: token.secret, masked: token.masked, provenAccounts: accounts.map(\.number),
            now: now(), lifetime: lifetime)
        return (record, accounts)
    }

    /// The user's tokens still inside the funnel's lifetime.
    func usableTokens(user: User) async throws -> [FunnelTokenRecord] {
        try await tokens.usable(userID: user.id, now: now())
    }

    /// Step 2 again: what a kept token sees now, asked of Apple again.
    func accounts(tokenID: Int64, user: User) async throws -> [SeenAccount] {
        try await seen(by: try await reveal(tokenID, user: user))
    }

    /// The user's integrations, each with its store account's sync state (the page and the API).
    func integrations(of user: User) async throws -> [(integration: Integration, account: StoreAccount?)] {
        try await withIntegrationAccounts(try await integrations.list(userID: user.id))
    }

    func withIntegrationAccounts(_ list: [Integration]) async throws
        -> [(integration: Integration, account: StoreAccount?)]
    {
        try await storeAccounts.paired(with: list)
    }

    /// Forgets a kept token now.
    func forget(tokenID: Int64, user: User) async throws {
        guard try await tokens.usable(userID: user.id, now: now()).contains(where: { $0.id == tokenID }) else {
            throw WebError.notFound
        }
        try await tokens.erase(id: tokenID, userID: user.id, now: now())
    }

    var invitation: Invitation {
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
    func finish(user: User, tokenID: Int64, accounts selected: [String], confirmed: Bool) async throws -> [Integration]
    {
        let numbers = Array(NSOrderedSet(array: selected.map { $0.trimmingCharacters(in: .whitespaces) }))
            .compactMap { $0 as? String }.filter { !$0.isEmpty }
        guard !numbers.isEmpty else { throw WebError.noAccountsSelected }
        let token = try await reveal(tokenID, user: user)
        let seen = try await seen(by: token)
        if let unknown = numbers.first(where: { number in !seen.contains { $0.number == number } }) {
            throw WebError.unknownAccount(unknown)
        }
        guard confirmed else { throw WebError.invitationNotConfirmed }
        let existing = try await integrations.list(userID: user.id)
        if let taken = numbers.first(where: { number in existing.contains { $0.accountNumber == number } }) {
            throw WebError.alreadyIntegrated(taken)
        }
        let time = now()
        var created: [Integration] = []
        for number in numbers {
            let account = seen.first { $0.number == number }!
            try await storeAccounts.upsert(number: number, name: account.name, vendors: account.vendors, now: time)
            try await audit.record(
                AuditEvent(
                    at: time, userID: user.id, accountNumber: number, action: "ownership_proved",
                    detail:
                        "token \(token.masked) (fingerprint \(SecretBox.fingerprint(token.secret).prefix(16))) sees it")
            )
            do {
                created.append(try await integrations.create(userID: user.id, accountNumber: number, now: time))
            } catch IntegrationStore.Failure.alreadyIntegrated {
                throw WebError.alreadyIntegrated(number)
            }
        }
        return created
    }

    // MARK: Apple

    private func reveal(_ id: Int64, user: User) async throws -> ReporterAccessToken {
        guard let secret = try await tokens.reveal(id: id, userID: user.id, now: now()) else {
            throw WebError.funnelTokenGone
        }
        return ReporterAccessToken(secret)
    }

    /// The accounts `token` sees and each one's vendors, asked of Apple now.
    private func seen(by token: ReporterAccessToken) async throws -> [SeenAccount] {
        do {
            let accounts = try await reporter.accounts(token: token)
            guard !accounts.isEmpty else { throw WebError.noAccounts }
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
            throw Self.answer(error)
        }
    }

    static func answer(_ error: ReporterError) -> WebError {
        switch error {
        case .invalidToken: .invalidToken
        case .expiredToken: .expiredToken
        default: .appleUnavailable
        }
    }

    /// A pasted token, trimmed; refused before asking Apple when it cannot be one.
    static func accessToken(_ raw: String) throws(WebError) -> ReporterAccessToken {
        let trimmed = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw .tokenMissing }
        guard trimmed.count <= 200, !trimmed.contains(where: { $0.isWhitespace || !$0.isASCII }) else {
            throw .invalidToken
        }
        return ReporterAccessToken(trimmed)
    }
}

extension StoreAccountStore {
    /// Each integration with its store account's sync state (the Data Integration page, the API, the dashboard).
    func paired(with list: [Integration]) async throws -> [(integration: Integration, account: StoreAccount?)] {
        var result: [(integration: Integration, account: StoreAccount?)] = []
        for integration in list {
            result.append((integration, try await find(number: integration.accountNumber)))
        }
        return result
    }
}
