import Crypto
import Foundation
import SalesReports
import Synchronization

/// The world as JSON, for a sandbox that outlives its process (`orchard demo` keeps one in its
/// directory): accounts by what regenerates them (seed and app count; sales are a function of
/// the seed and the day), Apple IDs with their tokens, memberships, invitations and the public
/// halves of API keys.
package struct SandboxSnapshot: Codable, Sendable, Equatable {
    package struct Account: Codable, Sendable, Equatable {
        var number: Int
        var name: String
        var vendors: [Int]
        /// Every vendor with the apps it sells, removed ones included; absent in snapshots written
        /// before vendors could change (the one vendor sells every app).
        var vendorList: [Vendor]?
        /// The name the apps were made under, when the account was renamed since.
        var developer: String?
        /// Decimal text: a 64-bit seed does not survive every JSON reader as a number.
        var seed: String
        var apps: Int
        var historyStart: String
    }

    package struct Vendor: Codable, Sendable, Equatable {
        var number: Int
        var firstApp: Int
        var apps: Int
        var removed: Bool
    }

    package struct Token: Codable, Sendable, Equatable {
        var value: String
        var issuedAt: Date
        var expiresAt: Date
    }

    package struct User: Codable, Sendable, Equatable {
        var appleId: String
        var firstName: String
        var lastName: String
        var token: Token?
    }

    package struct Member: Codable, Sendable, Equatable {
        var appleId: String
        var account: Int
        var roles: [SandboxRole]
    }

    package struct Invite: Codable, Sendable, Equatable {
        var id: String
        var account: Int
        var email: String
        var firstName: String
        var lastName: String
        var roles: [SandboxRole]
        var createdAt: Date
        var expiresAt: Date
        var state: Invitation.State
    }

    package struct Key: Codable, Sendable, Equatable {
        var keyId: String
        var issuerId: String
        /// The P-256 public key, raw representation.
        var publicKey: Data
        var roles: [SandboxRole]
        var accounts: [Int]
    }

    var accounts: [Account]
    var users: [User]
    var memberships: [Member]
    var invitations: [Invite]
    var keys: [Key]
    var createdAccounts: Int
}

extension SandboxWorld {
    /// Raised by every change, and by time's own (an invitation accepted or expired): a saver
    /// writes the snapshot again when it moved.
    package var revision: UInt64 {
        state.withLock { $0.revision }
    }

    /// The world as it is now, after what time has done.
    package func snapshot() -> SandboxSnapshot {
        (try? read { state in
            SandboxSnapshot(
                accounts: state.accountOrder.compactMap { state.accounts[$0] }.map {
                    .init(
                        number: $0.number, name: $0.name, vendors: $0.vendors,
                        vendorList: $0.vendorList.map {
                            .init(
                                number: $0.number, firstApp: $0.apps.lowerBound, apps: $0.apps.count,
                                removed: $0.removed)
                        }, developer: $0.developer == $0.name ? nil : $0.developer, seed: String($0.seed),
                        apps: $0.catalog.count, historyStart: $0.historyStart.isoText)
                },
                users: state.userOrder.compactMap { state.users[$0] }.map {
                    .init(
                        appleId: $0.appleId, firstName: $0.firstName, lastName: $0.lastName,
                        token: $0.token.map { .init(value: $0.value, issuedAt: $0.issuedAt, expiresAt: $0.expiresAt) })
                },
                memberships: state.memberships.map {
                    .init(
                        appleId: $0.appleId, account: $0.account, roles: $0.roles.sorted { $0.rawValue < $1.rawValue })
                },
                invitations: state.invitations.map {
                    .init(
                        id: $0.id, account: $0.account, email: $0.email, firstName: $0.firstName,
                        lastName: $0.lastName, roles: $0.roles.sorted { $0.rawValue < $1.rawValue },
                        createdAt: $0.createdAt, expiresAt: $0.expiresAt, state: $0.state)
                },
                keys: state.keyOrder.compactMap { state.keys[$0] }.map {
                    .init(
                        keyId: $0.keyId, issuerId: $0.issuerId, publicKey: $0.publicKey.rawRepresentation,
                        roles: $0.roles.sorted { $0.rawValue < $1.rawValue }, accounts: $0.accounts)
                },
                createdAccounts: Int(state.createdAccounts))
        }) ?? SandboxSnapshot(accounts: [], users: [], memberships: [], invitations: [], keys: [], createdAccounts: 0)
    }

    /// Replaces the world with `snapshot`; accounts are regenerated from their seeds, so their
    /// apps and sales are the ones the snapshot's world served.
    package func restore(_ snapshot: SandboxSnapshot) throws(SandboxWorldError) {
        var restored = State()
        for saved in snapshot.accounts {
            guard let seed = UInt64(saved.seed), let start = ReportDate(saved.historyStart), saved.apps >= 0 else {
                throw .invalid("The saved sandbox names account \(saved.number) with a seed or start it cannot read.")
            }
            let vendors =
                saved.vendorList?.map {
                    SandboxAccount.Vendor(
                        number: $0.number, apps: $0.firstApp..<($0.firstApp + max(0, $0.apps)), removed: $0.removed)
                } ?? saved.vendors.enumerated().map { .init(number: $1, apps: $0 == 0 ? 0..<saved.apps : 0..<0) }
            guard vendors.allSatisfy({ $0.apps.upperBound <= saved.apps && $0.apps.lowerBound >= 0 }) else {
                throw .invalid("The saved sandbox gives account \(saved.number) vendors with apps it does not have.")
            }
            let developer = saved.developer ?? saved.name
            restored.accounts[saved.number] = SandboxAccount(
                number: saved.number, name: saved.name, developer: developer, vendors: vendors,
                catalog: AppCatalog.profiles(seed: seed, count: saved.apps, developer: developer), seed: seed,
                historyStart: start)
            restored.accountOrder.append(saved.number)
        }
        for saved in snapshot.users {
            let token = saved.token.map {
                ReporterToken(value: $0.value, issuedAt: $0.issuedAt, expiresAt: $0.expiresAt)
            }
            restored.users[saved.appleId] = SandboxUser(
                appleId: saved.appleId, firstName: saved.firstName, lastName: saved.lastName, token: token)
            restored.userOrder.append(saved.appleId)
            if let token { restored.tokenOwners[token.value] = saved.appleId }
        }
        restored.memberships = snapshot.memberships.map {
            Membership(appleId: $0.appleId, account: $0.account, roles: Set($0.roles))
        }
        restored.invitations = snapshot.invitations.map {
            Invitation(
                id: $0.id, account: $0.account, email: $0.email, firstName: $0.firstName, lastName: $0.lastName,
                roles: Set($0.roles), createdAt: $0.createdAt, expiresAt: $0.expiresAt, state: $0.state)
        }
        for saved in snapshot.keys {
            guard let publicKey = try? P256.Signing.PublicKey(rawRepresentation: saved.publicKey) else {
                throw .invalid("The saved sandbox holds an API key (\(saved.keyId)) that is not a P-256 public key.")
            }
            restored.keys[saved.keyId] = APIKey(
                keyId: saved.keyId, issuerId: saved.issuerId, publicKey: publicKey, roles: Set(saved.roles),
                accounts: saved.accounts)
            restored.keyOrder.append(saved.keyId)
        }
        restored.createdAccounts = UInt64(max(0, snapshot.createdAccounts))
        state.withLock { state in
            restored.revision = state.revision &+ 1
            state = restored
        }
    }
}
