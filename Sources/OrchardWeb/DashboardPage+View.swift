import Foundation
import OrchardCore
import OrchardStorage
import Plot
import SalesReports

/// The metrics dashboard: cards with the change against the previous period, a chart of the chosen
/// metric, the top apps, countries and devices, and what to do when there is nothing to show yet.
enum DashboardPage {
    struct Model: Sendable {
        var question: MetricsQuestion
        var integrations: [IntegrationsPage.Row]
        var serviceAppleID: String?
        var checkSeconds: Int
        var retentionDays: Int
        var now: Date
        var latest: ReportDate
        var readable: [MetricsStore.VisibleAccount] = []
        var apps: [VisibleApp] = []
        var scope: [MetricsStore.VisibleAccount] = []
        var totals: MetricsStore.Totals?
        var previous: MetricsStore.Totals?
        var series: StoreMetrics.Series?
        var coverage: MetricsStore.Coverage?
        var breakdowns: [MetricSlices.Dimension: [MetricsStore.Row]] = [:]
        /// The in-app purchases of the app of an app's page.
        var products: [MetricsStore.ProductRow] = []
        /// Why the link's parameters were not used.
        var problem: String?

        var appTitle: String? {
            question.app.map { sku in apps.first { $0.sku == sku }?.title ?? sku }
        }
    }

    /// The cards, in the order a publisher reads them.
    static let cards: [MetricsStore.Metric] = [
        .downloads, .redownloads, .updates, .inAppPurchases, .returns, .sales, .proceeds,
    ]

    static func name(_ metric: MetricsStore.Metric) -> String {
        switch metric {
        case .downloads: "Downloads"
        case .redownloads: "Re-downloads"
        case .updates: "Updates"
        case .inAppPurchases: "In-app purchases"
        case .restores: "Restores"
        case .other: "Other units"
        case .returns: "Returns"
        case .proceeds: "Proceeds"
        case .sales: "Sales"
        }
    }

    /// What a figure counts (APPLE.md section 0), shown as the card's tooltip.
    static func definition(_ metric: MetricsStore.Metric) -> String {
        let estimate = " Sales and Trends figures are Apple's estimates; financial reports are final."
        let text: String =
            switch metric {
            case .downloads:
                "First-time downloads and purchases of the app (product types 1, 1F, 1T, F1, …), net of refunds."
            case .redownloads: "Downloads by people who had the app before (types 3, 3F, 3T, F3), net of refunds."
            case .updates: "App updates (types 7, 7F, 7T, F7)."
            case .inAppPurchases:
                "In-app purchases and subscriptions (IA1, IA9, IAY, IAC, FI1, …), net of refunds; restores are not counted."
            case .restores: "Restored in-app purchases (IA3)."
            case .other: "Units of product types not counted above."
            case .returns: "Units refunded: the sum of negative units, whatever their type."
            case .proceeds:
                "What Apple pays you: units × developer proceeds per unit, refunds subtracted, converted with the ECB rate of each report day."
            case .sales:
                "What customers paid: units × customer price, refunds subtracted, converted with the ECB rate of each report day."
            }
        return text + estimate
    }

    static func view(_ model: Model, frame: PageFrame) -> HTMLPage {
        let question = model.question
        let title = model.appTitle ?? "Overview"
        return HTMLPage(
            title: title, frame: frame,
            content: .div(
                .class("dashboard"),
                .h1(.text(title)),
                .unwrap(model.problem) {
                    .div(.class("flash error"), .attribute(named: "role", value: "alert"), .text($0))
                },
                model.readable.isEmpty
                    ? emptyState(model, frame: frame)
                    : .group(
                        rangeLine(model),
                        picker(model),
                        notices(model),
                        cardList(model),
                        chart(model),
                        breakdowns(model),
                        products(model),
                        exports(question))))
    }

    // MARK: - Empty states

    private static func emptyState(_ model: Model, frame: PageFrame) -> Node<HTML.BodyContext> {
        let integrationsModel = IntegrationsPage.Model(
            rows: model.integrations, serviceAppleID: model.serviceAppleID, checkSeconds: model.checkSeconds,
            now: model.now)
        guard !model.integrations.isEmpty else {
            return .div(
                .class("empty"),
                .p(.strong("No store data yet.")),
                .p(
                    .text(
                        "Connect an App Store Connect account: Orchard then loads a year of history and keeps your "
                            + "downloads, sales and proceeds current every day.")),
                .a(
                    .class("button"), .href(SiteRoute.funnelToken.path), .data(named: "dialog", value: "funnel"),
                    .text("Connect App Store Connect")))
        }
        return .div(
            .class("empty"),
            .p(.strong("Nothing to show yet.")),
            .ul(
                .class("plain"),
                .forEach(model.integrations) { row in
                    .li(
                        .span(
                            .class("badge \(row.integration.status.rawValue)"),
                            .text(IntegrationsPage.label(row.integration.status))),
                        .text(" \(row.integration.accountName) (\(row.integration.accountNumber)): "),
                        .text(IntegrationsPage.sentence(row, model: integrationsModel)))
                }),
            .a(.href(SiteRoute.integrations.path), .text("Open Data Integration")))
    }

    // MARK: - Range, filters and notices

    private static func rangeLine(_ model: Model) -> Node<HTML.BodyContext> {
        let question = model.question
        var parts = [
            question.preset == .custom ? "Custom range" : question.preset.label,
            Figures.range(question.from, question.to) + " (Apple report days)",
        ]
        if let coverage = model.coverage {
            if coverage.isComplete {
                parts.append("complete through \(Figures.day(question.to, year: false))")
            } else if let through = coverage.completeThrough {
                parts.append("complete through \(Figures.day(through, year: false)); later days not fetched yet")
            } else {
                parts.append("partly unknown: some days are not fetched yet")
            }
        }
        // With several accounts, each says how far it is complete when they differ.
        let accounts = model.scope.compactMap { account in
            model.coverage.map { (account, $0.completeThrough(account.id)) }
        }
        let differ = Set(accounts.map { $0.1?.isoText ?? "" }).count > 1
        return .group(
            .p(.class("range-line"), .text(parts.joined(separator: " · "))),
            .if(
                differ,
                .p(
                    .class("hint"),
                    .text(
                        accounts.map { account, through in
                            "\(account.name): "
                                + (through.map { "complete through \(Figures.day($0, year: false))" }
                                    ?? "first day not fetched yet")
                        }.joined(separator: " · ")))))
    }

    private static func picker(_ model: Model) -> Node<HTML.BodyContext> {
        let question = model.question
        let presets: Node<HTML.BodyContext> = .nav(
            .class("presets"), .attribute(named: "aria-label", value: "Date range"),
            .forEach(MetricsQuestion.Preset.allCases.filter { $0 != .custom }) { preset in
                .a(
                    .href(SiteRoute.dashboard.path + question.queryString(["preset": preset.rawValue])),
                    .if(question.preset == preset, .attribute(named: "aria-current", value: "true")),
                    .text(preset.label))
            })
        return .div(.class("picker"), presets, filters(model))
    }

    private static func option(_ value: String, _ label: String, selected: String?) -> Node<HTML.SelectContext> {
        // Plot's `option` closes itself; an option element needs its label as content.
        .element(
            named: "option",
            nodes: [
                .attribute(named: "value", value: value),
                value == (selected ?? "") ? .attribute(named: "selected", value: "selected") : .empty, .text(label),
            ])
    }

    private static func select(
        _ name: String, _ label: String, all: String, _ choices: [(String, String)], selected: String?
    ) -> Node<HTML.FormContext> {
        let options: [Node<HTML.SelectContext>] =
            [option("", all, selected: selected)] + choices.map { option($0.0, $0.1, selected: selected) }
        return .div(
            .class("field"), .label(.for("filter-\(name)"), .text(label)),
            .select(.id("filter-\(name)"), .attribute(named: "name", value: name), .group(options)))
    }

    private static func filters(_ model: Model) -> Node<HTML.BodyContext> {
        let question = model.question
        func keys(_ dimension: MetricSlices.Dimension, _ chosen: String?) -> [(String, String)] {
            let found = (model.breakdowns[dimension] ?? []).compactMap(\.key)
            let codes = Array(Set(found + [chosen].compactMap { $0 }))
            let choices = codes.map { code in (code, dimension == .country ? CountryNames.name(of: code) : code) }
            return choices.sorted { $0.1 < $1.1 }
        }
        let accounts = model.readable.map { ($0.number, "\($0.name) (\($0.number))") }
        let apps = model.apps.map { ($0.sku, $0.title ?? $0.sku) }
        var fields: [Node<HTML.FormContext>] = [
            .div(
                .class("field"), .label(.for("filter-from"), .text("From")),
                .input(.type(.date), .id("filter-from"), .name("from"), .value(question.from.isoText))),
            .div(
                .class("field"), .label(.for("filter-to"), .text("To")),
                .input(.type(.date), .id("filter-to"), .name("to"), .value(question.to.isoText))),
        ]
        if model.readable.count > 1 {
            fields.append(select("account", "Account", all: "All accounts", accounts, selected: question.account))
        }
        fields.append(select("app", "App", all: "All apps", apps, selected: question.app))
        fields.append(
            select(
                "country", "Country", all: "All countries", keys(.country, question.country), selected: question.country
            ))
        fields.append(
            select("device", "Device", all: "All devices", keys(.device, question.device), selected: question.device))
        if question.metric != .downloads {
            fields.append(.input(.type(.hidden), .name("metric"), .value(question.metric.rawValue)))
        }
        if question.interval != .day {
            fields.append(.input(.type(.hidden), .name("interval"), .value(question.interval.rawValue)))
        }
        fields.append(.button(.type(.submit), .text("Apply")))
        fields.append(.a(.class("clear"), .href(SiteRoute.dashboard.path), .text("Clear")))
        return .form(.class("filters"), .method(.get), .action(SiteRoute.dashboard.path), .group(fields))
    }

    private static func notices(_ model: Model) -> Node<HTML.BodyContext> {
        let removed = model.readable.filter { $0.status == "removed" }
        let active = model.integrations.filter { $0.integration.status == .active }
        let loading = active.filter { row in
            guard let backfill = row.account?.backfill else { return false }
            return backfill.total > 0 && backfill.done < backfill.total
        }
        let unconverted = (model.totals?.unconvertedProceeds.keys.sorted() ?? [])
        // Accounts not in the figures yet, or no longer coming: each says why and what to do.
        let waiting = model.integrations.filter {
            $0.integration.status == .pending || $0.integration.status == .expired
        }
        let integrationsModel = IntegrationsPage.Model(
            rows: model.integrations, serviceAppleID: model.serviceAppleID, checkSeconds: model.checkSeconds,
            now: model.now)
        return .group(
            .forEach(removed) { account in
                let until = account.revokedAt.map { $0.addingTimeInterval(Double(model.retentionDays) * 86_400) }
                return .div(
                    .class("notice removed"), .attribute(named: "role", value: "note"),
                    .text(
                        "\(account.name) (\(account.number)) is removed"
                            + (account.revokedAt.map { " since \(Self.date($0))" } ?? "") + ": "
                            + (account.statusReason ?? "The service user no longer sees it.")
                            + " Its figures stay readable"
                            + (until.map { " until \(Self.date($0))" } ?? "") + ", then they are deleted."),
                    .a(.href(SiteRoute.integrations.path), .text(" Data Integration")))
            },
            .forEach(waiting) { row in
                .div(
                    .class("notice"), .attribute(named: "role", value: "note"),
                    .span(
                        .class("badge \(row.integration.status.rawValue)"),
                        .text(IntegrationsPage.label(row.integration.status))),
                    .text(
                        " \(row.integration.accountName) (\(row.integration.accountNumber)): "
                            + IntegrationsPage.sentence(row, model: integrationsModel)),
                    .a(.href(SiteRoute.integrations.path), .text(" Data Integration")))
            },
            .forEach(loading) { row in
                .div(
                    .class("notice loading"),
                    .text("Loading the history of \(row.integration.accountName): "),
                    IntegrationsPage.progress(row),
                    .text(" Days not loaded yet are gaps in the charts, never zeros."))
            },
            .if(
                !unconverted.isEmpty,
                .div(
                    .class("notice"),
                    .text(
                        "Not converted: "
                            + unconverted.map {
                                Figures.decimal(micros: model.totals?.unconvertedProceeds[$0] ?? 0) + " " + $0
                            }.joined(separator: ", ")
                            + " of proceeds. The ECB publishes no current rate for "
                            + (unconverted.count == 1 ? "this currency" : "these currencies")
                            + ", so they are shown in their own currency and left out of the totals in "
                            + model.question.currency + "."))))
    }

    private static func date(_ date: Date) -> String {
        Figures.day(ReportDate(dayNumber: Int((date.timeIntervalSince1970 / 86_400).rounded(.down))))
    }

    // MARK: - Cards

    private static func cardList(_ model: Model) -> Node<HTML.BodyContext> {
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
                        .attribute(named: "title", value: definition(metric)),
                        .span(
                            .class("card-name"), .text(name(metric)),
                            .span(.class("info"), .attribute(named: "aria-hidden", value: "true"), .text("i"))),
                        figure(value, metric: metric, currency: question.currency),
                        delta(value, before, metric: metric)))
            })
    }

    /// A card's figure: exact, or for 100,000 and more of money a short form with the exact amount
    /// on hover (the table, the CSV and the API have it to the cent).
    private static func figure(_ value: Double, metric: MetricsStore.Metric, currency: String) -> Node<
        HTML.AnchorContext
    > {
        let exact = Figures.value(value, metric: metric, currency: currency)
        guard metric.isMoney, abs(value) >= 100_000 else { return .span(.class("figure num"), .text(exact)) }
        let (scaled, suffix) = abs(value) >= 1_000_000 ? (value / 1_000_000, "M") : (value / 1_000, "k")
        var short = Figures.money(scaled, currency)
        if short.hasSuffix(" " + currency) {
            short = String(short.dropLast(currency.count + 1)) + suffix + " " + currency
        } else {
            short += suffix
        }
        return .span(.class("figure num"), .attribute(named: "title", value: exact), .text(short))
    }

    /// The change against the previous period: an arrow, a sign and a colour (never colour alone).
    private static func delta(_ value: Double, _ before: Double?, metric: MetricsStore.Metric) -> Node<
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

    private static func chart(_ model: Model) -> Node<HTML.BodyContext> {
        guard let series = model.series else { return .empty }
        let question = model.question
        let metric = question.metric
        let currency = question.currency
        let slots = series.points.map { point -> Chart.Slot in
            let end: ReportDate =
                switch question.interval {
                case .day: point.start
                case .week: min(point.start.adding(days: 6), question.to)
                case .month:
                    min(
                        MetricsQuestion.Interval.month.start(of: point.start.adding(days: 31)).adding(days: -1),
                        question.to)
                }
            let label =
                question.interval == .month
                ? Figures.day(point.start).split(separator: " ").dropFirst().joined(separator: " ")
                : Figures.day(point.start, year: false)
            let detail =
                question.interval == .day
                ? Figures.day(point.start) : Figures.range(max(point.start, question.from), end)
            // Money says which day's ECB rate converted it (the older one when two were needed).
            let rate = metric.isMoney ? point.totals?.firstRateDay.flatMap { ReportDate($0) } : nil
            return Chart.Slot(
                label: label,
                detail: detail + (point.partial ? " (partly known)" : "")
                    + (rate.map { " · ECB rate of \(Figures.day($0))" } ?? ""))
        }
        let known = series.points.compactMap(\.value)
        let chart = Chart(
            kind: question.interval == .day ? .line : .bar,
            title: "\(name(metric)) by \(question.interval.rawValue)",
            summary:
                "\(name(metric)) from \(Figures.range(question.from, question.to)), \(known.count) of \(series.points.count) "
                + "\(question.interval.rawValue)s known; the table below lists every value.",
            slots: slots,
            series: [Chart.Series(name: name(metric), values: series.points.map(\.value))],
            format: { Figures.compact($0, metric: metric, currency: currency) },
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
                            .text(interval.rawValue.capitalized))
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
                                            point.value.map { Figures.value($0, metric: metric, currency: currency) }
                                                ?? "not known yet")))
                            })))))
    }

    private static func rateNote(_ model: Model) -> Node<HTML.BodyContext> {
        // Sales and proceeds are on the cards whatever the chart shows: the note is always there.
        guard let totals = model.totals, let first = totals.firstRateDay, let last = totals.lastRateDay,
            let firstDay = ReportDate(first), let lastDay = ReportDate(last)
        else { return .empty }
        return .p(
            .class("hint"),
            .text(
                "Money in \(model.question.currency), converted with the ECB reference rates of "
                    + "\(Figures.range(firstDay, lastDay)) (each report day uses the nearest earlier published rate). "),
            .a(.href(SiteRoute.account.path), .text("Change currency")))
    }

    // MARK: - Breakdowns

    private static func breakdowns(_ model: Model) -> Node<HTML.BodyContext> {
        let titles = Dictionary(
            model.apps.map { ($0.sku, $0.title ?? $0.sku) }, uniquingKeysWith: { first, _ in first })
        return .div(
            .class("breakdowns"),
            model.question.app == nil ? table(model, .app, heading: "Top apps", label: { titles[$0] ?? $0 }) : .empty,
            table(model, .country, heading: "Top countries", label: { CountryNames.name(of: $0) }),
            table(model, .device, heading: "Devices", label: { $0 }))
    }

    private static func table(
        _ model: Model, _ dimension: MetricSlices.Dimension, heading: String, label: (String) -> String
    ) -> Node<HTML.BodyContext> {
        let question = model.question
        let metric = question.metric
        let rows = Array((model.breakdowns[dimension] ?? []).prefix(10))
        let total = (model.breakdowns[dimension] ?? []).reduce(0) { $0 + max(0, $1.totals.value(of: metric)) }
        let filter: String =
            switch dimension {
            case .app: "app"
            case .country: "country"
            default: "device"
            }
        return .section(
            .class("panel"),
            .h2(.text(heading)),
            rows.isEmpty
                ? .p(.class("hint"), .text("Nothing in this range."))
                : .div(
                    .class("scroll"),
                    .table(
                        .thead(
                            .tr(
                                .th(.text(dimension == .app ? "App" : dimension == .country ? "Country" : "Device")),
                                .th(.class("num"), .text(name(metric))), .th(.text("Share")),
                                .th(.class("num"), .text(metric == .proceeds ? "Downloads" : "Proceeds")))),
                        .tbody(
                            .forEach(rows) { row in
                                let key = row.key ?? ""
                                let value = row.totals.value(of: metric)
                                let share = total > 0 ? max(0, value) / total * 100 : 0
                                return .tr(
                                    .td(
                                        .a(
                                            .href(SiteRoute.dashboard.path + question.queryString([filter: key])),
                                            .text(label(key)))),
                                    .td(
                                        .class("num"),
                                        .text(Figures.value(value, metric: metric, currency: question.currency))),
                                    .td(
                                        .class("share"),
                                        // A progress bar draws the share without an inline style (the CSP forbids them).
                                        .element(
                                            named: "progress",
                                            nodes: [
                                                .class("share"), .attribute(named: "max", value: "100"),
                                                .attribute(named: "value", value: String(Int(share.rounded()))),
                                                .attribute(named: "aria-hidden", value: "true"),
                                            ]),
                                        .span(.class("num hint"), .text(" \(Int(share.rounded()))%"))),
                                    .td(
                                        .class("num"),
                                        .text(
                                            metric == .proceeds
                                                ? Figures.count(row.totals.value(of: .downloads))
                                                : Figures.compact(
                                                    row.totals.value(of: .proceeds), metric: .proceeds,
                                                    currency: question.currency))))
                            }))))
    }

    // MARK: - In-app purchases

    private static func products(_ model: Model) -> Node<HTML.BodyContext> {
        guard model.question.app != nil else { return .empty }
        let currency = model.question.currency
        let filtered = model.question.country != nil || model.question.device != nil
        return .section(
            .class("panel"),
            .h2("In-app purchases"),
            .if(
                filtered, .p(.class("hint"), .text("Every country and device: the filters apply to the figures above."))
            ),
            model.products.isEmpty
                ? .p(.class("hint"), .text("No in-app purchases in this range."))
                : .div(
                    .class("scroll"),
                    .table(
                        .thead(
                            .tr(
                                .th("Product"), .th("SKU"), .th(.class("num"), .text("Units")),
                                .th(.class("num"), .text("Returns")), .th(.class("num"), .text("Sales")),
                                .th(.class("num"), .text("Proceeds")))),
                        .tbody(
                            .forEach(model.products) { product in
                                .tr(
                                    .td(.text(product.title.isEmpty ? "—" : product.title)),
                                    .td(.code(.text(product.sku))),
                                    .td(.class("num"), .text(Figures.count(Double(product.units)))),
                                    .td(.class("num"), .text(Figures.count(Double(product.returns)))),
                                    .td(.class("num"), .text(Figures.money(product.sales / 1_000_000, currency))),
                                    .td(
                                        .class("num"),
                                        .text(
                                            Figures.money(product.proceeds / 1_000_000, currency)
                                                + product.unconvertedProceeds.sorted { $0.key < $1.key }.map {
                                                    " + " + Figures.decimal(micros: $0.value) + " " + $0.key
                                                }.joined())))
                            }))))
    }

    // MARK: - Export

    private static func exports(_ question: MetricsQuestion) -> Node<HTML.BodyContext> {
        let base = SiteRoute.api(.metricsExport).path
        return .p(
            .class("exports"),
            .text("Download CSV: "),
            .a(.href(base + question.queryString(["metric": nil, "interval": nil])), .text("by day")),
            .text(" · "),
            .a(
                .href(base + question.queryString(["metric": nil, "interval": nil, "groupBy": "app"])),
                .text("by day and app")),
            .text(" · "),
            .a(
                .href(base + question.queryString(["metric": nil, "interval": nil, "groupBy": "country"])),
                .text("by day and country")),
            .text(" · "),
            .a(
                .href(base + question.queryString(["metric": nil, "interval": nil, "groupBy": "device"])),
                .text("by day and device")))
    }
}
