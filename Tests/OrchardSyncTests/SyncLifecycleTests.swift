import AppStoreConnect
import ConnectSandbox
import Foundation
import OrchardCore
import OrchardStorage
import OrchardSync
import OrchardTestSupport
import SalesReports
import Testing

/// The sync engine end to end against Connect Sandbox over loopback, with one injected clock for
/// both sides (no sleeps): the lifecycles of docs/STATUSES.md and docs/JOBS.md.
@Suite("Sync lifecycle against Connect Sandbox")
struct SyncLifecycleTests {
    @Test(
        "pending → active → backfilled → daily → revoked for every user → purged; a second user joins at once",
        arguments: TestBackend.available)
    func lifecycle(backend: TestBackend) async throws {
        try await SyncHarness.with(backend) { harness in
            // given: an account with 60 days of sales, its owner's pending integration
            let (account, ownerToken) = try harness.sandbox.makeAccountWithUser(
                name: "Acme Apps", apps: 2, historyDays: 60)
            let number = String(account.number)
            let owner = try await harness.user("owner@example.com")
            #expect(try await harness.integrate(userID: owner, account: account).status == .pending)

            // when: a check before the invitation changes nothing
            var check = try await harness.engine.checkInvitations()
            #expect(check == .init())
            #expect(try await harness.integrations.list(userID: owner).map(\.status) == [.pending])

            // when: the owner invites the service user, and the next check sees the account
            try harness.inviteService(into: account)
            check = try await harness.engine.checkInvitations()
            #expect(check.activated == [number])
            #expect(check.backfillsQueued == [number])
            #expect(try await harness.integrations.list(userID: owner).map(\.status) == [.active])
            #expect(try await harness.accounts.find(number: number)?.access == .accessible)

            // then: the backfill fetches 20 days newest first (Summary Sales and the three subscription
            // reports of each), then yearly reports until a year without sales
            // (the job, then the check of the account's Financial reports it queues)
            #expect(try await harness.drain() == 2)
            let backfilled = try #require(try await harness.accounts.find(number: number))
            #expect(backfilled.backfill == .init(done: 81, total: 81))
            let latest = harness.engine.latestReportDay()
            #expect(backfilled.syncedThrough == latest.isoText)
            let entries = try await harness.ledger.entries(accountNumber: number)
            #expect(entries.filter { $0.identity.frequency == .daily }.count == 80)
            for type in [ReportType.sales, .subscription, .subscriptionEvent, .subscriber] {
                #expect(entries.filter { $0.identity.frequency == .daily && $0.identity.type == type }.count == 20)
            }
            #expect(entries.filter { $0.identity.frequency == .yearly }.map(\.state) == [.empty])
            let days = (0..<20).map { latest.adding(days: -$0) }
            let reference = try await harness.independentTotals(account: account, ownerToken: ownerToken, days: days)
            let totals = try await DailyRollups.totals(
                accountNumber: number, from: days.last!, to: latest, database: harness.database)
            #expect(reference.rows > 0)
            #expect(totals.units[.downloads] == reference.units.downloads)
            #expect(totals.units[.inAppPurchases] == reference.units.inAppPurchases)
            #expect(totals.returns == reference.returns)
            #expect(totals.proceeds == reference.proceeds.mapValues(\.millionths))

            // and the operations snapshot behind /metrics says so
            let snapshot = try await harness.engine.snapshot()
            #expect(snapshot.accounts == [.init(number: number, lagDays: 0, backfillDone: 81, backfillTotal: 81)])
            #expect(snapshot.jobs.contains(.init(kind: "backfill_account", state: "done", count: 1)))
            #expect(snapshot.serviceTokenDaysLeft == 180)
            #expect(snapshot.serviceMessage == nil)

            // when: a colleague integrates the same account: active at once, with no second backfill
            let colleague = try await harness.user("colleague@example.com")
            #expect(try await harness.integrate(userID: colleague, account: account).status == .active)
            try await harness.engine.checkInvitations()
            #expect(try await harness.queue.counts()["backfill_account"] == [.done: 1])

            // when: a day passes; the check queues the daily sync, which fetches the new day
            harness.advance(days: 1)
            try await harness.engine.checkInvitations()
            // (the job, then the check of the account's Financial reports it queues)
            #expect(try await harness.drain() == 2)
            let synced = try #require(try await harness.accounts.find(number: number))
            #expect(synced.syncedThrough == latest.adding(days: 1).isoText)
            #expect(synced.lastError == nil)
            #expect(
                try await harness.ledger.entries(accountNumber: number).contains {
                    $0.identity.date == latest.adding(days: 1) && $0.identity.frequency == .daily && $0.state.hasContent
                })

            // when: an admin removes the service user; one missed check removes nothing
            try harness.sandbox.world.removeUser(email: SyncHarness.serviceAppleID, from: account.number)
            check = try await harness.engine.checkInvitations()
            #expect(check.revoked.isEmpty)
            #expect(try await harness.integrations.list(accountNumber: number).map(\.status) == [.active, .active])

            // a check retried at once (or another worker's) is not a second miss
            check = try await harness.engine.checkInvitations()
            #expect(check.revoked.isEmpty)
            #expect(try await harness.accounts.find(number: number)?.missedChecks == 1)

            // then: the second miss a check interval later revokes it for both users, with the reason, and
            // queues the purge
            harness.clock.advance(by: harness.settings.invitationCheckInterval)
            check = try await harness.engine.checkInvitations()
            #expect(check.revoked == [number])
            let removed = try await harness.integrations.list(accountNumber: number)
            #expect(removed.map(\.status) == [.removed, .removed])
            #expect(removed.allSatisfy { $0.statusReason == SyncEngine.revokedReason })
            #expect(try await harness.accounts.find(number: number)?.access == .revoked)
            #expect(try await harness.drain() == 0)
            #expect(try await harness.count("daily_rollups", account: account) > 0)
            // the raw files of every report with content are on disk until the purge
            let stored = try await harness.ledger.allWithFiles(accountNumber: number).map(\.sha256)
            #expect(stored.count >= 21)
            #expect(Set(Self.rawFiles(in: harness.rawDirectory)) == Set(stored))

            // then: after the retention period everything of the account is purged
            harness.advance(days: 2.1)
            #expect(try await harness.drain() == 1)
            for table in ["sales_facts", "daily_rollups", "report_ledger", "apps"] {
                #expect(try await harness.count(table, account: account) == 0, "\(table)")
            }
            #expect(Self.rawFiles(in: harness.rawDirectory).isEmpty)
            #expect(try await harness.accounts.find(number: number)?.purgedAt != nil)
        }
    }

    @Test(
        "a pending integration expires after its own window; an active one never does", arguments: TestBackend.available
    )
    func expiry(backend: TestBackend) async throws {
        try await SyncHarness.with(backend) { harness in
            let (invited, _) = try harness.sandbox.makeAccountWithUser(name: "Invited", historyDays: 5)
            let (ignored, _) = try harness.sandbox.makeAccountWithUser(
                name: "Ignored", historyDays: 5, appleId: "other@example.com")
            let user = try await harness.user("u@example.com")
            let active = try await harness.integrate(userID: user, account: invited)
            try harness.inviteService(into: invited)
            try await harness.engine.checkInvitations()
            harness.advance(days: 1)
            let late = try await harness.integrate(userID: user, account: ignored)

            // when: 47 hours after the second integration, it is still pending
            harness.clock.advance(by: 47 * 3_600)
            var check = try await harness.engine.checkInvitations()
            #expect(check.expired.isEmpty)

            // then: past 48 hours it expires, with a reason that says what to do
            harness.clock.advance(by: 3_600 + 1)
            check = try await harness.engine.checkInvitations()
            #expect(check.expired == [late.id])
            let statuses = Dictionary(
                uniqueKeysWithValues: try await harness.integrations.list(userID: user).map { ($0.id, $0) })
            #expect(statuses[active.id]?.status == .active)
            #expect(statuses[late.id]?.status == .expired)
            #expect(statuses[late.id]?.statusReason?.contains("Remove this integration and start again") == true)
            #expect(statuses[late.id]?.statusReason?.contains(SyncHarness.serviceAppleID) == true)
            #expect(statuses[late.id]?.statusReason?.contains("within 48 hours of your request") == true)
        }
    }

    @Test(
        "a refused service token stops syncing without retries and resumes when a new one is set",
        arguments: TestBackend.available)
    func serviceTokenReplaced(backend: TestBackend) async throws {
        try await SyncHarness.with(backend) { harness in
            let (account, _) = try harness.sandbox.makeAccountWithUser(name: "Acme", historyDays: 5)
            let user = try await harness.user("u@example.com")
            _ = try await harness.integrate(userID: user, account: account)
            try harness.inviteService(into: account)

            // given: the service Apple ID's token is replaced in App Store Connect (the old one stops working)
            _ = try harness.sandbox.world.generateToken(appleId: SyncHarness.serviceAppleID)
            #expect(try await harness.engine.snapshot().serviceTokenProblem == nil)
            try await harness.queue.enqueue(
                kind: SyncJob.Kind.checkInvitations.rawValue, runAfter: harness.clock.now, now: harness.clock.now)

            // when: the check runs, Apple refuses the token
            #expect(try await harness.drain() == 1)
            let status = try await harness.service.status(now: harness.clock.now)
            #expect(status.problem == "invalid")
            #expect(status.message?.contains("orchard service set-token") == true)
            // the job waits, with its attempts intact, instead of failing over and over
            #expect(try await harness.queue.counts()["check_invitations"] == [.queued: 1])
            #expect(try await harness.integrations.list(userID: user).map(\.status) == [.pending])

            // when: the operator sets the new token
            let fresh = try harness.sandbox.world.generateToken(appleId: SyncHarness.serviceAppleID)
            try await ServiceTokenStore(database: harness.database, keys: harness.keys).set(
                fresh.value, expires: nil, now: harness.clock.now)

            // then: the waiting job runs by itself at its time, and the account turns active
            harness.clock.advance(by: harness.settings.unusableTokenRetry + 1)
            #expect(try await harness.drain() >= 1)
            #expect(try await harness.service.status(now: harness.clock.now).problem == nil)
            #expect(try await harness.integrations.list(userID: user).map(\.status) == [.active])
        }
    }

    @Test(
        "days without sales are recorded empty; a report that never parses is failed with the parser's message",
        arguments: TestBackend.available)
    func emptyAndMalformedDays(backend: TestBackend) async throws {
        var settings = SyncHarness.settings(backfillDays: 4)
        settings.yearlyReportsBack = 0
        try await SyncHarness.with(backend, settings: settings) { harness in
            // given: an account without apps (no sales at all) and one with sales
            let (quiet, _) = try harness.sandbox.makeAccountWithUser(name: "Quiet", apps: 0, historyDays: 30)
            let (busy, _) = try harness.sandbox.makeAccountWithUser(
                name: "Busy", apps: 2, historyDays: 30, appleId: "b@example.com")
            let user = try await harness.user("u@example.com")
            for account in [quiet, busy] {
                _ = try await harness.integrate(userID: user, account: account)
                try harness.inviteService(into: account)
            }
            try await harness.engine.checkInvitations()

            // when: every report of the busy account arrives truncated
            harness.sandbox.faults.settings = FaultSettings(truncateRate: 1)
            try await harness.drain()

            // then: the quiet account's days are empty days, not gaps, for its sales and subscriptions
            let quietEntries = try await harness.ledger.entries(accountNumber: String(quiet.number))
            #expect(quietEntries.count == 16)
            #expect(quietEntries.allSatisfy { $0.state == .empty })
            // and the busy account's days failed with the parser's message, nothing half-ingested
            let busyEntries = try await harness.ledger.entries(accountNumber: String(busy.number)).filter {
                $0.identity.type == .sales
            }
            #expect(busyEntries.count == 4)
            #expect(busyEntries.allSatisfy { $0.state == .failed(.malformed) })
            let message = try await harness.ledger.failure(try #require(busyEntries.first).identity)
            #expect(message?.isEmpty == false)
            #expect(try await harness.count("sales_facts", account: busy) == 0)
            #expect(try await harness.count("daily_rollups", account: busy) == 0)
        }
    }

    @Test(
        "Apple later than its usual hour: 'not available yet' postpones the daily sync without an error",
        arguments: TestBackend.available)
    func notPublishedYet(backend: TestBackend) async throws {
        var settings = SyncHarness.settings(backfillDays: 3)
        settings.yearlyReportsBack = 0
        // Apple publishes at 08:00 Pacific today, three hours after Orchard's first try.
        try await SyncHarness.with(backend, settings: settings, availabilityHour: 8) { harness in
            let (account, _) = try harness.sandbox.makeAccountWithUser(name: "Acme", historyDays: 30)
            let user = try await harness.user("u@example.com")
            _ = try await harness.integrate(userID: user, account: account)
            try harness.inviteService(into: account)
            try await harness.engine.checkInvitations()
            try await harness.drain()

            // when: 05:00 Pacific the next day, Orchard's first try, before Apple publishes at 08:00
            harness.advance(days: 17.0 / 24)
            try await harness.engine.checkInvitations()
            try await harness.drain()

            // then: the sync waits an hour, its attempts intact, and the account shows no error
            let jobs = try await harness.queue.counts()["sync_account"]
            #expect(jobs == [.queued: 1])
            let account1 = try #require(try await harness.accounts.find(number: String(account.number)))
            #expect(account1.lastError == nil)
            #expect(account1.syncedThrough == harness.engine.latestReportDay().adding(days: -1).isoText)

            // when: Apple has published
            harness.advance(days: 0.25)
            try await harness.drain()
            #expect(
                try await harness.accounts.find(number: String(account.number))?.syncedThrough
                    == harness.engine.latestReportDay().isoText)
        }
    }

    @Test(
        "an accessible account seen again starts its count of misses again: two misses apart revoke nothing",
        arguments: TestBackend.available)
    func seenAccountResetsMisses(backend: TestBackend) async throws {
        var settings = SyncHarness.settings(backfillDays: 2)
        settings.yearlyReportsBack = 0
        #expect(settings.missesBeforeRevocation == 2)
        try await SyncHarness.with(backend, settings: settings) { harness in
            // given: an accessible account with an active integration
            let (account, _) = try harness.sandbox.makeAccountWithUser(name: "Acme", historyDays: 5)
            let number = String(account.number)
            let user = try await harness.user("u@example.com")
            _ = try await harness.integrate(userID: user, account: account)
            try harness.inviteService(into: account)
            #expect(try await harness.engine.checkInvitations().activated == [number])

            // when: one check misses it, the service user is added again and the next check sees it
            try harness.sandbox.world.removeUser(email: SyncHarness.serviceAppleID, from: account.number)
            #expect(try await harness.engine.checkInvitations().revoked.isEmpty)
            #expect(try await harness.accounts.find(number: number)?.missedChecks == 1)
            try harness.inviteService(into: account)
            #expect(try await harness.engine.checkInvitations() == .init())
            #expect(try await harness.accounts.find(number: number)?.missedChecks == 0)

            // then: one more miss is the first of a new run, not the second: nothing is revoked
            try harness.sandbox.world.removeUser(email: SyncHarness.serviceAppleID, from: account.number)
            #expect(try await harness.engine.checkInvitations().revoked.isEmpty)
            let missed = try #require(try await harness.accounts.find(number: number))
            #expect(missed.access == .accessible)
            #expect(missed.missedChecks == 1)
            #expect(try await harness.integrations.list(userID: user).map(\.status) == [.active])

            // and the next miss a check interval later does revoke it
            harness.clock.advance(by: harness.settings.invitationCheckInterval)
            #expect(try await harness.engine.checkInvitations().revoked == [number])
        }
    }

    @Test(
        "a failed listing expires nobody, however late; the next successful check does",
        arguments: TestBackend.available)
    func noExpiryWithoutASuccessfulCheck(backend: TestBackend) async throws {
        try await SyncHarness.with(backend) { harness in
            // given: a pending integration three days old, past its 48-hour window
            let (account, _) = try harness.sandbox.makeAccountWithUser(name: "Ignored", historyDays: 5)
            let user = try await harness.user("u@example.com")
            let pending = try await harness.integrate(userID: user, account: account)
            harness.advance(days: 3)

            // when: Apple does not answer the listing; then Apple refuses the service token
            harness.sandbox.faults.settings = FaultSettings(errorRate: 1)
            await #expect(throws: (any Error).self) { try await harness.engine.checkInvitations() }
            #expect(try await harness.integrations.list(userID: user).map(\.status) == [.pending])
            harness.sandbox.faults.settings = FaultSettings()
            _ = try harness.sandbox.world.generateToken(appleId: SyncHarness.serviceAppleID)
            await #expect(throws: (any Error).self) { try await harness.engine.checkInvitations() }

            // then: still pending
            #expect(try await harness.integrations.list(userID: user).map(\.status) == [.pending])

            // when: a check with a working token lists the accounts, without this one
            let fresh = try harness.sandbox.world.generateToken(appleId: SyncHarness.serviceAppleID)
            try await ServiceTokenStore(database: harness.database, keys: harness.keys).set(
                fresh.value, expires: nil, now: harness.clock.now)
            let check = try await harness.engine.checkInvitations()

            // then: it expires
            #expect(check.expired == [pending.id])
            #expect(try await harness.integrations.list(userID: user).map(\.status) == [.expired])
        }
    }

    @Test(
        "a day that had sales, restated by Apple to no sales (213), counts zero",
        arguments: TestBackend.available)
    func dayRestatedToNoSales(backend: TestBackend) async throws {
        var settings = SyncHarness.settings(backfillDays: 4)
        settings.yearlyReportsBack = 0
        try await SyncHarness.with(backend, settings: settings) { harness in
            // given: a backfilled account; a day of the next sync's restatement window had sales
            let (account, _) = try harness.sandbox.makeAccountWithUser(name: "Acme", apps: 3, historyDays: 30)
            let number = String(account.number)
            let user = try await harness.user("u@example.com")
            _ = try await harness.integrate(userID: user, account: account)
            try harness.inviteService(into: account)
            try await harness.engine.checkInvitations()
            try await harness.drain()
            let latest = harness.engine.latestReportDay()
            let before = try await harness.ledger.entries(accountNumber: number)
            let sales = try #require(before.first { $0.identity.date >= latest.adding(days: -2) && $0.rowCount > 0 })
            let day = sales.identity.date
            let file = try #require(sales.sha256)
            #expect(Self.rawFiles(in: harness.rawDirectory).contains(file))
            let sold = try await DailyRollups.totals(
                accountNumber: number, from: day, to: day, database: harness.database)
            #expect(sold.units.values.contains { $0 != 0 })
            let accountID = try #require(try await harness.accounts.find(number: number)?.id)
            let query = MetricsStore.Query(accountIDs: [accountID], from: day, to: day)
            #expect(try await MetricsStore(database: harness.database).totals(query).units.values.contains { $0 != 0 })

            // when: Apple no longer has sales for the days before the next one (the account's history now
            // starts there; a new seed, as the sandbox keeps the files it served by seed), and the daily
            // sync fetches the restatement window again
            let snapshot = String(decoding: try JSONEncoder().encode(harness.sandbox.world.snapshot()), as: UTF8.self)
            let moved =
                snapshot
                .replacingOccurrences(
                    of: #""historyStart":"\#(account.historyStart.isoText)""#,
                    with: #""historyStart":"\#(latest.adding(days: 1).isoText)""#
                )
                .replacingOccurrences(of: #""seed":"\#(account.seed)""#, with: #""seed":"\#(account.seed &+ 1)""#)
            #expect(moved != snapshot)
            try harness.sandbox.world.restore(try JSONDecoder().decode(SandboxSnapshot.self, from: Data(moved.utf8)))
            harness.advance(days: 1)
            try await harness.engine.checkInvitations()
            // (the job, then the check of the account's Financial reports it queues)
            #expect(try await harness.drain() == 2)

            // then: the day is a known zero: no facts, no rollups, nothing on the dashboard
            let entry = try #require(
                try await harness.ledger.entries(accountNumber: number).first {
                    $0.identity.date == day && $0.identity.frequency == .daily
                })
            #expect(entry.state == .empty)
            #expect(entry.rowCount == 0)
            #expect(entry.sha256 == nil)
            #expect(!Self.rawFiles(in: harness.rawDirectory).contains(file))
            let zero = try await DailyRollups.totals(
                accountNumber: number, from: day, to: day, database: harness.database)
            #expect(zero.units.values.allSatisfy { $0 == 0 })
            #expect(zero.returns == 0)
            #expect(zero.proceeds.values.allSatisfy { $0 == 0 })
            #expect(zero.sales.values.allSatisfy { $0 == 0 })
            let after = try await MetricsStore(database: harness.database).totals(query)
            #expect(after.units.values.allSatisfy { $0 == 0 })
            #expect(after.proceeds == 0)
            #expect(after.sales == 0)
            #expect(after.unconvertedProceeds.isEmpty)
            #expect(after.unconvertedSales.isEmpty)
            #expect(try await harness.accounts.find(number: number)?.lastError == nil)
        }
    }

    /// The files of a raw report directory (`ab/<sha256>`), by name.
    static func rawFiles(in directory: URL) -> [String] {
        (FileManager.default.enumerator(atPath: directory.path)?.allObjects ?? [])
            .compactMap { $0 as? String }
            .compactMap { path in path.split(separator: "/").last.map(String.init) }
            .filter { !$0.hasPrefix(".") && $0.count > 2 }
    }
}
