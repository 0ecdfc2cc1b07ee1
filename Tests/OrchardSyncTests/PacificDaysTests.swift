import ConnectSandbox
import Foundation
import OrchardCore
import OrchardStorage
import OrchardSync
import OrchardTestSupport
import SalesReports
import Testing

/// Report days are Pacific days and the daily sync first asks at the hour Apple publishes
/// (docs/REPORTS.md), whatever daylight saving does to the distance from UTC.
@Suite("Pacific report days against Connect Sandbox")
struct PacificDaysTests {
    struct Change: Sendable, CustomStringConvertible {
        var name: String
        /// Noon Pacific of the day before the change.
        var start: String
        /// 5 am Pacific of the day the clocks change, in UTC.
        var firstTry: String
        /// The report day published then.
        var day: String

        var description: String { name }
    }

    static let changes = [
        // Sunday 2026-03-08 02:00 PST becomes 03:00 PDT: 5 am is 12:00 UTC, 16 hours after noon PST.
        Change(
            name: "spring forward", start: "2026-03-07T20:00:00Z", firstTry: "2026-03-08T12:00:00Z", day: "2026-03-07"),
        // Sunday 2026-11-01 02:00 PDT becomes 01:00 PST: 5 am is 13:00 UTC, 18 hours after noon PDT.
        Change(name: "fall back", start: "2026-10-31T19:00:00Z", firstTry: "2026-11-01T13:00:00Z", day: "2026-10-31"),
    ]

    static func utc(_ text: String) throws -> Date {
        try #require(ISO8601DateFormatter().date(from: text))
    }

    @Test(
        "the daily sync asks for a Pacific day first at 5 am Pacific, not a minute before, on both sides of a daylight-saving change",
        arguments: TestBackend.available, changes)
    func firstTry(backend: TestBackend, change: Change) async throws {
        var settings = SyncHarness.settings(backfillDays: 3)
        settings.yearlyReportsBack = 0
        let start = try Self.utc(change.start)
        let firstTry = try Self.utc(change.firstTry)
        let day = try #require(ReportDate(change.day))
        try await SyncHarness.with(backend, settings: settings, start: start) { harness in
            // given: an active account synced through the day before `day`
            let (account, _) = try await harness.activeAccount(name: "Acme", historyDays: 30)
            let number = String(account.number)
            let unfinished = try await harness.unfinishedJobs()
            #expect(
                try await harness.accounts.find(number: number)?.syncedThrough == day.adding(days: -1).isoText,
                "jobs not done: \(unfinished)")

            // when: a minute before 5 am Pacific the next morning
            harness.advance(days: (firstTry.timeIntervalSince(start) - 60) / 86_400)
            try await harness.engine.checkInvitations()
            try await harness.drain()

            // then: nothing asked of Apple for the day, nothing queued
            #expect(harness.engine.latestReportDay() == day.adding(days: -1))
            #expect(try await harness.queue.counts()["sync_account"] == nil)
            let vendor = String(account.vendors[0])
            func state() async throws -> LedgerState? {
                try await harness.ledger.states(
                    accountNumber: number, vendor: vendor, type: .sales, frequency: .daily, from: day, to: day)[
                        day.isoText]
            }
            #expect(try await state() == nil)

            // when: 5 am Pacific
            harness.advance(days: 60.0 / 86_400)
            try await harness.engine.checkInvitations()
            try await harness.drain()

            // then: the day is fetched at the first try and the account is synced through it
            #expect(harness.engine.latestReportDay() == day)
            #expect(try await state()?.hasContent == true)
            #expect(try await harness.accounts.find(number: number)?.syncedThrough == day.isoText)
        }
    }
}
