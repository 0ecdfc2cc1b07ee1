import Foundation

extension SandboxWorld {
    /// Invites `email` into `account` with `roles`; pending until accepted, expired after the
    /// invitation lifetime (three days).
    @discardableResult
    package func invite(
        email: String, to account: Int, roles: Set<SandboxRole>, firstName: String = "", lastName: String = ""
    ) throws(SandboxWorldError) -> Invitation {
        let address = email.lowercased().trimmingCharacters(in: .whitespaces)
        guard address.contains("@"), !address.hasPrefix("@"), !address.hasSuffix("@") else {
            throw .invalid("Enter the invitee's email address.")
        }
        guard !roles.isEmpty else { throw .invalid("Choose at least one role.") }
        return try change { state, now throws(SandboxWorldError) in
            guard state.accounts[account] != nil else { throw .unknownAccount(account) }
            if state.memberships.contains(where: { $0.appleId == address && $0.account == account }) {
                throw .alreadyMember(address)
            }
            if state.invitations.contains(where: {
                $0.email == address && $0.account == account && $0.state == .pending
            }) {
                throw .alreadyInvited(address)
            }
            var random = SeededGenerator(options.seed, UInt64(state.invitations.count), 0x1417)
            let id = Self.uuid(&random)
            let invitation = Invitation(
                id: id, account: account, email: address, firstName: firstName, lastName: lastName, roles: roles,
                createdAt: now, expiresAt: now.addingTimeInterval(options.invitationLifetime), state: .pending)
            state.invitations.append(invitation)
            return invitation
        }
    }

    /// Accepts the pending invitation of `email` into `account`: that Apple ID (created if it
    /// did not exist, without a token) becomes a member with the invitation's roles.
    @discardableResult
    package func acceptInvitation(email: String, account: Int) throws(SandboxWorldError) -> Invitation {
        let address = email.lowercased()
        return try change { state, _ throws(SandboxWorldError) in
            guard state.accounts[account] != nil else { throw .unknownAccount(account) }
            let matching = state.invitations.indices.filter {
                state.invitations[$0].email == address && state.invitations[$0].account == account
            }
            guard let index = matching.last(where: { state.invitations[$0].state == .pending }) ?? matching.last else {
                throw .unknownInvitation(address)
            }
            return try Self.accept(&state, index: index)
        }
    }

    /// Accepts the invitation `id`.
    @discardableResult
    package func acceptInvitation(id: String) throws(SandboxWorldError) -> Invitation {
        try change { state, _ throws(SandboxWorldError) in
            guard let index = state.invitations.firstIndex(where: { $0.id == id }) else { throw .unknownInvitation(id) }
            return try Self.accept(&state, index: index)
        }
    }

    /// Withdraws a pending invitation.
    package func cancelInvitation(id: String) throws(SandboxWorldError) {
        try change { state, _ throws(SandboxWorldError) in
            guard let index = state.invitations.firstIndex(where: { $0.id == id }) else { throw .unknownInvitation(id) }
            guard state.invitations[index].state == .pending else { throw .invitationNotPending(id) }
            state.invitations[index].state = .cancelled
        }
    }

    /// Invitations, optionally of one account only.
    package func invitations(account: Int? = nil) -> [Invitation] {
        (try? read { state in state.invitations.filter { account == nil || $0.account == account } }) ?? []
    }

    private static func accept(_ state: inout State, index: Int) throws(SandboxWorldError) -> Invitation {
        let invitation = state.invitations[index]
        switch invitation.state {
        case .pending: break
        case .expired: throw .invitationExpired(invitation.id)
        case .accepted, .cancelled: throw .invitationNotPending(invitation.id)
        }
        state.invitations[index].state = .accepted
        join(&state, invitation: invitation)
        return state.invitations[index]
    }

    static func uuid(_ random: inout SeededGenerator) -> String {
        let hex = (0..<2).map { _ in String(random.next(), radix: 16) }.map {
            String(repeating: "0", count: 16 - $0.count) + $0
        }.joined()
        let characters = Array(hex)
        return [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { String(characters[$0]) }.joined(separator: "-")
    }
}
