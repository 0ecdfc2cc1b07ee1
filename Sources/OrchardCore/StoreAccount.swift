package import Foundation

/// An App Store Connect content-provider account, stored once however many users integrate it.
package struct StoreAccount: Sendable, Equatable, Codable {
    package var id: Int64
    package var number: String
    package var name: String
    package var vendors: [String]
    package var access: StoreAccountAccess
    package var firstSeenAt: Date
    package var lastSeenAt: Date?
    package var backfill: Progress
    package var lastSyncAt: Date?
    package var lastError: String?
    /// The last report day (`YYYY-MM-DD`) the daily sync completed for every vendor.
    package var syncedThrough: String?
    /// Consecutive invitation checks that did not see the account while it was accessible.
    package var missedChecks: Int
    /// When the service identity lost access; its data is purged a retention period later.
    package var revokedAt: Date?
    /// When a revoked account's data was purged.
    package var purgedAt: Date?
    /// When the last user removed their integration of it: it is purged a retention period later.
    package var unusedSince: Date?

    /// Reports done out of reports to fetch.
    package struct Progress: Sendable, Equatable, Codable {
        package var done: Int
        package var total: Int

        package init(done: Int, total: Int) {
            self.done = done
            self.total = total
        }
    }

    package init(
        id: Int64, number: String, name: String, vendors: [String], access: StoreAccountAccess, firstSeenAt: Date,
        lastSeenAt: Date? = nil, backfill: Progress = .init(done: 0, total: 0), lastSyncAt: Date? = nil,
        lastError: String? = nil, syncedThrough: String? = nil, missedChecks: Int = 0, revokedAt: Date? = nil,
        unusedSince: Date? = nil, purgedAt: Date? = nil
    ) {
        self.id = id
        self.number = number
        self.name = name
        self.vendors = vendors
        self.access = access
        self.firstSeenAt = firstSeenAt
        self.lastSeenAt = lastSeenAt
        self.backfill = backfill
        self.lastSyncAt = lastSyncAt
        self.lastError = lastError
        self.syncedThrough = syncedThrough
        self.missedChecks = missedChecks
        self.revokedAt = revokedAt
        self.purgedAt = purgedAt
        self.unusedSince = unusedSince
    }
}

/// One dashboard user's integration with one store account.
package struct Integration: Sendable, Equatable, Codable {
    package var id: Int64
    package var userID: Int64
    package var accountNumber: String
    package var accountName: String
    package var status: IntegrationStatus
    package var statusReason: String?
    package var createdAt: Date
    package var activatedAt: Date?
    package var updatedAt: Date

    package init(
        id: Int64, userID: Int64, accountNumber: String, accountName: String, status: IntegrationStatus,
        statusReason: String?, createdAt: Date, activatedAt: Date?, updatedAt: Date
    ) {
        self.id = id
        self.userID = userID
        self.accountNumber = accountNumber
        self.accountName = accountName
        self.status = status
        self.statusReason = statusReason
        self.createdAt = createdAt
        self.activatedAt = activatedAt
        self.updatedAt = updatedAt
    }
}
