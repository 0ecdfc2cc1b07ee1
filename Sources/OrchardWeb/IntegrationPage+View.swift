import Foundation
import OrchardApp
import OrchardCore
import OrchardStorage
import Plot
import SalesReports

/// One integration's account page: where the account stands and why, what Orchard holds of it,
/// what failed, what happens next and what happened so far.
enum IntegrationPage {
    typealias Model = Integrations.Detail

    static func view(_ model: Model, frame: PageFrame) -> HTMLPage {
        let integration = model.row.integration
        return HTMLPage(
            title: "\(integration.accountName) – Data Integration", frame: frame,
            content: .div(
                .p(.class("hint"), .a(.href(SiteRoute.integrations.path), "← Data Integration")),
                .h1(
                    .text(integration.accountName),
                    .span(.class("hint"), .text(" account \(integration.accountNumber)"))),
                .p(
                    .span(
                        .class("badge \(integration.status.rawValue)"),
                        .text(IntegrationsPage.label(integration.status))),
                    .text(" "),
                    .text(
                        IntegrationsPage.sentence(
                            model.row, serviceAppleID: model.serviceAppleID, checkSeconds: model.checkSeconds))),
                .unwrap(model.row.problem) {
                    .p(.class("notice"), .attr("data-problem", $0.code), .text($0.message))
                },
                actions(model, frame: frame),
                .h2("Where it stands"),
                .dl(.class("status"), .group(standing(model))),
                .h2("Vendors"),
                vendors(model),
                .h2("Apps"),
                model.apps.isEmpty
                    ? .p(.class("hint"), "None yet: apps appear with the first reports.")
                    : .ul(.class("apps"), .forEach(model.apps) { .li(.text($0)) }),
                .h2("Financial reports"),
                financialReports(model),
                .h2("Reports that failed"),
                failures(model),
                .h2("History"),
                history(model)))
    }

    /// Whether Orchard reads the account's Financial reports, and how to let it (docs/PAYOUTS.md).
    private static func financialReports(_ model: Model) -> Node<HTML.BodyContext> {
        guard let access = model.financeAccess else {
            return .p(
                .class("hint"),
                "Not checked yet: Orchard looks for the Financial reports after the history's backfill.")
        }
        guard access.granted else {
            let user = model.serviceAppleID.map { "Orchard's service user (\($0))" } ?? "Orchard's service user"
            return .div(
                .attr("data-finance", "missing"),
                .p(
                    .class("notice"),
                    .text(
                        "Financial reports need the Finance role: without it Orchard cannot read what Apple pays, "
                            + "and the Payouts page shows this account's fiscal months as estimates.")),
                .p(
                    .text(
                        "To add it, open App Store Connect > Users and Access, select \(user), tick Finance "
                            + "(Admin works too) and save. Orchard reads the Financial reports at the next daily sync.")
                ))
        }
        let regions = Set(access.regions.compactMap { $0.split(separator: ":").last.map(String.init) }).sorted()
        return .p(
            .attr("data-finance", "available"),
            .text(
                "Read for the Payouts page, per fiscal month, from \(regions.count) regions: \(regions.joined(separator: ", ")). "
            ),
            .a(.href(SiteRoute.payouts.path + "?account=\(model.row.integration.accountNumber)"), "Open Payouts"))
    }

    private static func actions(_ model: Model, frame: PageFrame) -> Node<HTML.BodyContext> {
        let integration = model.row.integration
        switch integration.status {
        case .pending:
            let waiting = model.checkAllowedAt.map { $0 > model.now } ?? false
            return .div(
                .class("actions"),
                frame.form(
                    .checkIntegration(id: integration.id),
                    .button(.type(.submit), .if(waiting, .attribute(named: "disabled")), .text("Check now"))),
                .if(waiting, .p(.class("hint"), "Checked less than a minute ago; Orchard also checks by itself.")),
                frame.form(
                    .removeIntegration(id: integration.id),
                    .button(.type(.submit), .class("secondary"), .text("Remove"))))
        case .active:
            return frame.form(
                .removeIntegration(id: integration.id), .button(.type(.submit), .class("secondary"), .text("Remove")))
        case .expired, .removed:
            return .div(
                .class("actions"),
                .if(
                    model.canReconnect,
                    frame.form(
                        .reconnectIntegration(id: integration.id), .button(.type(.submit), .text("Reconnect")))),
                frame.form(
                    .restartIntegration(id: integration.id),
                    .button(
                        .type(.submit), .if(model.canReconnect, .class("secondary")), .text("Remove and start again"))))
        }
    }

    private static func standing(_ model: Model) -> [Node<HTML.DescriptionListContext>] {
        let integration = model.row.integration
        var items: [Node<HTML.DescriptionListContext>] = []
        func item(_ term: String, _ value: String) {
            items.append(.group(.dt(.text(term)), .dd(.text(value))))
        }
        if integration.status == .pending {
            item("Last checked", model.lastChecked.map { IntegrationsPage.relative($0, now: model.now) } ?? "not yet")
            if let ends = model.invitationEnds {
                item("Invitation window ends", moment(ends) + (ends > model.now ? "" : " (passed)"))
            }
        }
        if let held = model.held {
            item("Days held", "\(FigureText.range(held.first, held.last)) (\(held.days) days)")
        } else {
            item("Days held", "none yet")
        }
        item("Complete through", model.completeThrough.map { FigureText.day($0) } ?? "–")
        switch model.late {
        case .apple(let day): item("Missing", "\(FigureText.day(day)): Apple has not published it yet")
        case .orchard(let day): item("Missing", "\(FigureText.day(day)): not fetched yet")
        case nil: break
        }
        for unknown in model.unknownDurations {
            item(
                "Subscription report",
                "\(FigureText.day(unknown.day)): the subscription duration '\(unknown.duration)' is not one Orchard "
                    + "knows (7 days; 1, 2, 3 or 6 months; 1 year): its \(unknown.paid) paid subscriber"
                    + "\(unknown.paid == 1 ? " is" : "s are") left out of MRR rather than guessed")
        }
        if let backfill = model.row.account?.backfill, backfill.total > 0, backfill.done < backfill.total {
            item("History loading", "\(backfill.done) of \(backfill.total) reports")
        }
        if let next = model.nextSync {
            item("Next sync", next <= model.now ? "now" : moment(next))
        }
        item(
            "Last sync",
            model.row.account?.lastSyncAt.map { IntegrationsPage.relative($0, now: model.now) } ?? "not yet")
        return items
    }

    private static func vendors(_ model: Model) -> Node<HTML.BodyContext> {
        guard !model.vendors.isEmpty || !model.droppedVendors.isEmpty else {
            return .p(.class("hint"), "Not known yet: Orchard lists them when it first reads the account.")
        }
        return .ul(
            .forEach(model.vendors) { .li(.span(.class("num"), .text($0))) },
            .forEach(model.droppedVendors) { vendor in
                .li(
                    .class("dropped"), .span(.class("num"), .text(vendor)),
                    .span(
                        .class("hint"),
                        .text(
                            " Apple no longer lists this vendor: Orchard stopped fetching its reports (the days it has are kept)."
                        )
                    ))
            })
    }

    private static func failures(_ model: Model) -> Node<HTML.BodyContext> {
        guard !model.failures.isEmpty else {
            return .p(.class("hint"), "None in the sync window.")
        }
        return .table(
            .class("cards"),
            .thead(.tr(.th("Day"), .th("Vendor"), .th("Report"), .th("Apple's answer"))),
            .tbody(
                .forEach(model.failures) { failure in
                    .tr(
                        .td(.data(named: "label", value: "Day"), .text(FigureText.day(failure.identity.date))),
                        .td(.data(named: "label", value: "Vendor"), .class("num"), .text(failure.identity.vendor)),
                        .td(
                            .data(named: "label", value: "Report"),
                            .text("\(failure.identity.type.rawValue) \(failure.identity.frequency.rawValue)")),
                        .td(
                            .data(named: "label", value: "Apple's answer"),
                            .text(failure.message ?? failure.failure.rawValue)))
                }))
    }

    private static func history(_ model: Model) -> Node<HTML.BodyContext> {
        guard !model.history.isEmpty else { return .p(.class("hint"), "Nothing yet.") }
        return .table(
            .class("cards"),
            .thead(.tr(.th("When"), .th("What"), .th("Details"))),
            .tbody(
                .forEach(model.history) { event in
                    .tr(
                        .td(.data(named: "label", value: "When"), .text(moment(event.at))),
                        .td(.data(named: "label", value: "What"), .text(action(event.action))),
                        .td(.data(named: "label", value: "Details"), .text(event.detail)))
                }))
    }

    /// What an audit action means, in words.
    static func action(_ action: String) -> String {
        switch action {
        case "ownership_proved": "Your token proved you own it"
        case "integration_created": "Connected"
        case "integration_active": "Active"
        case "integration_expired": "Expired"
        case "integration_removed": "Removed"
        case "integration_deleted": "Integration removed"
        case "vendor_added": "Vendor added"
        case "vendor_dropped": "Vendor gone"
        case "account_purged": "Data deleted"
        default: action.replacingOccurrences(of: "_", with: " ")
        }
    }

    /// `2026-12-06 14:05 UTC`.
    static func moment(_ date: Date) -> String {
        let day = ReportDate(containing: date)
        let seconds = Int(date.timeIntervalSince(day.startDate))
        let (hours, minutes) = (seconds / 3_600, seconds % 3_600 / 60)
        return "\(day.isoText) \(hours < 10 ? "0" : "")\(hours):\(minutes < 10 ? "0" : "")\(minutes) UTC"
    }
}
