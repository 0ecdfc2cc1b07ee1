import Foundation
import OrchardStorage
import OrchardTestSupport
import SQLKit
import SalesReports
import Testing

/// The Subscription and Subscription Event reports ingested and read back (docs/SUBSCRIPTIONS.md),
/// on both databases: counts by column name, MRR exact to the cent per proceeds currency, events by
/// class with the others kept, filters, an unknown duration left out of MRR, a newer version
/// replacing the day.
@Suite("Subscription store")
struct SubscriptionStoreTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let day = ReportDate("2020-10-05")!

    /// Padded values, mixed case, a column Orchard does not know (a win-back count, which is paid by
    /// its name) and an unknown duration, as a newer version of Apple's file could have them.
    static let states = """
        App Name\tApp Apple ID\tSubscription Name\tSubscription Apple ID\tStandard Subscription Duration\tDeveloper Proceeds\tProceeds Currency\tCountry\tActive Standard Price Subscriptions\tActive Free Trial Introductory Offer Subscriptions\tPay Up Front Win-Back Offer Subscriptions\tBilling Retry\tGrace Period
        Alpha\t100\tMonthly\t200\t1 Month\t3.49\tUSD\tUS\t10\t4\t2\t1\t0
        Alpha\t100\tWeekly\t201\t7 Days \t0.99\tUSD      \tUS\t3\t0\t \t0\t1
        Alpha\t100\tYearly\t202\t1 year\t20.00\tEUR\tDE\t5\t0\t0\t0\t0
        Beta\t101\tOdd\t203\t5 Weeks\t1.00\tEUR\tFR\t2\t0\t0\t0\t0

        """

    static let events = """
        Event Date\tEvent\tApp Name\tApp Apple ID\tSubscription Apple ID\tSubscription Offer Type\tOriginal Start Date\tCountry\tQuantity
        2020-10-05\tStart Introductory Offer\tAlpha\t100\t200\tFree Trial\t2020-10-05\tUS\t5
        2020-10-05\tPaid Subscription from Introductory Offer\tAlpha\t100\t200\tfree trial \t2020-09-29\tUS\t2
        2020-10-04\tCancel\tAlpha\t100\t200\t \t \tUS\t1
        2020-10-05\tCanceled from Billing Retry\tAlpha\t100\t200\t\t\tUS\t1
        2020-10-05\tUpgrade\tAlpha\t100\t200\t\t\tUS\t3

        """

    static func identity(_ type: ReportType, version: String? = nil) -> ReportIdentity {
        ReportIdentity(accountNumber: "7", vendor: "5", type: type, frequency: .daily, date: day, version: version)
    }

    static func ingest(_ database: OrchardDatabase) async throws -> Int64 {
        let ingestor = ReportIngestor(database: database, archive: nil, logger: TestLogging.logger)
        _ = try await ingestor.ingest(
            .bytes(Data(states.utf8), name: "Subscription_5_20201005_V1_4.txt"), identity: identity(.subscription),
            now: now)
        _ = try await ingestor.ingest(
            .bytes(Data(events.utf8), name: "Subscription_Event_5_20201005_V1_3.txt"),
            identity: identity(.subscriptionEvent), now: now)
        return try await database.withConnection { connection in
            try await connection.raw("SELECT id FROM store_accounts WHERE number = '7'").first()!.decode(
                column: "id", as: Int64.self)
        }
    }

    @Test("MRR in twelfths of millionths to cents, half-up: 1/120,000 of a cent is the unit")
    func halfUpCents() {
        // 15.036666… (4511/300, the public sample's GBP) is 180,440,000 twelfths: 15.04
        #expect(SubscriptionStore.cents(twelfths: 180_440_000) == 1_504)
        // exactly half a cent rounds up; just under half does not
        #expect(SubscriptionStore.cents(twelfths: 60_000) == 1)
        #expect(SubscriptionStore.cents(twelfths: 59_999) == 0)
        #expect(SubscriptionStore.cents(twelfths: 120_000 * 8 + 39_999) == 8)
        #expect(SubscriptionStore.cents(twelfths: 0) == 0)
    }

    @Test("counts by column name and MRR per proceeds currency, to the cent", arguments: TestBackend.available)
    func stocks(backend: TestBackend) async throws {
        try await withMigrated(backend) { database in
            // given
            let account = try await Self.ingest(database)
            let store = SubscriptionStore(database: database)

            // when
            let all = try await store.stocks(.init(accountIDs: [account], from: Self.day, to: Self.day))[Self.day]
            let beta = try await store.stocks(.init(accountIDs: [account], from: Self.day, to: Self.day, app: "101"))[
                Self.day]
            let us = try await store.stocks(.init(accountIDs: [account], from: Self.day, to: Self.day, country: "US"))[
                Self.day]
            let other = try await store.stocks(.init(accountIDs: [account + 1], from: Self.day, to: Self.day))

            // then: 10 + 2 (win-back, paid by its name) + 3 + 5 + 2 paid; 4 trials
            let stock = try #require(all)
            #expect(stock.paid == 22)
            #expect(stock.trials == 4)
            #expect(stock.billingRetry == 1)
            #expect(stock.gracePeriod == 1)
            // USD: 12 × 3.49 + 3 × 0.99 × 52 / 12 = 41.88 + 12.87; EUR: 5 × 20.00 / 12 = 8.333… (half-up)
            #expect(stock.mrrCents == ["USD": 5_475, "EUR": 833])
            // "5 Weeks" is no duration Orchard knows: its 2 paid subscribers are left out of MRR, and said
            #expect(stock.unknownDurationPaid == 2)
            let unknown = try await store.unknownDurations(accountID: account)
            #expect(unknown.map(\.duration) == ["5 Weeks"])
            #expect(unknown.map(\.paid) == [2])
            #expect(beta?.paid == 2)
            #expect(us?.paid == 15)
            #expect(other.isEmpty)
            #expect(
                try await store.heldDays(
                    .init(accountIDs: [account], from: Self.day, to: Self.day), type: .subscription) == [
                        account: [Self.day]
                    ])
        }
    }

    @Test("events by class over their Event Date, every other event kept by name", arguments: TestBackend.available)
    func events(backend: TestBackend) async throws {
        try await withMigrated(backend) { database in
            // given
            let account = try await Self.ingest(database)
            let store = SubscriptionStore(database: database)

            // when
            let counts = try await store.events(.init(accountIDs: [account], from: Self.day, to: Self.day))
            let week = try await store.conversionsByStartWeek(
                .init(accountIDs: [account], from: ReportDate("2020-09-28")!, to: Self.day))

            // then: the Cancel of 4 October is not in the range
            var byClass: [SubscriptionDefinitions.EventClass: Int64] = [:]
            for count in counts { byClass[count.eventClass, default: 0] += count.quantity }
            #expect(byClass == [.trialStarts: 5, .conversions: 2, .involuntaryChurn: 1, .other: 3])
            #expect(counts.filter { $0.eventClass == .other }.map(\.event) == ["Upgrade"])
            // the conversions of trials started the week of Monday 28 September
            #expect(week == [ReportDate("2020-09-28")!: 2])
            // the same through the raw rows (a filter) as through the day sums (none)
            let filtered = try await store.events(
                .init(accountIDs: [account], from: Self.day, to: Self.day, app: "100"))
            #expect(filtered.map(\.quantity).reduce(0, +) == counts.map(\.quantity).reduce(0, +))

            // when: Apple restates the report (a start moved to the 4th, a quantity changed)
            let restated = Self.events.replacingOccurrences(
                of: "2020-10-05\tStart Introductory Offer\tAlpha\t100\t200\tFree Trial\t2020-10-05\tUS\t5",
                with: "2020-10-04\tStart Introductory Offer\tAlpha\t100\t200\tFree Trial\t2020-10-04\tUS\t6")
            _ = try await ReportIngestor(database: database, archive: nil, logger: TestLogging.logger).ingest(
                .bytes(Data(restated.utf8), name: "Subscription_Event_5_20201005_V1_3.txt"),
                identity: Self.identity(.subscriptionEvent), now: Self.now)

            // then: the 5th lost its trial starts, the 4th has the new ones, nothing counted twice
            let fifth = try await store.events(.init(accountIDs: [account], from: Self.day, to: Self.day))
            #expect(fifth.filter { $0.eventClass == .trialStarts }.isEmpty)
            let fourth = try await store.events(
                .init(accountIDs: [account], from: ReportDate("2020-10-04")!, to: ReportDate("2020-10-04")!))
            #expect(fourth.filter { $0.eventClass == .trialStarts }.map(\.quantity) == [6])
            #expect(fourth.filter { $0.eventClass == .voluntaryChurn }.map(\.quantity) == [1])
        }
    }

    @Test(
        "a newer version of a day replaces the older one: its rows and its ledger row, nothing counted twice",
        arguments: TestBackend.available)
    func newerVersion(backend: TestBackend) async throws {
        try await withMigrated(backend) { database in
            // given: the day in 1_3
            let account = try await Self.ingest(database)
            let store = SubscriptionStore(database: database)

            // when: Apple moved to 1_4 and the day is fetched again
            let ingestor = ReportIngestor(database: database, archive: nil, logger: TestLogging.logger)
            _ = try await ingestor.ingest(
                .bytes(Data(Self.states.utf8), name: "Subscription_5_20201005_V1_4.txt"),
                identity: Self.identity(.subscription, version: "1_4"), now: Self.now)

            // then
            let stock = try await store.stocks(.init(accountIDs: [account], from: Self.day, to: Self.day))[Self.day]
            #expect(stock?.paid == 22)
            let versions = try await database.withConnection { connection in
                try await connection.raw(
                    "SELECT version FROM report_ledger WHERE report_type = 'Subscription'"
                ).all().map { try $0.decode(column: "version", as: String.self) }
            }
            #expect(versions == ["1_4"])
        }
    }
}
