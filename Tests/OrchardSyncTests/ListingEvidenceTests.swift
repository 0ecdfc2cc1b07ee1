import AppStoreConnect
import ConnectSandbox
import Foundation
import OrchardCore
import OrchardStorage
import OrchardTestSupport
import Testing

@testable import OrchardSync

/// Revocation only on evidence: what Apple's listing of the service identity's accounts must show,
/// and for how long, before an integration is removed, against Connect Sandbox over loopback.
@Suite("Listing evidence")
struct ListingEvidenceTests {
    /// Accounts with active integrations, the service Apple ID invited into each.
    static func activeAccounts(_ harness: SyncHarness, count: Int) async throws -> [SandboxAccount] {
        let user = try await harness.user("u@example.com")
        var accounts: [SandboxAccount] = []
        for index in 0..<count {
            let (account, _) = try harness.sandbox.makeAccountWithUser(
                name: "Account \(index)", apps: 1, historyDays: 3, appleId: "owner\(index)@example.com")
            _ = try await harness.integrate(userID: user, account: account)
            try harness.inviteService(into: account)
            accounts.append(account)
        }
        #expect(try await harness.engine.checkInvitations().activated.count == count)
        return accounts
    }

    static func settings() -> SyncSettings {
        var settings = SyncHarness.settings(backfillDays: 2)
        settings.yearlyReportsBack = 0
        return settings
    }

    func statuses(_ harness: SyncHarness, _ accounts: [SandboxAccount]) async throws -> [IntegrationStatus] {
        var statuses: [IntegrationStatus] = []
        for account in accounts {
            statuses += try await harness.integrations.list(accountNumber: String(account.number)).map(\.status)
        }
        return statuses
    }

    @Test(
        "a listing answered with an HTML page is Apple failing: the check fails and nobody misses a check",
        arguments: TestBackend.available)
    func htmlListing(backend: TestBackend) async throws {
        try await SyncHarness.with(backend, settings: Self.settings()) { harness in
            // given
            let accounts = try await Self.activeAccounts(harness, count: 1)
            harness.sandbox.faults.settings = FaultSettings(htmlRate: 1)

            // when: three checks a check interval apart
            for _ in 0..<3 {
                harness.clock.advance(by: harness.settings.invitationCheckInterval)
                await #expect(throws: ReporterError.self) { try await harness.engine.checkInvitations() }
            }

            // then
            let account = try #require(try await harness.accounts.find(number: String(accounts[0].number)))
            #expect(account.missedChecks == 0)
            #expect(account.access == .accessible)
            #expect(try await statuses(harness, accounts) == [.active])
        }
    }

    @Test(
        "an account the listing leaves out but its own request still sees is no miss",
        arguments: TestBackend.available)
    func emptyListingConfirmedWrong(backend: TestBackend) async throws {
        try await SyncHarness.with(backend, settings: Self.settings()) { harness in
            // given: one account; Apple's listing comes back empty, `<Accounts/>` with HTTP 200
            let accounts = try await Self.activeAccounts(harness, count: 1)
            harness.sandbox.faults.settings = FaultSettings(emptyListingRate: 1)

            // when: checks a check interval apart, for longer than two misses would need
            for _ in 0..<4 {
                harness.clock.advance(by: harness.settings.invitationCheckInterval)
                let check = try await harness.engine.checkInvitations()
                #expect(check.revoked.isEmpty)
                #expect(!check.degraded)
            }

            // then: Sales.getVendors for the account answered, so no check counted a miss
            let account = try #require(try await harness.accounts.find(number: String(accounts[0].number)))
            #expect(account.missedChecks == 0)
            #expect(try await statuses(harness, accounts) == [.active])
        }
    }

    @Test(
        "misses count a check interval apart: retried checks at once are one miss, whatever the workers",
        arguments: TestBackend.available)
    func missesOverTime(backend: TestBackend) async throws {
        try await SyncHarness.with(backend, settings: Self.settings()) { harness in
            // given: an admin removes the service user from one of three accounts
            let accounts = try await Self.activeAccounts(harness, count: 3)
            let removed = String(accounts[1].number)
            try harness.sandbox.world.removeUser(email: SyncHarness.serviceAppleID, from: accounts[1].number)

            // when: five checks in the same minute, two of them at once
            for _ in 0..<3 { #expect(try await harness.engine.checkInvitations().revoked.isEmpty) }
            async let one = harness.engine.checkInvitations()
            async let two = harness.engine.checkInvitations()
            #expect(try await [one, two].allSatisfy { $0.revoked.isEmpty })

            // then: one miss; a check just under an interval later still is not a second
            #expect(try await harness.accounts.find(number: removed)?.missedChecks == 1)
            harness.clock.advance(by: harness.settings.invitationCheckInterval - 1)
            #expect(try await harness.engine.checkInvitations().revoked.isEmpty)
            #expect(try await harness.accounts.find(number: removed)?.missedChecks == 1)

            // and a check an interval after the first miss revokes that account alone
            harness.clock.advance(by: 1)
            #expect(try await harness.engine.checkInvitations().revoked == [removed])
            #expect(try await statuses(harness, accounts) == [.active, .removed, .active])
        }
    }

    @Test(
        "more than a third of the accounts vanishing at once revokes nobody: the listing is degraded until whole",
        arguments: TestBackend.available)
    func degradedListing(backend: TestBackend) async throws {
        try await SyncHarness.with(backend, settings: Self.settings()) { harness in
            // given: three active accounts
            let accounts = try await Self.activeAccounts(harness, count: 3)
            let listing = ServiceListingStore(database: harness.database)
            #expect(try await listing.degraded() == nil)

            // when: the listing is empty for an hour of checks, and then two accounts really vanish
            harness.sandbox.faults.settings = FaultSettings(emptyListingRate: 1)
            let start = harness.clock.now
            for _ in 0..<12 {
                harness.clock.advance(by: harness.settings.invitationCheckInterval)
                let check = try await harness.engine.checkInvitations()
                #expect(check.degraded)
                #expect(check.revoked.isEmpty)
            }
            harness.sandbox.faults.settings = FaultSettings()
            for account in accounts.prefix(2) {
                try harness.sandbox.world.removeUser(email: SyncHarness.serviceAppleID, from: account.number)
            }
            for _ in 0..<3 {
                harness.clock.advance(by: harness.settings.invitationCheckInterval)
                #expect(try await harness.engine.checkInvitations().revoked.isEmpty)
            }

            // then: nothing was revoked or counted; the degraded spell says since when and how much
            let degraded = try #require(try await listing.degraded())
            #expect(degraded.since == start.addingTimeInterval(harness.settings.invitationCheckInterval))
            #expect(degraded.vanished == 2)
            #expect(degraded.accessible == 3)
            #expect(
                try await harness.engine.snapshot().degradedListing
                    == .init(since: degraded.since, vanished: 2, accessible: 3))
            #expect(try await statuses(harness, accounts) == [.active, .active, .active])
            for account in accounts {
                #expect(try await harness.accounts.find(number: String(account.number))?.missedChecks == 0)
            }

            // when: one comes back, so one of three is missing: the listing is believed again
            try harness.inviteService(into: accounts[0])
            harness.clock.advance(by: harness.settings.invitationCheckInterval)
            #expect(try await harness.engine.checkInvitations().revoked.isEmpty)
            #expect(try await listing.degraded() == nil)
            #expect(try await harness.engine.snapshot().degradedListing == nil)
            harness.clock.advance(by: harness.settings.invitationCheckInterval)

            // then: the one still missing is revoked on its second miss, an interval after the first
            #expect(try await harness.engine.checkInvitations().revoked == [String(accounts[1].number)])
            #expect(try await statuses(harness, accounts) == [.active, .removed, .active])
        }
    }

    @Test("the degraded rule: more than a third of the accessible accounts, and at least two")
    func degradedRule() {
        #expect(!SyncEngine.listingIsDegraded(vanished: 1, of: 1))
        #expect(!SyncEngine.listingIsDegraded(vanished: 1, of: 2))
        #expect(SyncEngine.listingIsDegraded(vanished: 2, of: 2))
        #expect(SyncEngine.listingIsDegraded(vanished: 2, of: 5))
        #expect(!SyncEngine.listingIsDegraded(vanished: 2, of: 6))
        #expect(!SyncEngine.listingIsDegraded(vanished: 3, of: 9))
        #expect(SyncEngine.listingIsDegraded(vanished: 4, of: 9))
        #expect(!SyncEngine.listingIsDegraded(vanished: 0, of: 0))
    }
}
