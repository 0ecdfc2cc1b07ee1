package import Foundation
import SalesReports
import Synchronization

/// Apple's side as data: Apple IDs with Reporter tokens, content-provider accounts with
/// vendors and apps, memberships with roles, invitations, API keys. Thread-safe; every change
/// is timed by the sandbox clock.
package final class SandboxWorld: Sendable {
    struct State {
        var accounts: [Int: SandboxAccount] = [:]
        var accountOrder: [Int] = []
        var users: [String: SandboxUser] = [:]
        var userOrder: [String] = []
        /// The Apple ID of each live token value: a Reporter request finds its user without a scan.
        var tokenOwners: [String: String] = [:]
        var memberships: [Membership] = []
        var invitations: [Invitation] = []
        var keys: [String: APIKey] = [:]
        var keyOrder: [String] = []
        var createdAccounts: UInt64 = 0
        /// Raised by every change (see ``SandboxWorld/revision``).
        var revision: UInt64 = 0
    }

    /// How the world decides what nobody asked for explicitly.
    package struct Options: Sendable {
        /// The seed of account numbers, vendors and (unless an account gives its own) sales.
        package var seed: UInt64
        /// The service Apple ID whose invitations accept themselves after ``autoAcceptAfter``.
        package var serviceAppleID: String?
        package var autoAcceptAfter: TimeInterval?
        /// Apple: an invitation expires after three days.
        package var invitationLifetime: TimeInterval

        package init(
            seed: UInt64 = 1, serviceAppleID: String? = nil, autoAcceptAfter: TimeInterval? = nil,
            invitationLifetime: TimeInterval = 3 * 86_400
        ) {
            self.seed = seed
            self.serviceAppleID = serviceAppleID
            self.autoAcceptAfter = autoAcceptAfter
            self.invitationLifetime = invitationLifetime
        }
    }

    package let clock: SandboxClock
    package let options: Options
    let makeToken: @Sendable () -> String
    let state = Mutex(State())

    /// - Parameter makeToken: new Reporter token values (UUID-like by default).
    package init(
        options: Options = Options(), clock: SandboxClock = SandboxClock(),
        makeToken: @escaping @Sendable () -> String = { UUID().uuidString.lowercased() }
    ) {
        self.options = options
        self.clock = clock
        self.makeToken = makeToken
    }

    /// Reads the world after applying what time has done (expired invitations, auto-accepts).
    func read<T>(_ body: (State) throws(SandboxWorldError) -> T) throws(SandboxWorldError) -> T {
        let now = clock.now()
        return try state.withLock { (state: inout State) throws(SandboxWorldError) -> T in
            settle(&state, now: now)
            return try body(state)
        }
    }

    /// Changes the world after applying what time has done.
    func change<T>(_ body: (inout State, Date) throws(SandboxWorldError) -> T) throws(SandboxWorldError) -> T {
        let now = clock.now()
        return try state.withLock { (state: inout State) throws(SandboxWorldError) -> T in
            settle(&state, now: now)
            state.revision &+= 1
            return try body(&state, now)
        }
    }

    private func settle(_ state: inout State, now: Date) {
        for index in state.invitations.indices where state.invitations[index].state == .pending {
            let invitation = state.invitations[index]
            if let service = options.serviceAppleID, let delay = options.autoAcceptAfter,
                invitation.email.lowercased() == service.lowercased(),
                now >= invitation.createdAt.addingTimeInterval(delay),
                invitation.createdAt.addingTimeInterval(delay) < invitation.expiresAt
            {
                state.invitations[index].state = .accepted
                Self.join(&state, invitation: invitation)
                state.revision &+= 1
            } else if now >= invitation.expiresAt {
                state.invitations[index].state = .expired
                state.revision &+= 1
            }
        }
    }

    static func join(_ state: inout State, invitation: Invitation) {
        let appleId = invitation.email.lowercased()
        if state.users[appleId] == nil {
            state.users[appleId] = SandboxUser(
                appleId: appleId, firstName: invitation.firstName, lastName: invitation.lastName, token: nil)
            state.userOrder.append(appleId)
        }
        if let index = state.memberships.firstIndex(where: { $0.appleId == appleId && $0.account == invitation.account }
        ) {
            state.memberships[index].roles.formUnion(invitation.roles)
        } else {
            state.memberships.append(Membership(appleId: appleId, account: invitation.account, roles: invitation.roles))
        }
    }
}
