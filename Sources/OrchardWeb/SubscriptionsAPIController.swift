import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import OrchardApp
import OrchardCore
import OrchardStorage
import SalesReports

/// `GET /api/v1/subscriptions/summary`, `timeseries`, `cohorts` and `export.csv` (docs/API.md,
/// docs/SUBSCRIPTIONS.md): the subscription figures of the accounts a user may read. Amounts are
/// decimal strings; a day Orchard does not hold is a gap, never a zero.
struct SubscriptionsAPIController: Sendable {
    let subscriptions: Subscriptions
    let cache: MetricsCache

    struct Amount: Codable, Equatable {
        var currency: String
        var amount: String
    }

    struct MRR: Codable, Equatable {
        var currency: String
        /// `null` when no day of the range is held.
        var amount: String?
        var byProceedsCurrency: [Amount]
        /// Proceeds currencies without a usable ECB rate on `asOf`: left out of `amount`.
        var unconverted: [Amount]
        var rateDate: String?

        /// Absent values are written `null`, as docs/API.md shows them.
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(currency, forKey: .currency)
            try container.encode(amount, forKey: .amount)
            try container.encode(byProceedsCurrency, forKey: .byProceedsCurrency)
            try container.encode(unconverted, forKey: .unconverted)
            try container.encode(rateDate, forKey: .rateDate)
        }
    }

    struct EventQuantity: Codable, Equatable {
        var event: String
        var quantity: Int64
    }

    struct EventTotals: Codable, Equatable {
        var trialStarts: Int64
        var newPaid: Int64
        var conversions: Int64
        var renewals: Int64
        var trialCancellations: Int64
        var voluntaryChurn: Int64
        var involuntaryChurn: Int64
        var refunds: Int64
        var reactivations: Int64
        var other: [EventQuantity]
    }

    struct Summary: ResponseEncodable, Decodable {
        var from: String
        var to: String
        var asOf: String?
        var paid: Int64?
        var trials: Int64?
        var billingRetry: Int64?
        var gracePeriod: Int64?
        var mrr: MRR
        var events: EventTotals
        var churnRate: Double?

        /// Absent values are written `null`, as docs/API.md shows them.
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(from, forKey: .from)
            try container.encode(to, forKey: .to)
            try container.encode(asOf, forKey: .asOf)
            try container.encode(paid, forKey: .paid)
            try container.encode(trials, forKey: .trials)
            try container.encode(billingRetry, forKey: .billingRetry)
            try container.encode(gracePeriod, forKey: .gracePeriod)
            try container.encode(mrr, forKey: .mrr)
            try container.encode(events, forKey: .events)
            try container.encode(churnRate, forKey: .churnRate)
        }
    }

    struct PointView: Codable, Equatable {
        var date: String
        var value: Double
    }

    struct Timeseries: ResponseEncodable, Decodable {
        var metric: String
        var interval: String
        var currency: String
        var from: String
        var to: String
        var points: [PointView]
    }

    struct CohortView: Codable, Equatable {
        var week: String
        var started: Int64
        var converted: Int64
        var rate: Double?

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(week, forKey: .week)
            try container.encode(started, forKey: .started)
            try container.encode(converted, forKey: .converted)
            try container.encode(rate, forKey: .rate)
        }
    }

    struct Cohorts: ResponseEncodable, Decodable {
        var from: String
        var to: String
        var weeks: [CohortView]
    }

    func addRoutes(to router: Router<OrchardRequestContext>) {
        router.get(SiteRoute.api(.subscriptionsSummary).pattern) { request, context in
            let user = try context.requireUser()
            let (question, scope) = try await subscriptions.ask(
                query: request.queryDictionary, user: user, readable: context.readable)
            return try await cachedJSON("summary", question, scope) {
                Self.summary(try await subscriptions.summary(question, scope, user: user))
            }
        }
        router.get(SiteRoute.api(.subscriptionsTimeseries).pattern) { request, context in
            let user = try context.requireUser()
            let (question, scope) = try await subscriptions.ask(
                query: request.queryDictionary, user: user, readable: context.readable)
            return try await cachedJSON("timeseries", question, scope) {
                let points = try await subscriptions.series(question, scope, user: user)
                return Timeseries(
                    metric: question.metric.rawValue, interval: question.interval.rawValue,
                    currency: question.currency, from: question.from.isoText, to: question.to.isoText,
                    points: points.compactMap { point in
                        point.value.map { PointView(date: point.start.isoText, value: $0) }
                    })
            }
        }
        router.get(SiteRoute.api(.subscriptionsCohorts).pattern) { request, context in
            let user = try context.requireUser()
            let (question, scope) = try await subscriptions.ask(
                query: request.queryDictionary, user: user, readable: context.readable)
            return try await cachedJSON("cohorts", question, scope) {
                Cohorts(
                    from: question.from.isoText, to: question.to.isoText,
                    weeks: try await subscriptions.cohorts(question, scope, user: user).map {
                        CohortView(week: $0.week.isoText, started: $0.started, converted: $0.converted, rate: $0.rate)
                    })
            }
        }
        router.get(SiteRoute.api(.subscriptionsExport).pattern) { request, context in
            let user = try context.requireUser()
            let (question, scope) = try await subscriptions.ask(
                query: request.queryDictionary, user: user, readable: context.readable)
            let days = try await subscriptions.days(question, scope, user: user)
            let name = "orchard-subscriptions-\(question.from.isoText)-\(question.to.isoText).csv"
            return Response(
                status: .ok,
                headers: [
                    .contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"\(name)\"",
                ],
                body: .init(byteBuffer: ByteBuffer(string: Self.csv(days, currency: question.currency))))
        }
    }

    /// The answer as JSON, encoded once per question and data version (``CachedAnswer``).
    private func cachedJSON<Answer: Encodable & Sendable>(
        _ kind: String, _ question: Subscriptions.Question, _ scope: Dashboard.Scope,
        answer: @escaping @Sendable () async throws -> Answer
    ) async throws -> Response {
        let accounts = scope.accounts.map { "\($0.id):\($0.version):\($0.status.rawValue)" }.joined(separator: ",")
        let normalised =
            [
                "subscriptions", kind, accounts, question.from.isoText, question.to.isoText, question.range.app ?? "",
                question.range.country ?? "", question.subscription ?? "", question.currency, question.metric.rawValue,
                question.interval.rawValue,
            ].joined(separator: "\u{1F}")
        return try await CachedAnswer.json(normalised, cache: cache, answer: answer)
    }

    /// Cents as a decimal string, `1234` as `12.34`.
    static func decimal(cents: Int64) -> String {
        let sign = cents < 0 ? "-" : ""
        let magnitude = cents.magnitude
        return "\(sign)\(magnitude / 100).\(String(magnitude % 100 + 100).dropFirst())"
    }

    static func mrr(_ money: Subscriptions.Money) -> MRR {
        MRR(
            currency: money.currency, amount: money.cents.map { decimal(cents: $0) },
            byProceedsCurrency: money.byProceedsCurrency.map {
                Amount(currency: $0.currency, amount: decimal(cents: $0.cents))
            },
            unconverted: money.unconverted.sorted { $0.key < $1.key }.map {
                Amount(currency: $0.key, amount: decimal(cents: $0.value))
            }, rateDate: money.rateDay)
    }

    static func events(_ events: Subscriptions.Events) -> EventTotals {
        EventTotals(
            trialStarts: events[.trialStarts], newPaid: events[.newPaid], conversions: events[.conversions],
            renewals: events[.renewals], trialCancellations: events[.trialCancellations],
            voluntaryChurn: events[.voluntaryChurn], involuntaryChurn: events[.involuntaryChurn],
            refunds: events[.refunds], reactivations: events[.reactivations],
            other: events.other.sorted { $0.key < $1.key }.map { EventQuantity(event: $0.key, quantity: $0.value) })
    }

    static func summary(_ summary: Subscriptions.Summary) -> Summary {
        Summary(
            from: summary.from.isoText, to: summary.to.isoText, asOf: summary.asOf?.isoText,
            paid: summary.stock?.paid, trials: summary.stock?.trials, billingRetry: summary.stock?.billingRetry,
            gracePeriod: summary.stock?.gracePeriod, mrr: mrr(summary.mrr), events: events(summary.events),
            churnRate: summary.churnRate)
    }

    static let csvColumns = [
        "date", "paid", "trials", "billing_retry", "grace_period", "mrr", "currency", "rate_date", "unconverted_mrr",
        "trial_starts", "new_paid", "conversions", "renewals", "trial_cancellations", "voluntary_churn",
        "involuntary_churn", "refunds", "reactivations", "other_events",
    ]

    /// One row per day with anything held: counts and MRR where the Subscription report is held,
    /// events where the Subscription Event report is; blank fields where not (RFC 4180, CRLF).
    static func csv(_ days: [Subscriptions.Day], currency: String) -> String {
        var lines = [csvColumns.joined(separator: ",")]
        for day in days where day.stock != nil || day.events != nil {
            var fields = [day.day.isoText]
            if let stock = day.stock, let mrr = day.mrr {
                fields += [stock.paid, stock.trials, stock.billingRetry, stock.gracePeriod].map(String.init)
                fields += [
                    mrr.cents.map { decimal(cents: $0) } ?? "", currency, mrr.rateDay ?? "",
                    MetricsAPIController.text(
                        mrr.unconverted.sorted { $0.key < $1.key }.map { "\(decimal(cents: $0.value)) \($0.key)" }
                            .joined(separator: "; ")),
                ]
            } else {
                fields += Array(repeating: "", count: 8)
            }
            if let events = day.events {
                fields += [
                    events[.trialStarts], events[.newPaid], events[.conversions], events[.renewals],
                    events[.trialCancellations], events[.voluntaryChurn], events[.involuntaryChurn], events[.refunds],
                    events[.reactivations],
                ].map(String.init)
                fields.append(
                    MetricsAPIController.text(
                        events.other.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: "; ")
                    ))
            } else {
                fields += Array(repeating: "", count: 10)
            }
            lines.append(fields.joined(separator: ","))
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }
}
