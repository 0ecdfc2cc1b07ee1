import Foundation
import OrchardApp
import OrchardCore
import Plot
import SalesReports

/// The Payouts page (docs/PAYOUTS.md): per Apple fiscal month and currency, what Apple pays
/// (final, from the Financial reports) beside what the daily reports estimated, the difference
/// explained, the expected payment, a total in the user's currency, and the running month's forecast.
enum PayoutsPage {
    struct Model: Sendable {
        var report: Payouts.Report?
        var problem: DashboardError?
        var sellsSubscriptions: Bool
    }

    static func view(_ model: Model, frame: PageFrame) -> HTMLPage {
        HTMLPage(
            title: "Payouts", frame: frame,
            content: .div(
                .class("dashboard payouts"),
                DashboardPage.tabs(current: .payouts, sells: model.sellsSubscriptions),
                .h1("Payouts"),
                .unwrap(model.problem.map { WebError($0).message }) {
                    .div(.class("flash error"), .attribute(named: "role", value: "alert"), .text($0))
                },
                .unwrap(model.report) { content($0) }))
    }

    static func content(_ report: Payouts.Report) -> Node<HTML.BodyContext> {
        guard !report.accounts.isEmpty || report.account != nil else {
            return .div(
                .class("empty"), .p(.strong("No store data yet.")),
                .p(.text("Connect an App Store Connect account: its payouts by Apple fiscal month appear here.")),
                .a(.class("button"), .href(SiteRoute.integrations.path), .text("Open Data Integration")))
        }
        return .group(
            intro(report), picker(report), access(report), forecast(report), months(report), exports(report))
    }

    static func query(_ report: Payouts.Report, fiscalYear: Int? = nil, account: String?? = nil) -> String {
        var parts = ["fiscalYear=\(fiscalYear ?? report.fiscalYear)"]
        if let account = account ?? report.account {
            parts.append("account=" + (account.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""))
        }
        return "?" + parts.joined(separator: "&")
    }

    static func intro(_ report: Payouts.Report) -> Node<HTML.BodyContext> {
        let periods = FiscalPeriod.periods(ofYear: report.fiscalYear)
        return .p(
            .class("range"),
            .text(
                "Apple's fiscal year \(report.fiscalYear): \(FigureText.day(periods[0].start)) to "
                    + "\(FigureText.day(periods[11].end)), twelve fiscal months of 4 or 5 weeks, Sunday to Saturday. "
                    + "Apple pays each month's proceeds within 45 days of its end, from its Financial reports; "
                    + "the daily reports' proceeds are an estimate."))
    }

    static func picker(_ report: Payouts.Report) -> Node<HTML.BodyContext> {
        .div(
            .class("picker"),
            .nav(
                .class("presets"), .attribute(named: "aria-label", value: "Fiscal year"),
                .forEach(report.years) { year in
                    .a(
                        .href(SiteRoute.payouts.path + query(report, fiscalYear: year)),
                        .if(year == report.fiscalYear, .attribute(named: "aria-current", value: "true")),
                        .text("FY\(year)"))
                }),
            .if(
                report.accounts.count > 1 || report.account != nil,
                .nav(
                    .class("presets"), .attribute(named: "aria-label", value: "Account"),
                    .a(
                        .href(SiteRoute.payouts.path + query(report, account: .some(nil))),
                        .if(report.account == nil, .attribute(named: "aria-current", value: "true")),
                        .text("All accounts")),
                    .forEach(report.accounts) { account in
                        .a(
                            .href(SiteRoute.payouts.path + query(report, account: .some(account.number))),
                            .if(report.account == account.number, .attribute(named: "aria-current", value: "true")),
                            .text(account.name))
                    })))
    }

    /// Accounts whose Financial reports Orchard cannot read, and how to let it.
    static func access(_ report: Payouts.Report) -> Node<HTML.BodyContext> {
        let missing = report.accounts.filter { $0.state == .needsFinanceRole }
        let unchecked = report.accounts.filter { $0.state == .notChecked }
        return .group(
            .if(
                !missing.isEmpty,
                .div(
                    .class("flash notice"), .attribute(named: "role", value: "status"),
                    .p(
                        .strong(.text("Financial reports need the Finance role: ")),
                        .text(missing.map(\.name).joined(separator: ", "))),
                    .p(
                        .text(
                            "In App Store Connect open Users and Access, select Orchard's service user, tick Finance "
                                + "(Admin works too), and save. Orchard reads the Financial reports at the next daily "
                                + "sync; until then these accounts' months stay estimated.")))),
            .if(
                !unchecked.isEmpty,
                .p(
                    .class("hint"),
                    .text(
                        "Not checked yet for Financial reports: \(unchecked.map(\.name).joined(separator: ", ")) "
                            + "(after the history's backfill)."))))
    }

    static func forecast(_ report: Payouts.Report) -> Node<HTML.BodyContext> {
        guard let forecast = report.forecast else { return .empty }
        let money = { (micros: Int64) in FigureText.money(Double(micros) / 1_000_000, forecast.currency) }
        return .section(
            .class("panel"), .id("forecast"),
            .h2(.text("\(forecast.period.name) so far (fiscal month \(forecast.period.period))")),
            .ul(
                .class("cards"),
                card("Proceeds to date", money(forecast.toDateMicros), nil),
                card(
                    "Forecast for the month", money(forecast.expectedMicros),
                    "\(money(forecast.lowMicros)) to \(money(forecast.highMicros))"),
                card(
                    "Days left", String(forecast.remainingDays), "at \(money(forecast.dailyAverageMicros)) a day")),
            .p(
                .class("hint"),
                .text(
                    "Proceeds of the daily reports to date plus the remaining days at the last 28 days' average; "
                        + "the range takes the 28 days' third-lowest and third-highest day. Converted at each day's ECB rate."
                )))
    }

    static func card(_ name: String, _ value: String, _ detail: String?) -> Node<HTML.ListContext> {
        .li(
            .class("card"),
            .div(
                .class("card-body"), .span(.class("card-name"), .text(name)),
                .span(.class("figure num"), .text(value)),
                .unwrap(detail) { .span(.class("hint"), .text($0)) }))
    }

    /// An amount of `currency` for people: grouped, with its symbol or code.
    static func amount(_ micros: Int64, _ currency: String) -> String {
        FigureText.money(Double(micros) / 1_000_000, currency)
    }

    static func months(_ report: Payouts.Report) -> Node<HTML.BodyContext> {
        guard !report.months.isEmpty else {
            return .p(.class("hint"), .text("No fiscal month of FY\(report.fiscalYear) has begun yet."))
        }
        return .section(
            .class("panel"),
            .h2("By fiscal month"),
            .div(
                .class("scroll"),
                .table(
                    .class("payouts"),
                    .thead(
                        .tr(
                            .th("Fiscal month"), .th("Status"), .th("Currency"), .th(.class("num"), "Final proceeds"),
                            .th(.class("num"), "Estimate"), .th(.class("num"), "Difference"),
                            .th(.class("num"), "Units"), .th(.class("num"), "Returns"), .th("Paid by"),
                            .th(.class("num"), .text("Total (\(report.currency), est.)")))),
                    .tbody(
                        .forEach(report.months) { month in
                            let rows = month.currencies.isEmpty ? [nil] : month.currencies.map { Optional($0) }
                            return .forEach(Array(rows.enumerated())) { index, row in
                                .tr(
                                    .if(index == 0, .attr("id", "fm-\(month.period.year)-\(month.period.period)")),
                                    .td(
                                        .if(
                                            index == 0,
                                            .group(
                                                .strong(.text(month.period.name)), .br(),
                                                .span(
                                                    .class("hint"),
                                                    .text(FigureText.range(month.period.start, month.period.end)))))),
                                    .td(.if(index == 0, status(month))),
                                    .td(.text(row?.currency ?? "—")),
                                    .td(
                                        .class("num"),
                                        .text(row.flatMap { r in r.final.map { amount($0.micros, r.currency) } } ?? "—")
                                    ),
                                    .td(
                                        .class("num"), .text(row.map { amount($0.estimate.micros, $0.currency) } ?? "—")
                                    ),
                                    .td(
                                        .class("num"),
                                        .text(
                                            row.flatMap { r in r.differenceMicros.map { amount($0, r.currency) } }
                                                ?? "—")),
                                    .td(
                                        .class("num"),
                                        .text(
                                            (row?.final ?? row?.estimate).map { FigureText.count(Double($0.units)) }
                                                ?? "—")),
                                    .td(
                                        .class("num"),
                                        .text(
                                            (row?.final ?? row?.estimate).map {
                                                FigureText.count(Double(-$0.returnUnits))
                                            }
                                                ?? "—")),
                                    .td(.if(index == 0, .text(FigureText.day(month.paymentDueBy)))),
                                    .td(
                                        .class("num"),
                                        .if(
                                            index == 0,
                                            .text(
                                                FigureText.money(
                                                    Double(month.total.micros) / 1_000_000, report.currency)
                                                    + (month.total.unconverted.isEmpty ? "" : " + some not converted")))
                                    ))
                            }
                        }))),
            .p(
                .class("hint"),
                .text(
                    "Final: Extended Partner Share summed from Apple's Financial reports of every region. Estimate: "
                        + "Developer Proceeds of the daily sales reports of the same days. Totals convert each currency at "
                        + "the ECB rate of the month's last day: Apple converts at its own rates when it pays.")),
            .forEach(report.months.filter { month in month.currencies.contains { !$0.parts.isEmpty } }) { month in
                differences(month)
            })
    }

    static func status(_ month: Payouts.Month) -> Node<HTML.BodyContext> {
        switch month.status {
        case .final: return .span(.class("badge active"), "Final")
        case .inProgress: return .span(.class("badge muted"), "Running")
        case .estimated:
            return .group(
                .span(.class("badge pending"), "Estimated"),
                .if(
                    !month.waitingFor.isEmpty,
                    .span(.class("hint"), .text(" waiting for " + month.waitingFor.joined(separator: ", ")))))
        }
    }

    /// Why a final month differs from its estimate, per currency.
    static func differences(_ month: Payouts.Month) -> Node<HTML.BodyContext> {
        .details(
            .class("panel"),
            .summary(.text("Why \(month.period.name) differs from its estimate")),
            .forEach(month.currencies.filter { !$0.parts.isEmpty }) { row in
                .div(
                    .class("scroll"),
                    .table(
                        .caption(
                            .text(
                                "\(row.currency): final \(amount(row.final?.micros ?? 0, row.currency)) − estimate "
                                    + "\(amount(row.estimate.micros, row.currency)) = "
                                    + "\(amount(row.differenceMicros ?? 0, row.currency))")),
                        .thead(
                            .tr(
                                .th("Part"), .th("App"), .th("Country"), .th(.class("num"), "Estimate"),
                                .th(.class("num"), "Final"), .th(.class("num"), "Difference"))),
                        .tbody(
                            .forEach(row.parts) { part in
                                .tr(
                                    .td(.text(label(part.kind))), .td(.text(part.appTitle ?? part.app ?? "All apps")),
                                    .td(.text(part.country.map { CountryNames.name(of: $0) } ?? "All countries")),
                                    .td(.class("num"), .text(amount(part.estimateMicros, row.currency))),
                                    .td(.class("num"), .text(amount(part.finalMicros, row.currency))),
                                    .td(.class("num"), .text(amount(part.differenceMicros, row.currency))))
                            })))
            })
    }

    static func label(_ kind: Payouts.Part.Kind) -> String {
        switch kind {
        case .returns: "Returns booked differently"
        case .changed: "Different proceeds"
        case .onlyFinancial: "Only in the Financial report"
        case .onlySales: "Only in the daily reports"
        case .smaller: "Smaller differences together"
        }
    }

    static func exports(_ report: Payouts.Report) -> Node<HTML.BodyContext> {
        .p(
            .class("exports"),
            .a(.href(SiteRoute.api(.payoutsExport).path + query(report)), .text("Download CSV")),
            .text(" · "),
            .a(.href(SiteRoute.api(.payouts).path + query(report)), .text("JSON")))
    }
}
