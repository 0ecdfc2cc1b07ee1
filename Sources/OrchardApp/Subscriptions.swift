package import Foundation
package import OrchardCore
package import OrchardStorage
package import SalesReports

/// The subscription figures a user may read (docs/SUBSCRIPTIONS.md): paid subscribers, trials,
/// billing retry and grace period, MRR, the events that move them, churn and trial conversion by
/// cohort, from Apple's Subscription and Subscription Event reports of the user's accounts only.
package struct Subscriptions: Sendable {
    /// What the API's `metric` names.
    package enum Metric: String, CaseIterable, Sendable {
        case paid, trials, mrr, trialStarts, newPaid, conversions, renewals, voluntaryChurn, involuntaryChurn, refunds

        /// A count held on a day (the value of an interval is its last held day's), not a sum of events.
        package var isStock: Bool { self == .paid || self == .trials || self == .mrr }

        var eventClass: SubscriptionDefinitions.EventClass? { SubscriptionDefinitions.EventClass(rawValue: rawValue) }
    }

    /// A question: the dashboard's range, account, app and country, plus a subscription product
    /// and the metric and interval of a series.
    package struct Question: Sendable, Equatable {
        package var range: MetricsQuestion
        package var subscription: String?
        package var metric: Metric
        package var interval: MetricsQuestion.Interval

        package var from: ReportDate { range.from }
        package var to: ReportDate { range.to }
        package var currency: String { range.currency }

        /// A query string that asks this question again with `changes` (`nil` removes one), `&`
        /// written `&amp;` for an attribute.
        package func queryString(_ changes: [String: String?] = [:]) -> String {
            var own: [String: String?] = [
                "subscription": subscription, "metric": metric == .paid ? nil : metric.rawValue,
                "interval": interval == .day ? nil : interval.rawValue,
            ]
            var rangeChanges: [String: String?] = ["metric": nil, "interval": nil]
            for (name, value) in changes {
                if own.keys.contains(name) { own[name] = value } else { rangeChanges[name] = value }
            }
            var pairs = range.parameters(rangeChanges)
            for (name, value) in own { if let value { pairs.append((name, value)) } }
            pairs.sort { $0.0 < $1.0 }
            guard !pairs.isEmpty else { return "" }
            return "?" + pairs.map { "\($0)=\(MetricsQuestion.escape($1))" }.joined(separator: "&amp;")
        }
    }

    /// Everything the Subscriptions page shows for one question.
    package struct Page: Sendable {
        package var question: Question
        package var readable: [MetricsStore.VisibleAccount] = []
        package var scope: [MetricsStore.VisibleAccount] = []
        package var products: [SubscriptionStore.Product] = []
        /// Whether any readable account sells subscriptions.
        package var sells = false
        package var summary: Summary?
        package var previous: Summary?
        package var cohorts: [Cohort] = []
        package var previousCohorts: [Cohort] = []
        package var days: [Day] = []
        /// The products and countries of the last day held, with their MRR in the asked currency.
        package var bySubscription: [(slice: SubscriptionStore.Slice, mrr: Money)] = []
        package var byCountry: [(slice: SubscriptionStore.Slice, mrr: Money)] = []
        package var problem: DashboardError?
    }

    /// The Subscriptions page for a URL's query; a mistyped link shows the default view with the reason.
    package func page(query: [String: String], user: User, readable: [MetricsStore.VisibleAccount]?)
        async throws -> Page
    {
        do {
            return try await page(try question(query: query, user: user), user: user, readable: readable)
        } catch let problem as DashboardError {
            guard case .invalidParameter = problem else { throw problem }
            var page = try await page(try question(query: [:], user: user), user: user, readable: readable)
            page.problem = problem
            return page
        }
    }

    /// The page of a question already read (``question(query:user:)``).
    package func page(_ question: Question, user: User, readable known: [MetricsStore.VisibleAccount]?)
        async throws -> Page
    {
        var page = Page(question: question)
        let readable = try await metrics.visibleAccounts(userID: user.id, known: known)
        page.readable = readable
        guard !readable.isEmpty else {
            if question.range.account != nil { throw DashboardError.unknownAccount }
            return page
        }
        let scope = try Dashboard.Scope(account: question.range.account, readable: readable)
        page.scope = scope.accounts
        page.sells = try await store.hasSubscriptions(accountIDs: readable.map(\.id))
        guard page.sells else { return page }
        page.summary = try await summary(question, scope, user: user)
        if let asOf = page.summary?.asOf { page.products = try await store.products(accountIDs: scope.ids, on: asOf) }
        var previous = question
        let (previousFrom, previousTo) = question.range.previous
        previous.range.from = previousFrom
        previous.range.to = previousTo
        page.previous = try await summary(previous, scope, user: user)
        page.cohorts = try await cohorts(question, scope, user: user)
        page.previousCohorts = try await cohorts(previous, scope, user: user)
        page.days = try await days(question, scope, user: user, withMoney: false)
        if let asOf = page.summary?.asOf {
            let query = try await query(question, scope, user: user)
            let memo = RateMemo()
            for slice in try await store.slices(query, day: asOf, by: .subscription) {
                page.bySubscription.append(
                    (slice, try await money(slice.stock, on: asOf, currency: question.currency, memo: memo)))
            }
            for slice in try await store.slices(query, day: asOf, by: .country) {
                page.byCountry.append(
                    (slice, try await money(slice.stock, on: asOf, currency: question.currency, memo: memo)))
            }
        }
        return page
    }

    /// MRR of a day: per proceeds currency (cents, half-up), and their total in the asked currency
    /// with that day's ECB rates; currencies without a usable rate stay apart.
    package struct Money: Sendable, Equatable {
        package var currency: String
        /// The total in `currency`, in cents; `nil` when no day is held.
        package var cents: Int64?
        package var byProceedsCurrency: [(currency: String, cents: Int64)]
        package var unconverted: [String: Int64]
        package var rateDay: String?

        package static func == (left: Money, right: Money) -> Bool {
            left.currency == right.currency && left.cents == right.cents
                && left.byProceedsCurrency.map(\.currency) == right.byProceedsCurrency.map(\.currency)
                && left.byProceedsCurrency.map(\.cents) == right.byProceedsCurrency.map(\.cents)
                && left.unconverted == right.unconverted && left.rateDay == right.rateDay
        }
    }

    /// The events of a range by class, and every other event by name.
    package struct Events: Sendable, Equatable {
        package var byClass: [SubscriptionDefinitions.EventClass: Int64] = [:]
        package var other: [String: Int64] = [:]

        package subscript(_ eventClass: SubscriptionDefinitions.EventClass) -> Int64 { byClass[eventClass] ?? 0 }
    }

    package struct Summary: Sendable, Equatable {
        package var from: ReportDate
        package var to: ReportDate
        /// The range's last day held for every account in scope: where the counts are read.
        package var asOf: ReportDate?
        package var stock: SubscriptionStore.Stock?
        package var mrr: Money
        package var events: Events
        /// (voluntary + involuntary churn) / paid of the day before the range; `nil` when that day
        /// is not held or had no paid subscriber.
        package var churnRate: Double?
    }

    package struct Cohort: Sendable, Equatable {
        /// The Monday of the week.
        package var week: ReportDate
        package var started: Int64
        package var converted: Int64
        package var rate: Double? { started > 0 ? Double(converted) / Double(started) : nil }
    }

    package struct Point: Sendable, Equatable {
        package var start: ReportDate
        /// `nil` where no day of the interval is held (a gap, never 0).
        package var value: Double?
    }

    private let store: SubscriptionStore
    private let metrics: MetricsStore
    private let rates: FXRateStore
    private let apps: VisibleAppStore
    private let calendar: ReportCalendar

    package init(database: OrchardDatabase, cache: MetricsCache, now: @escaping @Sendable () -> Date) {
        store = SubscriptionStore(database: database, cache: cache)
        metrics = MetricsStore(database: database, cache: cache)
        rates = FXRateStore(database: database)
        apps = VisibleAppStore(database: database)
        calendar = ReportCalendar(now: now)
    }

    /// Reads a question from a URL's query for `user`.
    package func question(query: [String: String], user: User) throws(DashboardError) -> Question {
        var range = query
        for name in ["metric", "interval", "groupBy", "device", "subscription"] { range[name] = nil }
        let parsed = try MetricsQuestion(query: range, currency: user.currency, latest: calendar.latestDay)
        func text(_ name: String) -> String? {
            guard let value = query[name]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
            return value
        }
        let subscription = text("subscription")
        if let subscription, subscription.count > 20 || !subscription.allSatisfy(\.isNumber) {
            throw .invalidParameter("subscription must be a Subscription Apple ID (digits), such as 1234567890.")
        }
        var metric = Metric.paid
        if let name = text("metric") {
            guard let known = Metric(rawValue: name) else {
                throw .invalidParameter(
                    "metric must be one of: \(Metric.allCases.map(\.rawValue).joined(separator: ", ")).")
            }
            metric = known
        }
        var interval = MetricsQuestion.Interval.day
        if let name = text("interval") {
            guard let known = MetricsQuestion.Interval(rawValue: name) else {
                throw .invalidParameter(
                    "interval must be one of: \(MetricsQuestion.Interval.allCases.map(\.rawValue).joined(separator: ", "))."
                )
            }
            interval = known
        }
        return Question(range: parsed, subscription: subscription, metric: metric, interval: interval)
    }

    /// The accounts a question reads, and the query it makes of the store.
    package func ask(query: [String: String], user: User, readable known: [MetricsStore.VisibleAccount]?)
        async throws -> (Question, Dashboard.Scope)
    {
        let question = try question(query: query, user: user)
        let readable = try await metrics.visibleAccounts(userID: user.id, known: known)
        return (question, try Dashboard.Scope(account: question.range.account, readable: readable))
    }

    /// Whether any account in scope sells subscriptions (the page is offered when one does).
    package func sellsSubscriptions(_ scope: Dashboard.Scope) async throws -> Bool {
        try await store.hasSubscriptions(accountIDs: scope.ids)
    }

    private func query(_ question: Question, _ scope: Dashboard.Scope, user: User) async throws
        -> SubscriptionStore.Query
    {
        SubscriptionStore.Query(
            accountIDs: scope.ids, from: question.from, to: question.to,
            app: try await appleIdentifier(question.range.app, user: user, scope: scope),
            subscription: question.subscription, country: question.range.country,
            versions: scope.accounts.map(\.version))
    }

    /// The App Apple ID of the `app` filter: the dashboard names apps by SKU, Apple's subscription
    /// reports by Apple ID; either is accepted.
    private func appleIdentifier(_ app: String?, user: User, scope: Dashboard.Scope) async throws -> String? {
        guard let app else { return nil }
        let numbers = Set(scope.accounts.map(\.number))
        let known = try await apps.apps(userID: user.id).first { $0.sku == app && numbers.contains($0.accountNumber) }
        return known?.appleIdentifier ?? app
    }

    /// Days of the range every account in scope holds the report of `type` for.
    private func heldByAll(_ query: SubscriptionStore.Query, type: ReportType) async throws -> Set<ReportDate> {
        let held = try await store.heldDays(query, type: type)
        guard let first = held.values.first else { return [] }
        return held.values.dropFirst().reduce(first) { $0.intersection($1) }
    }

    /// The summary of a question.
    package func summary(_ question: Question, _ scope: Dashboard.Scope, user: User) async throws -> Summary {
        let query = try await query(question, scope, user: user)
        let held = try await heldByAll(query, type: .subscription)
        let asOf = held.max()
        var stock: SubscriptionStore.Stock?
        if let asOf { stock = try await store.stocks(query.over(asOf, asOf))[asOf] ?? SubscriptionStore.Stock() }
        var events = Events()
        for count in try await store.events(query) {
            events.byClass[count.eventClass, default: 0] += count.quantity
            if count.eventClass == .other { events.other[count.event, default: 0] += count.quantity }
        }
        var churnRate: Double?
        let before = question.from.adding(days: -1)
        let previous = query.over(before, before)
        if try await heldByAll(previous, type: .subscription).contains(before) {
            let paid = try await store.stocks(previous)[before]?.paid ?? 0
            if paid > 0 {
                churnRate = Double(events[.voluntaryChurn] + events[.involuntaryChurn]) / Double(paid)
            }
        }
        return Summary(
            from: question.from, to: question.to, asOf: asOf, stock: stock,
            mrr: try await money(stock, on: asOf, currency: question.currency), events: events, churnRate: churnRate)
    }

    /// The rates one question reads, each currency's once per day (a page converts the MRR of
    /// every subscription and country of a day with the same rates).
    package final class RateMemo: @unchecked Sendable {
        var rates: [String: (perEUR: Decimal, day: String?)?] = [:]
        /// Whole ranges of rates read at once, by currency (a series converts every day of a range).
        var ranges: [String: FXRateStore.RatesOfRange] = [:]

        package init() {}
    }

    private func rate(_ code: String, on day: ReportDate, memo: RateMemo) async throws
        -> (perEUR: Decimal, day: String?)?
    {
        if let range = memo.ranges[code] { return range.rate(on: day) }
        let key = "\(code) \(day.isoText)"
        if let known = memo.rates[key] { return known }
        let found = try await rates.rate(code, on: day)
        memo.rates[key] = .some(found)
        return found
    }

    /// MRR of `stock` on `day` in `currency`: each proceeds currency's cents converted with the
    /// day's rates (to the millionth, half-even, as ``FXRateStore/convert(micros:from:to:on:)``),
    /// their sum rounded half-up to the cent.
    package func money(
        _ stock: SubscriptionStore.Stock?, on day: ReportDate?, currency: String, memo: RateMemo = RateMemo()
    ) async throws -> Money {
        guard let stock, let day else {
            return Money(currency: currency, cents: nil, byProceedsCurrency: [], unconverted: [:], rateDay: nil)
        }
        let cents = stock.mrrCents.filter { $0.value != 0 }
        var micros: Int64 = 0
        var unconverted: [String: Int64] = [:]
        var rateDay: String?
        let target = try await rate(currency, on: day, memo: memo)
        for (code, amount) in cents.sorted(by: { $0.key < $1.key }) {
            if code == currency {
                micros += amount * 10_000
                continue
            }
            guard let target, let source = try await rate(code, on: day, memo: memo) else {
                unconverted[code] = amount
                continue
            }
            micros += FXRateStore.converted(amount * 10_000, from: source.perEUR, to: target.perEUR)
            if let date = [source.day, target.day].compactMap({ $0 }).min() { rateDay = min(rateDay ?? date, date) }
        }
        return Money(
            currency: currency, cents: micros >= 0 ? (micros + 5_000) / 10_000 : -((-micros + 5_000) / 10_000),
            byProceedsCurrency: cents.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }, unconverted: unconverted,
            rateDay: rateDay)
    }

    /// Trials started per week (Monday to Sunday, within the range) and the conversions of those
    /// trials, whenever they converted.
    package func cohorts(_ question: Question, _ scope: Dashboard.Scope, user: User) async throws -> [Cohort] {
        let query = try await query(question, scope, user: user)
        var started: [ReportDate: Int64] = [:]
        for count in try await store.events(query) where count.eventClass == .trialStarts {
            started[count.day.mondayOfWeek, default: 0] += count.quantity
        }
        let converted = try await store.conversionsByStartWeek(query)
        var weeks: [Cohort] = []
        var week = question.from.mondayOfWeek
        while week <= question.to {
            weeks.append(Cohort(week: week, started: started[week] ?? 0, converted: converted[week] ?? 0))
            week = week.adding(days: 7)
        }
        return weeks
    }

    /// The trial conversion of a range: conversions of the trials it started, over those trials.
    package static func trialConversion(_ cohorts: [Cohort]) -> Double? {
        let started = cohorts.reduce(0) { $0 + $1.started }
        return started > 0 ? Double(cohorts.reduce(0) { $0 + $1.converted }) / Double(started) : nil
    }

    /// One day of a series or an export: the held counts and MRR, and the day's events.
    package struct Day: Sendable {
        package var day: ReportDate
        package var stock: SubscriptionStore.Stock?
        package var mrr: Money?
        package var events: Events?
    }

    /// Every day of the range with what is held of it.
    package func days(_ question: Question, _ scope: Dashboard.Scope, user: User, withMoney: Bool = true) async throws
        -> [Day]
    {
        let query = try await query(question, scope, user: user)
        let heldStates = try await heldByAll(query, type: .subscription)
        let heldEvents = try await heldByAll(query, type: .subscriptionEvent)
        let stocks = try await store.stocks(query)
        let memo = RateMemo()
        if withMoney { try await preloadRates(stocks.values, question, memo: memo) }
        var eventsByDay: [ReportDate: Events] = [:]
        for count in try await store.events(query) {
            eventsByDay[count.day, default: Events()].byClass[count.eventClass, default: 0] += count.quantity
            if count.eventClass == .other {
                eventsByDay[count.day, default: Events()].other[count.event, default: 0] += count.quantity
            }
        }
        var days: [Day] = []
        var day = question.from
        while day <= question.to {
            let stock = heldStates.contains(day) ? stocks[day] ?? SubscriptionStore.Stock() : nil
            days.append(
                Day(
                    day: day, stock: stock,
                    mrr: withMoney && stock != nil
                        ? try await money(stock, on: day, currency: question.currency, memo: memo) : nil,
                    events: heldEvents.contains(day) ? eventsByDay[day] ?? Events() : nil))
            day = day.adding(days: 1)
        }
        return days
    }

    /// Every day's rates of the question's range, one query per currency (not one per currency and
    /// day), for converting the MRR of `stocks`.
    private func preloadRates(
        _ stocks: some Sequence<SubscriptionStore.Stock>, _ question: Question, memo: RateMemo
    ) async throws {
        let codes = Set(stocks.flatMap(\.mrrTwelfths.keys)).union([question.currency])
        for code in codes.sorted() {
            memo.ranges[code] = try await rates.rates(code, from: question.from, to: question.to)
        }
    }

    /// The question's metric per interval: a stock's value on the interval's last held day, or the
    /// sum of an event over the interval's held days.
    package func series(_ question: Question, _ scope: Dashboard.Scope, user: User) async throws -> [Point] {
        let days = try await days(question, scope, user: user, withMoney: false)
        let memo = RateMemo()
        if question.metric == .mrr { try await preloadRates(days.compactMap(\.stock), question, memo: memo) }
        var points: [Point] = []
        for day in days {
            let start = question.interval.start(of: day.day)
            if points.last?.start != start { points.append(Point(start: start, value: nil)) }
            let index = points.count - 1
            switch question.metric {
            case .paid: if let stock = day.stock { points[index].value = Double(stock.paid) }
            case .trials: if let stock = day.stock { points[index].value = Double(stock.trials) }
            case .mrr:
                if let stock = day.stock {
                    let money = try await money(stock, on: day.day, currency: question.currency, memo: memo)
                    points[index].value = money.cents.map { Double($0) / 100 }
                }
            default:
                if let events = day.events, let eventClass = question.metric.eventClass {
                    points[index].value = (points[index].value ?? 0) + Double(events[eventClass])
                }
            }
        }
        return points
    }
}
