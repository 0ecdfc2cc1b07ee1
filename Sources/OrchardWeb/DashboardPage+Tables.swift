import Foundation
import OrchardApp
import OrchardCore
import OrchardStorage
import Plot
import SalesReports

/// The dashboard's the top apps, countries and devices, an app's in-app purchases, and the exports.
extension DashboardPage {
    // MARK: - Breakdowns

    static func breakdowns(_ model: Model) -> Node<HTML.BodyContext> {
        let titles = Dictionary(
            model.apps.map { ($0.sku, $0.title ?? $0.sku) }, uniquingKeysWith: { first, _ in first })
        return .div(
            .class("breakdowns"),
            model.question.app == nil ? table(model, .app, heading: "Top apps", label: { titles[$0] ?? $0 }) : .empty,
            table(model, .country, heading: "Top countries", label: { CountryNames.name(of: $0) }),
            table(model, .device, heading: "Devices", label: { $0 }))
    }

    static func table(
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
                                        .text(FigureText.value(value, metric: metric, currency: question.currency))),
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
                                                ? FigureText.count(row.totals.value(of: .downloads))
                                                : FigureText.compact(
                                                    row.totals.value(of: .proceeds), metric: .proceeds,
                                                    currency: question.currency))))
                            }))))
    }

    // MARK: - In-app purchases

    static func products(_ model: Model) -> Node<HTML.BodyContext> {
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
                                    .td(.class("num"), .text(FigureText.count(Double(product.units)))),
                                    .td(.class("num"), .text(FigureText.count(Double(product.returns)))),
                                    .td(.class("num"), .text(FigureText.money(product.sales / 1_000_000, currency))),
                                    .td(
                                        .class("num"),
                                        .text(
                                            FigureText.money(product.proceeds / 1_000_000, currency)
                                                + product.unconvertedProceeds.sorted { $0.key < $1.key }.map {
                                                    " + " + FigureText.decimal(micros: $0.value) + " " + $0.key
                                                }.joined())))
                            }))))
    }

    // MARK: - Export

    static func exports(_ question: MetricsQuestion) -> Node<HTML.BodyContext> {
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
