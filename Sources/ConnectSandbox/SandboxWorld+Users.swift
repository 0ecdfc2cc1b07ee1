import Foundation

/// What a Reporter token comes to.
package enum TokenCheck: Sendable, Equatable {
    case valid(appleId: String)
    /// Past its expiry (Reporter 123).
    case expired
    /// Unknown, or replaced by a newer token (Reporter 124).
    case invalid
}

extension SandboxWorld {
    /// Creates an Apple ID that is a member of `accounts` with `roles`, and gives it a token.
    package func createUser(
        appleId: String, accounts: [Int], roles: Set<SandboxRole> = [.admin], firstName: String = "",
        lastName: String = "", expiresInDays: Int = 180
    ) throws(SandboxWorldError) -> (SandboxUser, ReporterToken) {
        let id = appleId.lowercased()
        guard id.contains("@") else { throw .invalid("An Apple ID is an email address.") }
        return try change { state, now throws(SandboxWorldError) in
            guard state.users[id] == nil else { throw .appleIDTaken(id) }
            for number in accounts where state.accounts[number] == nil { throw .unknownAccount(number) }
            let token = newToken(now: now, days: expiresInDays)
            let user = SandboxUser(appleId: id, firstName: firstName, lastName: lastName, token: token)
            state.users[id] = user
            state.userOrder.append(id)
            state.tokenOwners[token.value] = id
            for number in Set(accounts) {
                state.memberships.append(Membership(appleId: id, account: number, roles: roles))
            }
            return (user, token)
        }
    }

    /// Generates a new Reporter token for `appleId`; the previous one stops working at once.
    package func generateToken(appleId: String, expiresInDays: Int = 180) throws(SandboxWorldError) -> ReporterToken {
        let id = appleId.lowercased()
        guard expiresInDays > 0 else { throw .invalid("expiresInDays must be positive.") }
        return try change { state, now throws(SandboxWorldError) in
            guard state.users[id] != nil else { throw .unknownAppleID(id) }
            let token = newToken(now: now, days: expiresInDays)
            if let old = state.users[id]?.token { state.tokenOwners[old.value] = nil }
            state.users[id]?.token = token
            state.tokenOwners[token.value] = id
            return token
        }
    }

    /// Whom a Reporter token belongs to, as of now.
    package func check(token value: String) -> TokenCheck {
        let now = clock.now()
        return
            (try? read { state in
                guard !value.isEmpty, let id = state.tokenOwners[value], let token = state.users[id]?.token,
                    token.value == value
                else { return TokenCheck.invalid }
                return now >= token.expiresAt ? .expired : .valid(appleId: id)
            }) ?? .invalid
    }

    /// The Apple ID `appleId`.
    package func user(_ appleId: String) throws(SandboxWorldError) -> SandboxUser {
        try read { state throws(SandboxWorldError) in
            guard let user = state.users[appleId.lowercased()] else { throw .unknownAppleID(appleId) }
            return user
        }
    }

    /// Every Apple ID, in creation order.
    package var users: [SandboxUser] {
        (try? read { state in state.userOrder.compactMap { state.users[$0] } }) ?? []
    }

    /// The accounts `appleId` sees with roles allowing `access`, by account number.
    package func visibleAccounts(of appleId: String, for access: Access) -> [SandboxAccount] {
        let id = appleId.lowercased()
        return
            (try? read { state in
                state.memberships
                    .filter { $0.appleId == id && access.allows($0.roles) }
                    .compactMap { state.accounts[$0.account] }
                    .sorted { $0.number < $1.number }
            }) ?? []
    }

    /// Account `number` when `appleId` sees it with a role allowing `access`, else nil: one
    /// account without building the whole list (a Reporter request names its account).
    package func visibleAccount(_ number: Int, of appleId: String, for access: Access) -> SandboxAccount? {
        let id = appleId.lowercased()
        return try? read { state in
            guard
                state.memberships.contains(where: {
                    $0.account == number && $0.appleId == id && access.allows($0.roles)
                })
            else { return nil }
            return state.accounts[number]
        }
    }

    /// The memberships of `appleId` or of `account`.
    package func memberships(appleId: String? = nil, account: Int? = nil) -> [Membership] {
        (try? read { state in
            state.memberships.filter { membership in
                (appleId.map { membership.appleId == $0.lowercased() } ?? true)
                    && (account.map { membership.account == $0 } ?? true)
            }
        }) ?? []
    }

    /// Removes `email` from `account`: the account disappears from what that Apple ID sees.
    package func removeUser(email: String, from account: Int) throws(SandboxWorldError) {
        let id = email.lowercased()
        try change { state, _ throws(SandboxWorldError) in
            guard state.accounts[account] != nil else { throw .unknownAccount(account) }
            guard let index = state.memberships.firstIndex(where: { $0.appleId == id && $0.account == account }) else {
                throw .notMember(id)
            }
            state.memberships.remove(at: index)
        }
    }

    private func newToken(now: Date, days: Int) -> ReporterToken {
        ReporterToken(value: makeToken(), issuedAt: now, expiresAt: now.addingTimeInterval(TimeInterval(days) * 86_400))
    }

    /// What an Apple ID wants to read.
    package enum Access: Sendable {
        case sales, finance, users

        func allows(_ roles: Set<SandboxRole>) -> Bool {
            switch self {
            case .sales: return roles.canReadSales
            case .finance: return roles.canReadFinance
            case .users: return roles.canManageUsers
            }
        }
    }
}
