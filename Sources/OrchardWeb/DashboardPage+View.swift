import Foundation
import OrchardApp
import OrchardCore
import OrchardStorage
import Plot
import SalesReports

/// The metrics dashboard: cards with the change against the previous period, a chart of the chosen
/// metric, the top apps, countries and devices, and what to do when there is nothing to show yet.
enum DashboardPage {
    typealias Model = Dashboard.Page

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

    /// What a figure counts (docs/REPORTS.md), shown as the card's tooltip.
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

    static func view(_ model: Model, rendered: Rendered? = nil, frame: PageFrame) -> HTMLPage {
        let question = model.question
        let title = model.appTitle ?? "Overview"
        return HTMLPage(
            title: title, frame: frame,
            content: .div(
                .class("dashboard"),
                tabs(current: .dashboard, sells: model.sellsSubscriptions),
                .h1(.text(title)),
                .unwrap(model.problem.map { WebError($0).message }) {
                    .div(.class("flash error"), .attribute(named: "role", value: "alert"), .text($0))
                },
                model.readable.isEmpty
                    ? emptyState(model, frame: frame)
                    : .group(
                        rendered.map { .raw($0.filters) } ?? rangeAndPicker(model),
                        notices(model),
                        rendered.map { .raw($0.figures) } ?? figures(model),
                        exports(question))))
    }

    /// The parts of the page rendered once per ``renderedKey(_:)``: the range line and the filters,
    /// then the figures.
    struct Rendered: Sendable {
        var filters: String
        var figures: String

        init(_ model: Model) {
            filters = DashboardPage.rangeAndPicker(model).render()
            figures = DashboardPage.figures(model).render()
        }
    }

    /// The range line (its coverage) and the filters (the readable accounts, the apps, the
    /// breakdowns' keys).
    static func rangeAndPicker(_ model: Model) -> Node<HTML.BodyContext> {
        .group(rangeLine(model), picker(model))
    }

    /// The cards, the chart, the breakdowns and an app's in-app purchases: most of the page's bytes,
    /// and a function of the question, the scope's data versions and the apps' titles alone
    /// (``renderedKey(_:)``), so rendered once per data version.
    static func figures(_ model: Model) -> Node<HTML.BodyContext> {
        .group(cardList(model), chart(model), breakdowns(model), products(model))
    }

    /// Everything ``Rendered`` depends on: the question as asked, the accounts in scope with their
    /// data versions, the readable accounts' names (the filters list them), the apps' names (the
    /// breakdown's labels) and the last day Apple may have reported.
    static func renderedKey(_ model: Model) -> String {
        let question = model.question
        let accounts = model.scope.map { "\($0.id):\($0.version):\($0.status.rawValue)" }.joined(separator: ",")
        let readable = model.readable.map { "\($0.id):\($0.version):\($0.status.rawValue):\($0.number):\($0.name)" }
        let apps = model.apps.map { "\($0.sku)=\($0.title ?? "")" }.joined(separator: "\u{1E}")
        return [
            "dashboard-rendered", accounts, readable.joined(separator: "\u{1E}"), question.from.isoText,
            question.to.isoText, question.app ?? "",
            question.country ?? "", question.device ?? "", question.currency, question.metric.rawValue,
            question.interval.rawValue, question.parameters().map { "\($0)=\($1)" }.joined(separator: "&"),
            model.latest.isoText, apps,
        ].joined(separator: "\u{1F}")
    }

    /// Overview, Subscriptions (when an account sells subscriptions) and Payouts.
    static func tabs(current: SiteRoute, sells: Bool) -> Node<HTML.BodyContext> {
        let tabs: [(SiteRoute, String)] =
            [(.dashboard, "Overview")] + (sells ? [(.subscriptions, "Subscriptions")] : []) + [(.payouts, "Payouts")]
        return .nav(
            .class("tabs"), .attribute(named: "aria-label", value: "Figures"),
            .forEach(tabs) { route, label in
                .a(
                    .href(route.path), .if(route == current, .attribute(named: "aria-current", value: "page")),
                    .text(label))
            })
    }

    // MARK: - Empty states

    static func emptyState(_ model: Model, frame: PageFrame) -> Node<HTML.BodyContext> {
        let integrationsModel = model.integrations
        guard !model.integrations.rows.isEmpty else {
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
                .forEach(model.integrations.rows) { row in
                    .li(
                        .span(
                            .class("badge \(row.integration.status.rawValue)"),
                            .text(IntegrationsPage.label(row.integration.status))),
                        .text(" \(row.integration.accountName) (\(row.integration.accountNumber)): "),
                        .text(
                            IntegrationsPage.sentence(
                                row, serviceAppleID: integrationsModel.serviceAppleID,
                                checkSeconds: integrationsModel.checkSeconds)))
                }),
            .a(.href(SiteRoute.integrations.path), .text("Open Data Integration")))
    }
}
