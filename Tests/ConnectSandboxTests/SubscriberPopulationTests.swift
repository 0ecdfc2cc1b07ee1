import ConnectSandbox
import Foundation
import OrchardTestSupport
import SalesReports
import Testing

/// The sandbox's subscribers (docs/SANDBOX.md, Subscribers): one population per product behind
/// the Subscription, Subscription Event, Subscriber and Summary Sales reports, read here through
/// Apple's interface and the figures' definitions (docs/SUBSCRIPTIONS.md), as Orchard reads them.
@Suite("Subscriber population")
struct SubscriberPopulationTests {
    static let now = ReporterProtocolTests.now

    /// One day as the reports say it.
    struct Day {
        var paid: Int64 = 0
        var trials: Int64 = 0
        var events: [String: Int64] = [:]
        var classes: [SubscriptionDefinitions.EventClass: Int64] = [:]
        var subscriberUnits: Int64 = 0
        var salesUnits: Int64 = 0
    }

    static func day(_ date: ReportDate, vendor: Int, token: String, sandbox: SandboxServer) async throws -> Day {
        var day = Day()
        func file(_ type: String, _ subtype: String) async throws -> [ReportRecord] {
            let answer = try await SandboxHTTP.reporter(
                sandbox, token: token,
                query:
                    "Sales.getReport, \(vendor),\(type),\(subtype),Daily,\(date.compactText)\(type == "Sales" ? "" : ",1_3")"
            )
            guard answer.status == 200 else { return [] }
            return try SandboxHTTP.records(answer.body).rows
        }
        let states = try await file("Subscription", "Summary")
        if let header = states.first?.header {
            let columns = SubscriptionDefinitions.CountColumns(header)
            for row in states {
                let counts = try columns.counts(of: row)
                day.paid += counts.paid
                day.trials += counts.trials
            }
        }
        for row in try await file("SubscriptionEvent", "Summary") {
            let quantity = row.integer("Quantity") ?? 0
            let name = row.text("Event") + (row.text("Subscription Offer Type").isEmpty ? "" : " (trial)")
            day.events[name, default: 0] += quantity
            let eventClass = SubscriptionDefinitions.classify(
                event: row.text("Event"), offerType: row.text("Subscription Offer Type"))
            day.classes[eventClass, default: 0] += quantity
        }
        day.subscriberUnits = try await file("Subscriber", "Detailed").reduce(0) { $0 + ($1.integer("Units") ?? 0) }
        day.salesUnits = try await file("Sales", "Summary").filter {
            $0.text("Product Type Identifier").hasPrefix("IAY")
        }.reduce(0) { $0 + ($1.integer("Units") ?? 0) }
        return day
    }

    @Test(
        "every day, paid(d) - paid(d-1) is the day's starts and ends of paid subscriptions, trials move with their events, and Sales and Subscriber reports count the same payments"
    )
    func reportsAgree() async throws {
        try await SandboxServer.withRunning(seed: 3, now: Self.now) { sandbox in
            // given: an account whose apps sell subscriptions
            let (account, token) = try sandbox.makeAccountWithUser(apps: 12)
            let vendor = account.vendors[0]
            let latest = ReportCalendar.latestDay(at: Self.now)

            // when: 20 days of its four reports
            var days: [Day] = []
            for offset in (0..<20).reversed() {
                days.append(
                    try await Self.day(latest.adding(days: -offset), vendor: vendor, token: token, sandbox: sandbox))
            }

            // then
            for (yesterday, today) in zip(days, days.dropFirst()) {
                let events = today.events
                func count(_ name: String) -> Int64 { events[name] ?? 0 }
                let started =
                    count("Subscribe") + count("Paid Subscription from Introductory Offer (trial)")
                    + count("Paid Subscription from Offer Code (trial)") + count("Reactivate")
                    + count("Renewal from Billing Retry")
                let ended = count("Cancel") + count("Billing Retry from Paid Subscription") + count("Refund")
                #expect(today.paid - yesterday.paid == started - ended)
                let classes = today.classes
                #expect(
                    today.trials - yesterday.trials
                        == (classes[.trialStarts] ?? 0) - (classes[.conversions] ?? 0)
                        - (classes[.trialCancellations] ?? 0))
                #expect(today.salesUnits == today.subscriberUnits)
            }
            // A population that lives: every kind of event happened in the 20 days.
            let seen = days.reduce(into: [String: Int64]()) { all, day in all.merge(day.events, uniquingKeysWith: +) }
            for name in [
                "Subscribe", "Start Introductory Offer (trial)", "Start Offer Code (trial)",
                "Paid Subscription from Introductory Offer (trial)", "Renew", "Cancel", "Cancel (trial)",
                "Billing Retry from Paid Subscription", "Renewal from Billing Retry", "Canceled from Billing Retry",
                "Refund", "Reactivate",
            ] {
                #expect((seen[name] ?? 0) > 0, "no \(name) in 20 days")
            }
            #expect(days.allSatisfy { $0.paid > 100 })
        }
    }
}
