import ConnectSandbox
import Foundation
import OrchardCore
import OrchardStorage
import OrchardSync
import OrchardTestSupport
import SalesReports
import Testing

/// Vendors and names follow what the service identity sees (docs/JOBS.md, Daily sync): every daily
/// sync lists the account's vendors, a new one is fetched with its history, one Apple no longer
/// lists stops being fetched, a renamed team is renamed, and the funnel never overwrites any of it.
@Suite("Vendors and names kept current against Connect Sandbox")
struct VendorsAndNamesTests {
    @Test(
        "a vendor added is fetched with its history, a vendor removed stops being fetched, each with a line in the account's history",
        arguments: TestBackend.available)
    func vendorsFollowApple(backend: TestBackend) async throws {
        var settings = SyncHarness.settings(backfillDays: 3)
        settings.yearlyReportsBack = 0
        try await SyncHarness.with(backend, settings: settings) { harness in
            // given: an active account, synced, with one vendor
            let (account, user) = try await harness.activeAccount(name: "Acme", apps: 2, historyDays: 30)
            let number = String(account.number)
            let first = String(account.vendors[0])
            #expect(try await harness.accounts.find(number: number)?.vendors == [first])

            // when: Apple adds a vendor, and the next day's sync runs
            let grown = try harness.sandbox.world.addVendor(to: account.number, apps: 1)
            let second = String(grown.vendors[1])
            harness.advance(days: 1)
            try await harness.engine.checkInvitations()
            try await harness.drain()

            // then: both are synced, the new one with the whole window, and the history says so
            let latest = harness.engine.latestReportDay()
            let window = latest.adding(days: -(harness.settings.backfillDays - 1))
            #expect(try await harness.accounts.find(number: number)?.vendors == [first, second])
            let added = try await harness.ledger.states(
                accountNumber: number, vendor: second, type: .sales, frequency: .daily, from: window, to: latest)
            #expect(added.count == harness.settings.backfillDays)
            #expect(added.values.allSatisfy { $0 == .fetched || $0 == .empty })
            #expect(try await harness.accounts.find(number: number)?.syncedThrough == latest.isoText)
            let events = try await AuditLog(database: harness.database).events(accountNumber: number, userID: user)
            #expect(events.contains { $0.action == "vendor_added" && $0.detail.contains(second) })

            // when: Apple removes the first vendor, and the next day's sync runs
            try harness.sandbox.world.removeVendor(account.vendors[0], from: account.number)
            harness.advance(days: 1)
            try await harness.engine.checkInvitations()
            try await harness.drain()

            // then: the first vendor's new day is never asked for, nothing failed, the history says so
            let next = harness.engine.latestReportDay()
            #expect(try await harness.accounts.find(number: number)?.vendors == [second])
            let dropped = try await harness.ledger.states(
                accountNumber: number, vendor: first, type: .sales, frequency: .daily, from: next, to: next)
            #expect(dropped.isEmpty)
            let entries = try await harness.ledger.entries(accountNumber: number)
            #expect(!entries.contains { if case .failed = $0.state { true } else { false } })
            let stored = try #require(try await harness.accounts.find(number: number))
            #expect(stored.syncedThrough == next.isoText && stored.lastError == nil)
            let later = try await AuditLog(database: harness.database).events(accountNumber: number, userID: user)
            #expect(later.contains { $0.action == "vendor_dropped" && $0.detail.contains(first) })
        }
    }

    @Test(
        "a team renamed in App Store Connect is renamed at the next check; a user's funnel never overwrites the service's name or vendors",
        arguments: TestBackend.available)
    func namesFollowTheService(backend: TestBackend) async throws {
        var settings = SyncHarness.settings(backfillDays: 2)
        settings.yearlyReportsBack = 0
        try await SyncHarness.with(backend, settings: settings) { harness in
            let (account, user) = try await harness.activeAccount(name: "Acme", historyDays: 5)
            let number = String(account.number)

            // when: the team is renamed in App Store Connect
            try harness.sandbox.world.renameAccount(account.number, to: "Acme Studios")
            try await harness.engine.checkInvitations()

            // then
            #expect(try await harness.accounts.find(number: number)?.name == "Acme Studios")
            #expect(try await harness.integrations.list(userID: user).first?.accountName == "Acme Studios")

            // when: another user's funnel registers the account as their token showed it
            let other = try await harness.user("v@example.com")
            _ = try await harness.accounts.register(
                number: number, name: "Old Name", vendors: ["1"], now: harness.clock.now)
            _ = try await harness.integrations.create(userID: other, accountNumber: number, now: harness.clock.now)

            // then: what the service found stands
            let stored = try #require(try await harness.accounts.find(number: number))
            #expect(stored.name == "Acme Studios")
            #expect(stored.vendors == account.vendors.map(String.init))
        }
    }
}
