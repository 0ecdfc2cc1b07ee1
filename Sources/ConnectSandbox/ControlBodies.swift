import Foundation
import SalesReports

/// Request and answer bodies of the control API (docs/SANDBOX.md, Control API).
enum ControlBody {
    struct NewAccount: Decodable {
        let name: String
        let apps: Int?
        let seed: UInt64?
        let historyDays: Int?
    }

    struct AccountChange: Decodable {
        let name: String?
    }

    struct NewVendor: Decodable {
        let apps: Int?
    }

    struct Account: Encodable {
        struct App: Encodable {
            let sku: String
            let appleIdentifier: String
            let title: String
            let bundleId: String
        }

        let number: String
        let name: String
        let vendors: [String]
        /// The SKUs each current vendor sells.
        let vendorApps: [String: [String]]
        let apps: [App]
        let historyStart: String

        init(_ account: SandboxAccount) {
            number = String(account.number)
            name = account.name
            vendors = account.vendors.map(String.init)
            vendorApps = Dictionary(
                uniqueKeysWithValues: account.vendors.map { vendor in
                    (String(vendor), (account.apps(of: vendor) ?? 0..<0).map { account.catalog[$0].app.sku })
                })
            apps = account.apps.map {
                App(sku: $0.sku, appleIdentifier: $0.appleIdentifier, title: $0.title, bundleId: $0.bundleId)
            }
            historyStart = account.historyStart.isoText
        }
    }

    struct NewUser: Decodable {
        let appleId: String
        let accounts: [FlexibleNumber]?
        let roles: [SandboxRole]?
        let firstName: String?
        let lastName: String?
        let expiresInDays: Int?
    }

    struct NewUserAnswer: Encodable {
        let appleId: String
        let accessToken: String
        let expiresAt: Date
    }

    struct NewToken: Decodable {
        let expiresInDays: Int?
    }

    struct TokenAnswer: Encodable {
        let accessToken: String
        let expiresAt: Date
    }

    struct NewInvitation: Decodable {
        let email: String
        let roles: [SandboxRole]?
        let firstName: String?
        let lastName: String?
    }

    struct InvitationAnswer: Encodable {
        let id: String
        let account: String
        let email: String
        let roles: [SandboxRole]
        let state: Invitation.State
        let createdAt: Date
        let expiresAt: Date

        init(_ invitation: Invitation) {
            id = invitation.id
            account = String(invitation.account)
            email = invitation.email
            roles = invitation.roles.sorted { $0.rawValue < $1.rawValue }
            state = invitation.state
            createdAt = invitation.createdAt
            expiresAt = invitation.expiresAt
        }
    }

    struct NewKey: Decodable {
        let issuerId: String?
        let roles: [SandboxRole]?
        let accounts: [FlexibleNumber]?
    }

    struct KeyAnswer: Encodable {
        let keyId: String
        let issuerId: String
        let roles: [SandboxRole]
        let accounts: [String]
        let privateKeyPEM: String?
    }

    struct ClockChange: Decodable {
        let now: String?
        let advanceSeconds: Double?
        let frozen: Bool?
    }

    struct ClockAnswer: Encodable {
        let now: Date
        let frozen: Bool
    }

    /// A number sent as JSON number or string (`2821955` or `"2821955"`).
    struct FlexibleNumber: Decodable {
        let value: Int

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let number = try? container.decode(Int.self) {
                value = number
            } else if let text = try? container.decode(String.self), let number = Int(text) {
                value = number
            } else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "expected an account number")
            }
        }
    }
}
