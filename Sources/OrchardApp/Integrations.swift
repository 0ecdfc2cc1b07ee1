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
        /// What stops or threatens its syncing now, if anything.
        package var problem: Problem?

        package init(integration: Integration, account: StoreAccount?, problem: Problem? = nil) {
            self.integration = integration
            self.account = account
            self.problem = problem
        }
    }

    /// Something a user should know about an integration that is pending or active: a stable code
    /// and the sentence they read (docs/API.md, Integrations).
    package struct Problem: Sendable, Equatable {
        package let code: String
        package let message: String

        static let serviceTokenRefused = Problem(
            code: "service_token_refused",
            message:
                "Syncing is stopped: Apple refused Orchard's service access token. The operator has been told; "
                + "syncing resumes by itself when a new token is set. Nothing you see is lost.")
        static func serviceTokenExpiring(days: Int) -> Problem {
            Problem(
                code: "service_token_expiring",
                message:
                    "Orchard's service access token expires in \(days == 1 ? "1 day" : "\(days) days"); the operator "
                    + "has been told. Syncing stops if it is not replaced in time.")
        }
        static let listingDegraded = Problem(
            code: "listing_degraded",
            message:
                "Apple's list of the accounts Orchard can read is incomplete at the moment. Orchard changes "
                + "nothing until the list is whole again; your data keeps syncing where Apple allows.")
        static func syncFailing(_ error: String) -> Problem {
            Problem(code: "sync_failing", message: "Syncing, but the last attempt failed: \(error)")
        }
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
    private let health: (@Sendable () async throws -> OperationsSnapshot)?
    private let now: @Sendable () -> Date

    /// - Parameter health: the service identity's health from the sync engine (the service token, a
    ///   degraded listing), when this process has one: the problems it shows on every user's rows.
    package init(
        database: OrchardDatabase, settings: Settings,
        health: (@Sendable () async throws -> OperationsSnapshot)? = nil, now: @escaping @Sendable () -> Date
    ) {
        integrations = IntegrationStore(database: database)
        storeAccounts = StoreAccountStore(database: database)
        apps = VisibleAppStore(database: database)
        self.settings = settings
        self.health = health
        self.now = now
    }

    /// The user's integrations, each with its store account's sync state and its problem.
    package func rows(of user: User) async throws -> [Row] {
        let snapshot = try? await health?()
        var result: [Row] = []
        for integration in try await integrations.list(userID: user.id) {
            let account = try await storeAccounts.find(number: integration.accountNumber)
            result.append(
                Row(
                    integration: integration, account: account,
                    problem: Self.problem(integration.status, account: account, snapshot: snapshot)))
        }
        return result
    }

    /// The first of: a refused service token, a degraded listing, a service token about to expire
    /// (3 days or less), the account's failing sync. Only for pending and active integrations.
    static func problem(_ status: IntegrationStatus, account: StoreAccount?, snapshot: OperationsSnapshot?)
        -> Problem?
    {
        guard status == .pending || status == .active else { return nil }
        if snapshot?.serviceTokenProblem != nil { return .serviceTokenRefused }
        if snapshot?.degradedListing != nil { return .listingDegraded }
        if let days = snapshot?.serviceTokenDaysLeft, (0...3).contains(days) {
            return .serviceTokenExpiring(days: days)
        }
        if status == .active, let error = account?.lastError { return .syncFailing(error) }
        return nil
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
