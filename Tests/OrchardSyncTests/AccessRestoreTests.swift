import ConnectSandbox
import Foundation
import OrchardCore
import OrchardStorage
import OrchardTestSupport
import SalesReports
import Testing

@testable import OrchardSync

/// Access that returns restores: a revoked account the service sees again before its purge comes
/// back for every user, against Connect Sandbox over loopback.
@Suite("Access restored")
struct AccessRestoreTests {
    static func settings() -> SyncSettings {
        var settings = SyncHarness.settings(backfillDays: 3)
        settings.yearlyReportsBack = 0
        return settings
    }

    /// Two users of one account, backfilled, then the service user removed and the account revoked.
    static func revokedShared(_ harness: SyncHarness) async throws -> (SandboxAccount, [Int64]) {
        let (account, _) = try harness.sandbox.makeAccountWithUser(name: "Acme", apps: 1, historyDays: 10)
        let users = [try await harness.user("a@example.com"), try await harness.user("b@example.com")]
        for user in users { _ = try await harness.integrate(userID: user, account: account) }
        try harness.inviteService(into: account)
        #expect(try await harness.engine.checkInvitations().activated == [String(account.number)])
        // (the job, then the check of the account's Financial reports it queues)
        #expect(try await harness.drain() == 2)
        try harness.sandbox.world.removeUser(email: SyncHarness.serviceAppleID, from: account.number)
        try await harness.engine.checkInvitations()
        harness.clock.advance(by: harness.settings.invitationCheckInterval)
        #expect(try await harness.engine.checkInvitations().revoked == [String(account.number)])
        return (account, users)
    }

    @Test(
        "a revoked account listed again before its purge is active again for every user, its purge cancelled, its gap synced",
        arguments: TestBackend.available)
    func restoredBeforePurge(backend: TestBackend) async throws {
        try await SyncHarness.with(backend, settings: Self.settings()) { harness in
            // given: revoked for both users, its purge queued after the retention (two days)
            let (account, users) = try await Self.revokedShared(harness)
            let number = String(account.number)
            let syncedBefore = try #require(try await harness.accounts.find(number: number)?.syncedThrough)
            #expect(try await harness.queue.counts()["purge_account"] == [.queued: 1])

            // when: a day later, an admin invites the service Apple ID again and the next check lists it
            harness.advance(days: 1)
            try harness.inviteService(into: account)
            let check = try await harness.engine.checkInvitations()

            // then: both integrations are active again, saying when access came back
            #expect(check.restored == [number])
            #expect(check.revoked.isEmpty)
            for user in users {
                let integration = try #require(try await harness.integrations.list(userID: user).first)
                #expect(integration.status == .active)
                #expect(integration.statusReason == SyncEngine.restoredReason(harness.clock.now))
                #expect(integration.statusReason?.hasPrefix("Access restored on ") == true)
            }
            let restored = try #require(try await harness.accounts.find(number: number))
            #expect(restored.access == .accessible)
            #expect(restored.revokedAt == nil)
            #expect(restored.missedChecks == 0)
            #expect(try await harness.queue.counts()["purge_account"] == [.cancelled: 1])

            // and the daily sync fetches the day missed, from the last synced day
            // (the job, then the check of the account's Financial reports it queues)
            #expect(try await harness.drain() == 2)
            let synced = try #require(try await harness.accounts.find(number: number))
            #expect(synced.syncedThrough == harness.engine.latestReportDay().isoText)
            #expect(synced.syncedThrough != syncedBefore)

            // and past the retention nothing is purged
            harness.advance(days: 3)
            try await harness.engine.checkInvitations()
            try await harness.drain()
            #expect(try await harness.accounts.find(number: number)?.purgedAt == nil)
            #expect(try await harness.count("daily_rollups", account: account) > 0)
        }
    }

    @Test(
        "after the purge, access that returns restores nothing: the users start again", arguments: TestBackend.available
    )
    func purgedStaysRemoved(backend: TestBackend) async throws {
        try await SyncHarness.with(backend, settings: Self.settings()) { harness in
            // given: revoked, and purged after its retention
            let (account, users) = try await Self.revokedShared(harness)
            harness.advance(days: 2.1)
            #expect(try await harness.drain() == 1)
            #expect(try await harness.accounts.find(number: String(account.number))?.purgedAt != nil)

            // when: the service Apple ID is invited again
            try harness.inviteService(into: account)
            let check = try await harness.engine.checkInvitations()

            // then
            #expect(check.restored.isEmpty)
            for user in users {
                #expect(try await harness.integrations.list(userID: user).map(\.status) == [.removed])
            }
        }
    }
}
