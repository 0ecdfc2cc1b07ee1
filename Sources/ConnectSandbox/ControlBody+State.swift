import Foundation

extension ControlBody {
    /// `GET /sandbox/v1/state`: the whole world, tokens masked.
    struct State: Encodable {
        struct User: Encodable {
            struct Access: Encodable {
                let account: String
                let roles: [SandboxRole]
            }

            let appleId: String
            let accessToken: String?
            let tokenExpiresAt: Date?
            let memberships: [Access]
        }

        struct Key: Encodable {
            let keyId: String
            let issuerId: String
            let roles: [SandboxRole]
            let accounts: [String]
        }

        let now: Date
        let accounts: [Account]
        let users: [User]
        let invitations: [InvitationAnswer]
        let keys: [Key]
        let faults: FaultSettings
        let serviceAppleId: String?

        init(world: SandboxWorld, faults: FaultSettings) {
            now = world.clock.now()
            accounts = world.accounts.map(Account.init)
            let memberships = world.memberships()
            users = world.users.map { user in
                User(
                    appleId: user.appleId, accessToken: user.token?.masked, tokenExpiresAt: user.token?.expiresAt,
                    memberships: memberships.filter { $0.appleId == user.appleId }.map {
                        User.Access(account: String($0.account), roles: $0.roles.sorted { $0.rawValue < $1.rawValue })
                    })
            }
            invitations = world.invitations().map(InvitationAnswer.init)
            keys = world.keys.map {
                Key(
                    keyId: $0.keyId, issuerId: $0.issuerId, roles: $0.roles.sorted { $0.rawValue < $1.rawValue },
                    accounts: $0.accounts.map(String.init))
            }
            self.faults = faults
            serviceAppleId = world.options.serviceAppleID
        }
    }
}
