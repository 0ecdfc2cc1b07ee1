import Foundation
import OrchardApp
import OrchardCore
import OrchardStorage
import Plot
import SalesReports

/// The dashboard's the cards with their change, and the chart.
extension DashboardPage {
    // MARK: - Cards

    static func cardList(_ model: Model) -> Node<HTML.BodyContext> {
        guard let totals = model.totals else { return .empty }
        let question = model.question
        return .ul(
            .class("cards"),
            .forEach(cards) { metric in
                let value = totals.value(of: metric)
                let before = model.previous?.value(of: metric)
                let selected = question.metric == metric
                return .li(
                    .class(selected ? "card selected" : "card"),
                    .a(
                        .href(SiteRoute.dashboard.path + question.queryString(["metric": metric.rawValue])),
                        .if(selected, .attribute(named: "aria-current", value: "true")),
                        .attr("title", definition(metric)),
                        .span(
                            .class("card-name"), .text(name(metric)),
                            .span(.class("info"), .attribute(named: "aria-hidden", value: "true"), .text("i"))),
                        figure(value, metric: metric, currency: question.currency),
                        delta(value, before, metric: metric)))
            })
    }

    /// A card's figure: exact, or for 100,000 and more of money a short form with the exact amount
    /// on hover (the table, the CSV and the API have it to the cent).
    static func figure(_ value: Double, metric: MetricsStore.Metric, currency: String) -> Node<
        HTML.AnchorContext
    > {
        let exact = FigureText.value(value, metric: metric, currency: currency)
        guard metric.isMoney else { return .span(.class("figure num"), .text(exact)) }
        return moneyFigure(value, currency: currency)
    }

    /// An amount of money on a card: exact, or from 100,000 a short form with the exact amount on
    /// hover (a card is narrow on a phone).
    static func moneyFigure<Context: HTML.BodyContext>(_ value: Double, currency: String) -> Node<Context> {
        let exact = FigureText.money(value, currency)
        guard abs(value) >= 100_000 else { return .span(.class("figure num"), .text(exact)) }
        let (scaled, suffix) = abs(value) >= 1_000_000 ? (value / 1_000_000, "M") : (value / 1_000, "k")
        var short = FigureText.money(scaled, currency)
        if short.hasSuffix(" " + currency) {
            short = String(short.dropLast(currency.count + 1)) + suffix + " " + currency
        } else {
            short += suffix
        }
        return .span(.class("figure num"), .attr("title", exact), .text(short))
    }

    /// The change against the previous period: an arrow, a sign and a colour (never colour alone).
    static func delta(_ value: Double, _ before: Double?, metric: MetricsStore.Metric) -> Node<
        HTML.AnchorContext
    > {
        guard let before, before != 0 else {
            return .span(.class("delta flat"), .text(before == nil ? "" : value == 0 ? "no change" : "new"))
        }
        let change = (value - before) / abs(before) * 100
        let rounded = (change * 10).rounded() / 10
        // More returns is bad news.
        let good = metric == .returns ? rounded < 0 : rounded > 0
        let text = String(format: "%.1f%%", abs(rounded)).replacingOccurrences(of: ".0%", with: "%")
        if rounded == 0 { return .span(.class("delta flat"), .text("no change")) }
        return .span(
            .class("delta \(good ? "up" : "down")"),
            .attribute(named: "title", value: "Against the previous period of the same length"),
            .text((rounded > 0 ? "▲ +" : "▼ −") + text))
    }

    // MARK: - Chart

    static func chart(_ model: Model) -> Node<HTML.BodyContext> {
        guard let series = model.series else { return .empty }
        let question = model.question
        let metric = question.metric
        let currency = question.currency
        let slots = series.points.map { point -> Chart.Slot in
            let end = min(question.interval.end(from: point.start), question.to)
            let label =
                switch question.interval {
                case .month: FigureText.day(point.start).split(separator: " ").dropFirst().joined(separator: " ")
                case .fiscalMonth: FiscalPeriod(containing: point.start).name
                case .day, .week: FigureText.day(point.start, year: false)
                }
            let detail =
                question.interval == .day
                ? FigureText.day(point.start) : FigureText.range(max(point.start, question.from), end)
            // Money says which day's ECB rate converted it (the older one when two were needed).
            let rate = metric.isMoney ? point.totals?.firstRateDay.flatMap { ReportDate($0) } : nil
            return Chart.Slot(
                label: label,
                detail: detail + (point.partial ? " (partly known)" : "")
                    + (rate.map { " · ECB rate of \(FigureText.day($0))" } ?? ""))
        }
        let known = series.points.compactMap(\.value)
        let chart = Chart(
            kind: question.interval == .day ? .line : .bar,
            title: "\(name(metric)) by \(question.interval.rawValue)",
            summary:
                "\(name(metric)) from \(FigureText.range(question.from, question.to)), \(known.count) of \(series.points.count) "
                + "\(question.interval.rawValue)s known; the table below lists every value.",
            slots: slots,
            series: [Chart.Series(name: name(metric), values: series.points.map(\.value))],
            format: { FigureText.compact($0, metric: metric, currency: currency) },
            axisNote: "Apple report days" + (metric.isMoney ? " · \(currency) at ECB reference rates" : ""))
        return .section(
            .class("panel chart-panel"),
            .div(
                .class("panel-head"),
                .h2(.text("\(name(metric)) by \(question.interval.rawValue)")),
                .nav(
                    .class("intervals"), .attribute(named: "aria-label", value: "Interval"),
                    .forEach(MetricsQuestion.Interval.allCases) { interval in
                        .a(
                            .href(SiteRoute.dashboard.path + question.queryString(["interval": interval.rawValue])),
                            .if(question.interval == interval, .attribute(named: "aria-current", value: "true")),
                            .text(interval.label))
                    })),
            .div(.class("chart"), .raw(chart.svg())),
            rateNote(model),
            .details(
                .summary("Values as a table"),
                .div(
                    .class("scroll"),
                    .table(
                        .thead(.tr(.th("Period"), .th(.class("num"), .text(name(metric))))),
                        .tbody(
                            .forEach(Array(zip(slots, series.points))) { slot, point in
                                .tr(
                                    .td(.text(slot.detail)),
                                    .td(
                                        .class("num"),
                                        .text(
                                            point.value.map { FigureText.value($0, metric: metric, currency: currency) }
                                                ?? "not known yet")))
                            })))))
    }

    static func rateNote(_ model: Model) -> Node<HTML.BodyContext> {
        // Sales and proceeds are on the cards whatever the chart shows: the note is always there.
        guard let totals = model.totals, let first = totals.firstRateDay, let last = totals.lastRateDay,
            let firstDay = ReportDate(first), let lastDay = ReportDate(last)
        else { return .empty }
        return .p(
            .class("hint"),
            .text(
                "Money in \(model.question.currency), converted with the ECB reference rates of "
                    + "\(FigureText.range(firstDay, lastDay)) (each report day uses the nearest earlier published rate). "
            ),
            .a(.href(SiteRoute.account.path), .text("Change currency")))
    }
}
