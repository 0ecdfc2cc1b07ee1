import Foundation
import Testing

@testable import SalesReports

/// The figures' definitions (docs/SUBSCRIPTIONS.md) on single columns and events, and on two public
/// sample files as Apple writes them: `subscription-appstore-sdk-go.txt` and
/// `subscription-event-appstore-sdk-go.txt` (matisiekpl/appstore-sdk-go, MIT; 49 rows each,
/// values padded with spaces, offer types in mixed case). The expected figures were worked out from
/// the files by a separate script with exact fractions (Python's `fractions`), not by this code.
@Suite struct SubscriptionDefinitionsTests {
    @Test(
        "count columns by name, without case or padding",
        arguments: [
            ("Active Standard Price Subscriptions", SubscriptionDefinitions.CountRole.paid),
            ("Active Pay Up Front Introductory Offer Subscriptions", .paid),
            ("Pay As You Go Promotional Offer Subscriptions", .paid),
            ("  pay up front offer code subscriptions ", .paid),
            ("Pay As You Go Win-Back Offer Subscriptions", .paid),
            ("Active Free Trial Introductory Offer Subscriptions", .trials),
            ("Free Trial Offer Code Subscriptions", .trials), ("Billing Retry", .billingRetry),
            ("grace period", .gracePeriod),
        ])
    func roles(column: String, role: SubscriptionDefinitions.CountRole) {
        #expect(SubscriptionDefinitions.role(ofColumn: column) == role)
    }

    @Test("columns that count no subscriber", arguments: ["Marketing Opt-Ins", "Developer Proceeds", "Country", ""])
    func notCounts(column: String) {
        #expect(SubscriptionDefinitions.role(ofColumn: column) == nil)
    }

    @Test(
        "events by name and offer type",
        arguments: [
            ("Start Introductory Offer", "Free Trial", SubscriptionDefinitions.EventClass.trialStarts),
            ("Start Offer Code", "free trial ", .trialStarts), ("Start Free Trial", "", .trialStarts),
            ("Subscribe", "", .newPaid), ("Start Introductory Offer", "Pay as you go", .newPaid),
            ("Start Promotional Offer", "PAY UP FRONT", .newPaid), ("Start Introductory Price", "", .newPaid),
            ("Paid Subscription from Introductory Offer", "Free Trial", .conversions),
            ("Paid Subscription from Free Trial", "", .conversions), ("Renew", "", .renewals),
            ("Renewal from Billing Retry", "", .renewals), ("Cancel", "Free Trial", .trialCancellations),
            ("Canceled from Billing Retry", "Free Trial", .trialCancellations), ("Cancel", "", .voluntaryChurn),
            ("Cancel", "Pay as you go", .voluntaryChurn), ("Canceled from Billing Retry", "", .involuntaryChurn),
            ("Refund", "", .refunds), ("Reactivate", "", .reactivations),
            ("Reactivate with Upgrade", "", .reactivations), ("Start Introductory Offer", "", .other),
            ("Billing Retry from Paid Subscription", "", .other), ("Upgrade", "", .other), ("Opt-In", "", .other),
        ])
    func events(event: String, offer: String, expected: SubscriptionDefinitions.EventClass) {
        #expect(SubscriptionDefinitions.classify(event: event, offerType: offer) == expected)
    }

    @Test(
        "a period's factor to a month, in twelfths; an unknown duration has none",
        arguments: [
            ("7 Days", Int64(52)), ("1 Month", 12), ("2 Months", 6), ("3 Months", 4), ("6 Months", 2),
            (" 1 year ", 1),
        ])
    func durations(duration: String, twelfths: Int64) {
        #expect(SubscriptionDefinitions.monthTwelfths(duration: duration) == twelfths)
    }

    @Test func unknownDuration() {
        #expect(SubscriptionDefinitions.monthTwelfths(duration: "5 Weeks") == nil)
        #expect(SubscriptionDefinitions.monthTwelfths(duration: "") == nil)
    }

    @Test("the public Subscription sample: subscriber counts and MRR per proceeds currency, to the cent")
    func subscriptionSample() throws {
        // given
        let reader = try ReportReader(path: try FixtureTests.path("subscription-appstore-sdk-go.txt"))
        let columns = SubscriptionDefinitions.CountColumns(reader.header)

        // when
        var total = SubscriptionDefinitions.Counts()
        var twelfths: [String: Int64] = [:]
        while let record = try reader.nextRecord() {
            let counts = try columns.counts(of: record)
            total.paid += counts.paid
            total.trials += counts.trials
            total.billingRetry += counts.billingRetry
            total.gracePeriod += counts.gracePeriod
            let proceeds = try #require(record.decimal("Developer Proceeds"))
            let k = try #require(
                SubscriptionDefinitions.monthTwelfths(duration: record.text("Standard Subscription Duration")))
            twelfths[record.text("Proceeds Currency").uppercased(), default: 0] +=
                counts.paid * Int64(proceeds.millionths) * k
        }
        // rounded half-up to the cent: a twelfth of a millionth is 1/120,000 of a cent
        let cents = twelfths.mapValues { ($0 + 60_000) / 120_000 }

        // then
        #expect(total == .init(paid: 292, trials: 0, billingRetry: 112, gracePeriod: 0))
        #expect(
            cents == [
                "AUD": 0, "EUR": 1_625, "GBP": 1_504, "KZT": 11_071_200, "NGN": 0, "PHP": 10_208,
                "RUB": 29_415_633, "THB": 54_297, "USD": 63_620, "ZAR": 13_999,
            ])
    }

    @Test("the public Subscription Event sample: quantities by class, every event kept")
    func eventSample() throws {
        // given
        let reader = try ReportReader(path: try FixtureTests.path("subscription-event-appstore-sdk-go.txt"))

        // when
        var classes: [SubscriptionDefinitions.EventClass: Int64] = [:]
        var other: [String: Int64] = [:]
        while let row = try reader.nextSubscriptionEventRow() {
            let eventClass = SubscriptionDefinitions.classify(
                event: row.event, offerType: row.record.text("Subscription Offer Type"))
            classes[eventClass, default: 0] += row.quantity
            if eventClass == .other { other[row.event, default: 0] += row.quantity }
        }

        // then
        #expect(
            classes == [
                .renewals: 26, .newPaid: 45, .trialCancellations: 22, .voluntaryChurn: 13, .other: 14,
            ])
        #expect(
            other == [
                "Billing Retry from Paid Subscription": 6, "Billing Retry from Introductory Offer": 4,
                "Start Introductory Offer": 3, "Upgrade": 1,
            ])
    }
}
