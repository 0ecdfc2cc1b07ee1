package import Foundation
package import OrchardCore
package import OrchardStorage

/// A user's integrations as My Account > Data Integration, the dashboard and the API show them:
/// each with its store account's sync state, and the apps of the active ones.
package struct Integrations: Sendable {
    /// One integration with its store account (`nil` only while the account row is being made).
    package struct Row: Sendable {
        package let integration: Integration
        package let account: StoreAccount?
    }

    /// The Data Integration page.
    package struct Overview: Sendable {
        package let rows: [Row]
        package let serviceAppleID: String?
        package let checkSeconds: Int
        package let now: Date
    }

    private let integrations: IntegrationStore
    private let storeAccounts: StoreAccountStore
    private let apps: VisibleAppStore
    private let settings: Settings
    private let now: @Sendable () -> Date

    package init(database: OrchardDatabase, settings: Settings, now: @escaping @Sendable () -> Date) {
        integrations = IntegrationStore(database: database)
        storeAccounts = StoreAccountStore(database: database)
        apps = VisibleAppStore(database: database)
        self.settings = settings
        self.now = now
    }

    /// The user's integrations, each with its store account's sync state.
    package func rows(of user: User) async throws -> [Row] {
        var result: [Row] = []
        for integration in try await integrations.list(userID: user.id) {
            result.append(
                Row(integration: integration, account: try await storeAccounts.find(number: integration.accountNumber)))
        }
        return result
    }

    package func overview(of user: User) async throws -> Overview {
        Overview(
            rows: try await rows(of: user), serviceAppleID: settings.serviceAppleID,
            checkSeconds: settings.invitationCheckSeconds, now: now())
    }

    /// The apps of the user's active integrations.
    package func apps(of user: User) async throws -> [VisibleApp] {
        try await apps.apps(userID: user.id)
    }

    /// Removes one of the user's integrations (the account's data stays while others use it).
    package func remove(id: Int64, of user: User) async throws {
        guard try await integrations.delete(id: id, userID: user.id, now: now()) else {
            throw IntegrationError.notFound
        }
    }
}
