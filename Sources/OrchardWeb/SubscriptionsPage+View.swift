import Foundation
import OrchardApp
import OrchardCore
import OrchardStorage
import Plot
import SalesReports

/// The Subscriptions page (docs/SUBSCRIPTIONS.md): paid subscribers, trials, MRR, churn rate and
/// trial conversion with their change against the previous period, paid and trials by day, the
/// movement that changes them, tables by subscription and by country, the trial cohorts, and each
/// figure's definition one click away.
enum SubscriptionsPage {
    typealias Model = Subscriptions.Page

    /// The figures' definitions, as docs/SUBSCRIPTIONS.md words them.
    static let definitions: [(name: String, text: String)] = [
        (
            "Paid subscribers",
            "From Apple's Subscription report of the last day held: Active Standard Price Subscriptions plus every offer count whose column names Pay Up Front or Pay As You Go."
        ),
        ("Trials", "Every count of the Subscription report whose column names Free Trial, on the last day held."),
        (
            "MRR",
            "Monthly recurring revenue on the last day held: for each row, paid subscribers × Developer Proceeds × the factor that turns the subscription's period into a month (7 days 52/12, 1 month 1, 2 months 1/2, 3 months 1/3, 6 months 1/6, 1 year 1/12); exact, rounded half-up to the cent per proceeds currency, converted with that day's ECB rates."
        ),
        (
            "Churn rate",
            "Voluntary plus involuntary churn over the range (Subscription Event report: Cancel, and events starting Canceled from, except free trials), divided by paid subscribers on the day before the range."
        ),
        (
            "Trial conversion",
            "Of the trials started in the range's weeks that ended at least a week before its last day (events starting Start with offer type Free Trial, and Start Free Trial), the share whose Paid Subscription from … event names a start date in the same week. The cohort table lists every week."
        ),
        (
            "Movement",
            "New paid (Subscribe; Start with offer type Pay Up Front or Pay As You Go; Start Introductory Price), conversions (Paid Subscription from …) and reactivations (Reactivate …) above the axis; voluntary churn (Cancel) and involuntary churn (Canceled from …) below."
        ),
    ]

    static func view(_ model: Model, frame: PageFrame) -> HTMLPage {
        view(problem: model.problem, content: content(model), frame: frame)
    }

    /// The page around content rendered already (a question that read without a problem).
    static func view(content: String, frame: PageFrame) -> HTMLPage {
        view(problem: nil, content: .raw(content), frame: frame)
    }

    private static func view(problem: DashboardError?, content: Node<HTML.BodyContext>, frame: PageFrame) -> HTMLPage {
        HTMLPage(
            title: "Subscriptions", frame: frame,
            content: .div(
                .class("dashboard subscriptions"),
                DashboardPage.tabs(current: .subscriptions, sells: true),
                .h1("Subscriptions"),
                .unwrap(problem.map { WebError($0).message }) {
                    .div(.class("flash error"), .attribute(named: "role", value: "alert"), .text($0))
                },
                content))
    }

    /// Everything ``content(_:)`` shows depends on: the question as asked, its currency and days,
    /// and the readable accounts with their names, statuses and data versions (the picker lists
    /// them; the figures are theirs). Rendered once per key (``CachedAnswer/html(_:cache:render:)``).
    static func contentKey(_ question: Subscriptions.Question, readable: [MetricsStore.VisibleAccount]) -> String {
        let accounts = readable.map { "\($0.id):\($0.version):\($0.status.rawValue):\($0.number):\($0.name)" }
        // The link's parameters leave out the currency (the user's own by default) and name a preset,
        // not its days: both are said here.
        return [
            "subscriptions-page", accounts.joined(separator: "\u{1E}"), question.currency, question.from.isoText,
            question.to.isoText, question.queryString(),
        ].joined(separator: "\u{1F}")
    }

    /// ``content(_:)`` as HTML.
    static func renderedContent(_ model: Model) -> String {
        content(model).render()
    }

    static func content(_ model: Model) -> Node<HTML.BodyContext> {
        guard !model.readable.isEmpty else {
            return .div(
                .class("empty"), .p(.strong("No store data yet.")),
                .p(.text("Connect an App Store Connect account: its subscription figures appear here.")),
                .a(.class("button"), .href(SiteRoute.integrations.path), .text("Open Data Integration")))
        }
        guard model.sells else {
            return .div(
                .class("empty"), .p(.strong("No subscriptions in your reports.")),
                .p(
                    .text(
                        "None of your accounts' apps sells auto-renewable subscriptions in the Subscription reports "
                            + "Orchard holds. Downloads, sales and proceeds are on the overview.")),
                .a(.class("button"), .href(SiteRoute.dashboard.path), .text("Open the overview")))
        }
        return .group(
            rangeLine(model), picker(model), cardList(model), stockChart(model), movementChart(model),
            tables(model), cohortTable(model), exports(model.question), definitionList())
    }

    static func rangeLine(_ model: Model) -> Node<HTML.BodyContext> {
        let question = model.question
        var parts = [
            question.range.preset == .custom ? "Custom range" : question.range.preset.label,
            FigureText.range(question.from, question.to) + " (Apple report days)",
        ]
        if let asOf = model.summary?.asOf {
            parts.append(
                asOf == question.to
                    ? "counts as of \(FigureText.day(asOf, year: false))"
                    : "counts as of \(FigureText.day(asOf, year: false)), the last day held; later days not fetched yet"
            )
        } else {
            parts.append("no day of the range is held yet")
        }
        return .p(.class("range-line"), .text(parts.joined(separator: " · ")))
    }

    static func picker(_ model: Model) -> Node<HTML.BodyContext> {
        let question = model.question
        let path = SiteRoute.subscriptions.path
        let presets: Node<HTML.BodyContext> = .nav(
            .class("presets"), .attribute(named: "aria-label", value: "Date range"),
            .forEach(MetricsQuestion.Preset.allCases.filter { $0 != .custom }) { preset in
                .a(
                    .href(path + question.queryString(["preset": preset.rawValue])),
                    .if(question.range.preset == preset, .attribute(named: "aria-current", value: "true")),
                    .text(preset.label))
            })
        let accounts = model.readable.map { ($0.number, "\($0.name) (\($0.number))") }
        let apps = Dictionary(
            model.products.map { ($0.appAppleID, $0.appName) }, uniquingKeysWith: { first, _ in first }
        )
        .sorted { $0.value < $1.value }.map { ($0.key, $0.value) }
        let products = model.products.map { ($0.subscriptionAppleID, "\($0.subscriptionName) (\($0.appName))") }
        let countries = Set(model.byCountry.map(\.slice.key) + [question.range.country].compactMap { $0 })
            .map { ($0, CountryNames.name(of: $0)) }.sorted { $0.1 < $1.1 }
        var fields: [Node<HTML.FormContext>] = [
            .div(
                .class("field"), .label(.for("filter-from"), .text("From")),
                .input(.type(.date), .id("filter-from"), .name("from"), .attr("value", question.from.isoText))),
            .div(
                .class("field"), .label(.for("filter-to"), .text("To")),
                .input(.type(.date), .id("filter-to"), .name("to"), .attr("value", question.to.isoText))),
        ]
        if model.readable.count > 1 {
            fields.append(
                DashboardPage.select(
                    "account", "Account", all: "All accounts", accounts, selected: question.range.account))
        }
        fields.append(DashboardPage.select("app", "App", all: "All apps", apps, selected: question.range.app))
        fields.append(
            DashboardPage.select(
                "subscription", "Subscription", all: "All subscriptions", products, selected: question.subscription))
        fields.append(
            DashboardPage.select(
                "country", "Country", all: "All countries", countries, selected: question.range.country))
        if question.interval != .day {
            fields.append(.input(.type(.hidden), .name("interval"), .attr("value", question.interval.rawValue)))
        }
        fields.append(.button(.type(.submit), .text("Apply")))
        fields.append(.a(.class("clear"), .href(SiteRoute.subscriptions.path), .text("Clear")))
        return .div(
            .class("picker"), presets,
            .form(.class("filters"), .method(.get), .action(SiteRoute.subscriptions.path), .group(fields)))
    }

    // MARK: - Cards

    struct Card {
        var name: String
        var value: String
        /// An amount of money, shown short from 100,000 (``DashboardPage/moneyFigure(_:currency:)``).
        var money: Double? = nil
        var now: Double?
        var before: Double?
        /// More is bad news (churn).
        var lowerIsBetter = false
        var definition: String
    }

    static func cardList(_ model: Model) -> Node<HTML.BodyContext> {
        let summary = model.summary
        let previous = model.previous
        let currency = model.question.currency
        let conversion = Subscriptions.trialConversion(settled(model.cohorts, to: model.question.to))
        let previousConversion = model.previous.flatMap {
            Subscriptions.trialConversion(settled(model.previousCohorts, to: $0.to))
        }
        func definition(_ name: String) -> String { definitions.first { $0.name == name }?.text ?? "" }
        let cards = [
            Card(
                name: "Paid subscribers", value: summary?.stock.map { FigureText.count(Double($0.paid)) } ?? "—",
                now: summary?.stock.map { Double($0.paid) }, before: previous?.stock.map { Double($0.paid) },
                definition: definition("Paid subscribers")),
            Card(
                name: "Trials", value: summary?.stock.map { FigureText.count(Double($0.trials)) } ?? "—",
                now: summary?.stock.map { Double($0.trials) }, before: previous?.stock.map { Double($0.trials) },
                definition: definition("Trials")),
            Card(
                name: "MRR", value: "—", money: summary?.mrr.cents.map { Double($0) / 100 },
                now: summary?.mrr.cents.map { Double($0) }, before: previous?.mrr.cents.map { Double($0) },
                definition: definition("MRR")),
            Card(
                name: "Churn rate", value: summary?.churnRate.map(percent) ?? "—", now: summary?.churnRate,
                before: previous?.churnRate, lowerIsBetter: true, definition: definition("Churn rate")),
            Card(
                name: "Trial conversion", value: conversion.map(percent) ?? "—", now: conversion,
                before: previousConversion, definition: definition("Trial conversion")),
        ]
        return .ul(
            .class("cards"),
            .forEach(cards) { card in
                .li(
                    .class("card"),
                    .div(
                        .class("card-body"), .attr("title", card.definition),
                        .span(
                            .class("card-name"), .text(card.name),
                            .a(
                                .class("info"), .href("#definitions"),
                                .attr("aria-label", "What \(card.name) counts"), .text("i"))),
                        card.money.map { DashboardPage.moneyFigure($0, currency: currency) }
                            ?? .span(.class("figure num"), .text(card.value)),
                        delta(card)))
            })
    }

    /// The cohorts whose week ended at least a week before `to`: their trials (of the commonest
    /// length) have all ended, so the card does not count trials still running as lost.
    static func settled(_ cohorts: [Subscriptions.Cohort], to: ReportDate) -> [Subscriptions.Cohort] {
        cohorts.filter { $0.week.adding(days: 13) <= to }
    }

    static func percent(_ value: Double) -> String {
        String(format: "%.1f%%", value * 100)
    }

    static func delta(_ card: Card) -> Node<HTML.BodyContext> {
        guard let now = card.now, let before = card.before, before != 0 else {
            return .span(.class("delta flat"), .text(card.before == nil ? "" : "new"))
        }
        let change = ((now - before) / abs(before) * 1000).rounded() / 10
        if change == 0 { return .span(.class("delta flat"), .text("no change")) }
        let good = card.lowerIsBetter ? change < 0 : change > 0
        let text = String(format: "%.1f%%", abs(change)).replacingOccurrences(of: ".0%", with: "%")
        return .span(
            .class("delta \(good ? "up" : "down")"),
            .attribute(named: "title", value: "Against the previous period of the same length"),
            .text((change > 0 ? "▲ +" : "▼ −") + text))
    }

    // MARK: - Charts

    static func slots(_ model: Model) -> [(start: ReportDate, days: [Subscriptions.Day])] {
        var slots: [(start: ReportDate, days: [Subscriptions.Day])] = []
        for day in model.days {
            let start = model.question.interval.start(of: day.day)
            if slots.last?.start == start {
                slots[slots.count - 1].days.append(day)
            } else {
                slots.append((start, [day]))
            }
        }
        return slots
    }

    static func label(_ start: ReportDate, interval: MetricsQuestion.Interval) -> Chart.Slot {
        let label =
            switch interval {
            case .month: FigureText.day(start).split(separator: " ").dropFirst().joined(separator: " ")
            case .fiscalMonth: FiscalPeriod(containing: start).name
            case .day, .week: FigureText.day(start, year: false)
            }
        return Chart.Slot(
            label: label, detail: interval == .day ? FigureText.day(start) : "from \(FigureText.day(start))")
    }

    static func intervals(_ question: Subscriptions.Question) -> Node<HTML.BodyContext> {
        .nav(
            .class("intervals"), .attribute(named: "aria-label", value: "Interval"),
            .forEach(MetricsQuestion.Interval.allCases) { interval in
                .a(
                    .href(SiteRoute.subscriptions.path + question.queryString(["interval": interval.rawValue])),
                    .if(question.interval == interval, .attribute(named: "aria-current", value: "true")),
                    .text(interval.label))
            })
    }

    /// Paid and trials: each interval's last held day.
    static func stockChart(_ model: Model) -> Node<HTML.BodyContext> {
        let slots = slots(model)
        let last = slots.map { $0.days.last { $0.stock != nil }?.stock }
        let paid = last.map { $0.map { Double($0.paid) } }
        let trials = last.map { $0.map { Double($0.trials) } }
        let labels = slots.map { label($0.start, interval: model.question.interval) }
        let chart = Chart(
            kind: .line, title: "Paid subscribers and trials",
            summary:
                "Paid subscribers and trials from \(FigureText.range(model.question.from, model.question.to)); "
                + "\(paid.compactMap { $0 }.count) of \(slots.count) \(model.question.interval.rawValue)s held; the table below lists every value.",
            slots: labels,
            series: [Chart.Series(name: "Paid", values: paid), Chart.Series(name: "Trials", values: trials)],
            format: { FigureText.count($0) }, axisNote: "Apple report days · the last day held of each interval",
            id: "subscribers")
        return .section(
            .class("panel chart-panel"),
            .div(.class("panel-head"), .h2("Paid subscribers and trials"), intervals(model.question)),
            .div(.class("chart"), .raw(chart.svg())),
            .details(
                .summary("Values as a table"),
                .div(
                    .class("scroll"),
                    .table(
                        .thead(.tr(.th("Period"), .th(.class("num"), "Paid"), .th(.class("num"), "Trials"))),
                        .tbody(
                            .forEach(Array(zip(labels, last))) { slot, stock in
                                .tr(
                                    .td(.text(slot.detail)),
                                    .td(
                                        .class("num"),
                                        .text(stock.map { FigureText.count(Double($0.paid)) } ?? "not held yet")),
                                    .td(
                                        .class("num"),
                                        .text(stock.map { FigureText.count(Double($0.trials)) } ?? "not held yet")))
                            })))))
    }

    /// The events that start and end paid subscriptions, per interval.
    static func movementChart(_ model: Model) -> Node<HTML.BodyContext> {
        let slots = slots(model)
        let kinds: [(String, SubscriptionDefinitions.EventClass, Double)] = [
            ("New paid", .newPaid, 1), ("Conversions", .conversions, 1), ("Reactivations", .reactivations, 1),
            ("Voluntary churn", .voluntaryChurn, -1), ("Involuntary churn", .involuntaryChurn, -1),
        ]
        let values: [[Double?]] = kinds.map { _, eventClass, sign in
            slots.map { slot in
                let held = slot.days.compactMap(\.events)
                return held.isEmpty ? nil : sign * Double(held.reduce(0) { $0 + $1[eventClass] })
            }
        }
        let labels = slots.map { label($0.start, interval: model.question.interval) }
        let chart = Chart(
            kind: .bar, title: "Movement",
            summary:
                "New paid, conversions and reactivations above the axis, voluntary and involuntary churn below, by "
                + "\(model.question.interval.rawValue); the table below lists every value.",
            slots: labels, series: zip(kinds, values).map { Chart.Series(name: $0.0.0, values: $0.1) },
            format: { FigureText.count($0) }, axisNote: "Apple report days · by Event Date", id: "movement")
        return .section(
            .class("panel chart-panel"),
            .div(.class("panel-head"), .h2("Movement"), intervals(model.question)),
            .div(.class("chart"), .raw(chart.svg())),
            .details(
                .summary("Values as a table"),
                .div(
                    .class("scroll"),
                    .table(
                        .thead(
                            .tr(.th("Period"), .forEach(kinds) { kind in .th(.class("num"), .text(kind.0)) })),
                        .tbody(
                            .forEach(Array(labels.enumerated())) { index, slot in
                                .tr(
                                    .td(.text(slot.detail)),
                                    .forEach(values) { series in
                                        .td(
                                            .class("num"),
                                            .text(series[index].map { FigureText.count(abs($0)) } ?? "not held yet"))
                                    })
                            })))))
    }

    // MARK: - Tables

    static func tables(_ model: Model) -> Node<HTML.BodyContext> {
        let currency = model.question.currency
        func table(_ title: String, _ rows: [(slice: SubscriptionStore.Slice, mrr: Subscriptions.Money)], country: Bool)
            -> Node<HTML.BodyContext>
        {
            .section(
                .class("panel"),
                .h2(.text(title)),
                rows.isEmpty
                    ? .p(.class("hint"), .text("Nothing held for the last day of the range yet."))
                    : .div(
                        .class("scroll"),
                        .table(
                            .thead(
                                .tr(
                                    .th(.text(country ? "Country" : "Subscription")), .th(.class("num"), "Paid"),
                                    .th(.class("num"), "Trials"), .th(.class("num"), "Billing retry"),
                                    .th(.class("num"), "Grace period"), .th(.class("num"), .text("MRR (\(currency))")))),
                            .tbody(
                                .forEach(rows) { row in
                                    .tr(
                                        .td(.text(country ? CountryNames.name(of: row.slice.key) : row.slice.name)),
                                        .td(.class("num"), .text(FigureText.count(Double(row.slice.stock.paid)))),
                                        .td(.class("num"), .text(FigureText.count(Double(row.slice.stock.trials)))),
                                        .td(
                                            .class("num"), .text(FigureText.count(Double(row.slice.stock.billingRetry)))
                                        ),
                                        .td(
                                            .class("num"), .text(FigureText.count(Double(row.slice.stock.gracePeriod)))),
                                        .td(
                                            .class("num"),
                                            .text(
                                                (row.mrr.cents.map { FigureText.money(Double($0) / 100, currency) }
                                                    ?? "—")
                                                    + (row.mrr.unconverted.isEmpty ? "" : " (some not converted)"))))
                                }))))
        }
        return .div(
            .class("tables"), table("By subscription", model.bySubscription, country: false),
            table("By country", Array(model.byCountry.prefix(20)), country: true))
    }

    static func cohortTable(_ model: Model) -> Node<HTML.BodyContext> {
        .section(
            .class("panel"),
            .h2("Trial cohorts"),
            .p(
                .class("hint"),
                .text(
                    "Trials started each week (Monday to Sunday) and how many of them became paid, whenever they did.")),
            .div(
                .class("scroll"),
                .table(
                    .thead(
                        .tr(
                            .th("Week"), .th(.class("num"), "Trials started"), .th(.class("num"), "Converted"),
                            .th(.class("num"), "Conversion"))),
                    .tbody(
                        .forEach(model.cohorts) { week in
                            .tr(
                                .td(.text(FigureText.range(week.week, week.week.adding(days: 6)))),
                                .td(.class("num"), .text(FigureText.count(Double(week.started)))),
                                .td(.class("num"), .text(FigureText.count(Double(week.converted)))),
                                .td(.class("num"), .text(week.rate.map(percent) ?? "—")))
                        }))))
    }

    static func exports(_ question: Subscriptions.Question) -> Node<HTML.BodyContext> {
        let query = question.queryString()
        return .p(
            .class("exports"),
            .a(.href(SiteRoute.api(.subscriptionsExport).path + query), .text("Download CSV")),
            .text(" · "),
            .a(.href(SiteRoute.api(.subscriptionsSummary).path + query), .text("JSON summary")),
            .text(" · "),
            .a(.href(SiteRoute.api(.subscriptionsCohorts).path + query), .text("JSON cohorts")))
    }

    static func definitionList() -> Node<HTML.BodyContext> {
        .section(
            .class("panel"), .id("definitions"),
            .h2("What each figure counts"),
            .dl(
                .forEach(definitions) { definition in
                    .group(.dt(.text(definition.name)), .dd(.text(definition.text)))
                }),
            .p(
                .class("hint"),
                .text(
                    "From Apple's daily Subscription and Subscription Event reports, which Apple publishes hours after the "
                        + "sales report: a day not fetched yet is a gap, never a zero.")))
    }
}
