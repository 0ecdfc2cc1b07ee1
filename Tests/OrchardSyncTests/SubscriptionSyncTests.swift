import ConnectSandbox
import Foundation
import OrchardStorage
import OrchardSync
import OrchardTestSupport
import SalesReports
import Testing

/// The subscription reports in the sync (docs/SUBSCRIPTIONS.md, Fetching): fetched with the sales
/// reports, in the version Apple names when it moves one on.
@Suite("Subscription reports in the sync")
struct SubscriptionSyncTests {
    @Test(
        "Apple moves the Subscription report to 1_4: the refusal names it, the sync asks for 1_4 from then on and reads the file by its column names",
        arguments: TestBackend.available)
    func newerVersion(backend: TestBackend) async throws {
        var settings = SyncHarness.settings(backfillDays: 5)
        settings.yearlyReportsBack = 0
        try await SyncHarness.with(backend, settings: settings) { harness in
            // given: Apple's latest Subscription report is 1_4, with columns Orchard does not know
            harness.sandbox.library.setLatestVersion("1_4", for: .subscription)

            // when: an account that sells subscriptions is integrated and backfilled
            let (account, _) = try await harness.activeAccount(name: "Subscriptions", apps: 12, historyDays: 60)

            // then: every day's Subscription report is the 1_4 one, the others stay 1_3
            let entries = try await harness.ledger.entries(accountNumber: String(account.number))
            let states = entries.filter { $0.identity.type == .subscription }
            let unfinished = try await harness.unfinishedJobs()
            #expect(states.count == 5, "jobs not done: \(unfinished)")
            #expect(states.allSatisfy { $0.identity.version == "1_4" && $0.state.hasContent })
            let events = entries.filter { $0.identity.type == .subscriptionEvent }
            #expect(events.count == 5)
            #expect(events.allSatisfy { $0.identity.version == "1_3" && $0.state.hasContent })
            #expect(try await ReportVersions(database: harness.database).version(of: .subscription) == "1_4")
            #expect(try await harness.count("subscription_states", account: account) > 0)
            #expect(try await harness.count("subscription_events", account: account) > 0)
        }
    }
}
