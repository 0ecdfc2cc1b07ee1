package import Crypto
package import Foundation
package import SalesReports

/// A content-provider account (a team): the unit Reporter's `Sales.getAccounts` lists.
package struct SandboxAccount: Sendable {
    /// A vendor of the account and the apps it sells (a range of the catalog). A removed vendor
    /// keeps its place, so its apps are never sold by another one.
    package struct Vendor: Sendable, Equatable {
        package let number: Int
        package let apps: Range<Int>
        package var removed = false
    }

    package let number: Int
    package var name: String
    /// The developer name the apps were made under: the account's name at its creation.
    package let developer: String
    /// Every vendor the account ever had, in the order they came.
    package var vendorList: [Vendor]
    /// The apps with everything the sales generator needs to know about them.
    package var catalog: [AppProfile]
    /// The seed of this account's synthetic sales.
    package let seed: UInt64
    /// Days before this one have no sales (the account's history starts here).
    package let historyStart: ReportDate

    package init(
        number: Int, name: String, developer: String? = nil, vendors: [Vendor], catalog: [AppProfile], seed: UInt64,
        historyStart: ReportDate
    ) {
        self.number = number
        self.name = name
        self.developer = developer ?? name
        self.vendorList = vendors
        self.catalog = catalog
        self.seed = seed
        self.historyStart = historyStart
    }

    /// The vendors Apple lists now (`Sales.getVendors`).
    package var vendors: [Int] { vendorList.filter { !$0.removed }.map(\.number) }

    /// The catalog indices of the apps `vendor` sells, or `nil` when it is not a current vendor.
    package func apps(of vendor: Int) -> Range<Int>? {
        vendorList.first { $0.number == vendor && !$0.removed }?.apps
    }

    /// The apps, as the reports and `/v1/apps` name them.
    package var apps: [SandboxApp] { catalog.map(\.app) }
}

/// An app of an account, as the reports and `/v1/apps` name it.
package struct SandboxApp: Sendable, Hashable {
    package let sku: String
    package let appleIdentifier: String
    package let title: String
    package let bundleId: String
}

/// A Reporter access token: one live token per Apple ID, 180 days by default.
package struct ReporterToken: Sendable, Hashable {
    package let value: String
    package let issuedAt: Date
    package let expiresAt: Date

    /// The token as the state and pages show it: only its last four characters.
    package var masked: String { "****" + value.suffix(4) }
}

/// An Apple ID (a person or the service identity).
package struct SandboxUser: Sendable, Hashable {
    package let appleId: String
    package var firstName: String
    package var lastName: String
    package var token: ReporterToken?
}

/// An Apple ID's role in an account.
package struct Membership: Sendable, Hashable {
    package let appleId: String
    package let account: Int
    package var roles: Set<SandboxRole>
}

/// An invitation into an account: pending until accepted, expired after three days
/// (docs/STATUSES.md), gone once accepted or cancelled.
package struct Invitation: Sendable, Hashable {
    package enum State: String, Sendable, Codable {
        case pending, accepted, expired, cancelled
    }

    package let id: String
    package let account: Int
    package let email: String
    package let firstName: String
    package let lastName: String
    package let roles: Set<SandboxRole>
    package let createdAt: Date
    package let expiresAt: Date
    package var state: State
}

/// A team API key registered for the App Store Connect API; only its public half is kept.
package struct APIKey: Sendable {
    package let keyId: String
    package let issuerId: String
    package let publicKey: P256.Signing.PublicKey
    package let roles: Set<SandboxRole>
    package let accounts: [Int]
}
