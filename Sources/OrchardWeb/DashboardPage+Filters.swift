import Foundation
import OrchardApp
import OrchardCore
import OrchardStorage
import Plot
import SalesReports

/// The dashboard's the range line, the date picker, the filters and the notices above the figures.
extension DashboardPage {
    // MARK: - Range, filters and notices

    static func rangeLine(_ model: Model) -> Node<HTML.BodyContext> {
        let question = model.question
        var parts = [
            question.preset == .custom ? "Custom range" : question.preset.label,
            FigureText.range(question.from, question.to) + " (Apple report days)",
        ]
        if let coverage = model.coverage {
            if coverage.isComplete {
                parts.append("complete through \(FigureText.day(question.to, year: false))")
            } else if let through = coverage.completeThrough {
                parts.append("complete through \(FigureText.day(through, year: false)); later days not fetched yet")
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
                                + (through.map { "complete through \(FigureText.day($0, year: false))" }
                                    ?? "first day not fetched yet")
                        }.joined(separator: " · ")))))
    }

    static func picker(_ model: Model) -> Node<HTML.BodyContext> {
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

    static func option(_ value: String, _ label: String, selected: String?) -> Node<HTML.SelectContext> {
        // Plot's `option` closes itself; an option element needs its label as content.
        .element(
            named: "option",
            nodes: [
                .attr("value", value),
                value == (selected ?? "") ? .attribute(named: "selected", value: "selected") : .empty, .text(label),
            ])
    }

    static func select(
        _ name: String, _ label: String, all: String, _ choices: [(String, String)], selected: String?
    ) -> Node<HTML.FormContext> {
        let options: [Node<HTML.SelectContext>] =
            [option("", all, selected: selected)] + choices.map { option($0.0, $0.1, selected: selected) }
        return .div(
            .class("field"), .label(.attr("for", "filter-\(name)"), .text(label)),
            .select(.attr("id", "filter-\(name)"), .attr("name", name), .group(options)))
    }

    static func filters(_ model: Model) -> Node<HTML.BodyContext> {
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
                .input(.type(.date), .id("filter-from"), .name("from"), .attr("value", question.from.isoText))),
            .div(
                .class("field"), .label(.for("filter-to"), .text("To")),
                .input(.type(.date), .id("filter-to"), .name("to"), .attr("value", question.to.isoText))),
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
            fields.append(.input(.type(.hidden), .name("metric"), .attr("value", question.metric.rawValue)))
        }
        if question.interval != .day {
            fields.append(.input(.type(.hidden), .name("interval"), .attr("value", question.interval.rawValue)))
        }
        fields.append(.button(.type(.submit), .text("Apply")))
        fields.append(.a(.class("clear"), .href(SiteRoute.dashboard.path), .text("Clear")))
        return .form(.class("filters"), .method(.get), .action(SiteRoute.dashboard.path), .group(fields))
    }

    static func notices(_ model: Model) -> Node<HTML.BodyContext> {
        let unconverted = (model.totals?.unconvertedProceeds.keys.sorted() ?? [])
        let integrationsModel = model.integrations
        // Accounts not in the figures yet, or no longer coming: each says why and what to do.
        return .group(
            .unwrap(model.staleRates) { stale in
                .div(
                    .class("notice"), .attribute(named: "role", value: "note"),
                    .text(
                        "Exchange rates: the newest ECB reference rate is of \(stale.day), \(stale.businessDays) business days "
                            + "ago. Money of later days is converted at it (for up to 45 days), then shown in its own "
                            + "currency. The operator fetches newer rates with ORCHARD_FX_URL or orchard fx import."))
            },
            .forEach(model.removed) { account, until in
                .div(
                    .class("notice removed"), .attribute(named: "role", value: "note"),
                    .text(
                        "\(account.name) (\(account.number)) is removed"
                            + (account.revokedAt.map { " since \(Self.date($0))" } ?? "") + ": "
                            + (account.statusReason ?? "The service user no longer sees it.")
                            + " Its figures stay readable"
                            + (until.map { " until \(Self.date($0))" } ?? "") + ", then they are deleted."),
                    .a(.href(SiteRoute.integrations.path), .text(" Data Integration")))
            },
            .forEach(model.waiting) { row in
                .div(
                    .class("notice"), .attribute(named: "role", value: "note"),
                    .span(
                        .class("badge \(row.integration.status.rawValue)"),
                        .text(IntegrationsPage.label(row.integration.status))),
                    .text(
                        " \(row.integration.accountName) (\(row.integration.accountNumber)): "
                            + IntegrationsPage.sentence(
                                row, serviceAppleID: integrationsModel.serviceAppleID,
                                checkSeconds: integrationsModel.checkSeconds)),
                    .a(.href(SiteRoute.integrations.path), .text(" Data Integration")))
            },
            .forEach(model.loading) { row in
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
                                FigureText.decimal(micros: model.totals?.unconvertedProceeds[$0] ?? 0) + " " + $0
                            }.joined(separator: ", ")
                            + " of proceeds. The ECB publishes no current rate for "
                            + (unconverted.count == 1 ? "this currency" : "these currencies")
                            + ", so they are shown in their own currency and left out of the totals in "
                            + model.question.currency + "."))))
    }

    static func date(_ date: Date) -> String {
        FigureText.day(ReportDate(containing: date))
    }
}
