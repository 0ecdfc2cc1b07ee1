import Foundation
import OrchardApp
import OrchardCore
import OrchardStorage
import Plot

/// My Account > Data Integration: the platforms, and the user's integrations with their status
/// explained, last sync, backfill progress and what the user can do.
enum IntegrationsPage {
    typealias Row = Integrations.Row
    typealias Model = Integrations.Overview

    static func view(_ model: Model, frame: PageFrame) -> HTMLPage {
        HTMLPage(
            title: "Data Integration", frame: frame,
            content: .div(
                .h1("Data Integration"),
                .h2("Platforms"),
                .ul(
                    .class("platforms"),
                    .li(
                        .class("platform"), .strong("App Store Connect"),
                        .span(.class("hint"), .text(" Sales and Trends reports, read with Orchard's own service user")),
                        .a(
                            .class("button"), .href(SiteRoute.funnelToken.path),
                            .data(named: "dialog", value: "funnel"), .text("Connect"))),
                    .li(.class("platform"), .strong("Google Play Console"), .span(.class("badge muted"), "coming soon"))
                ),
                .h2("Your integrations"),
                model.rows.isEmpty
                    ? .div(
                        .class("empty"),
                        .p(
                            .text(
                                "No integrations yet. Connect an App Store Connect account to see its downloads, sales and proceeds."
                            )),
                        .a(
                            .class("button"), .href(SiteRoute.funnelToken.path),
                            .data(named: "dialog", value: "funnel"),
                            .text("Connect App Store Connect")))
                    : .table(
                        .class("cards"),
                        .thead(
                            .tr(
                                .th("Account"), .th("Status"), .th("Last sync"), .th("History"),
                                .th(.span(.class("visually-hidden"), "Actions")))),
                        .tbody(.forEach(model.rows) { row in self.row(row, model: model, frame: frame) }))))
    }

    private static func row(_ row: Row, model: Model, frame: PageFrame) -> Node<HTML.TableContext> {
        let integration = row.integration
        return .tr(
            .td(
                .data(named: "label", value: "Account"),
                .a(
                    .href(SiteRoute.integration(id: integration.id).path),
                    .text("\(integration.accountName) (\(integration.accountNumber))"))),
            .td(
                .data(named: "label", value: "Status"),
                .span(.class("badge \(integration.status.rawValue)"), .text(label(integration.status))),
                .p(
                    .class("hint"),
                    .text(sentence(row, serviceAppleID: model.serviceAppleID, checkSeconds: model.checkSeconds)))),
            .td(
                .data(named: "label", value: "Last sync"),
                .text(row.account?.lastSyncAt.map { relative($0, now: model.now) } ?? "not yet")),
            .td(.data(named: "label", value: "History"), progress(row)),
            .td(.class("actions"), actions(row, frame: frame)))
    }

    static func label(_ status: IntegrationStatus) -> String {
        switch status {
        case .pending: "Pending"
        case .active: "Active"
        case .expired: "Expired"
        case .removed: "Removed"
        }
    }

    /// What the status means, what happens next and what the user can do.
    static func sentence(_ row: Row, serviceAppleID: String?, checkSeconds: Int) -> String {
        let integration = row.integration
        switch integration.status {
        case .pending where row.problem != nil:
            return row.problem?.message ?? ""
        case .pending:
            return "Invite \(serviceAppleID ?? "the service Apple ID") into this account in App Store Connect "
                + "(Users and Access, role Sales). We check \(SpokenDuration.every(Double(checkSeconds))); it turns active "
                + "within minutes of your invitation."
        case .active:
            // An active integration has a reason only when its access was restored.
            let restored = integration.statusReason.map { $0 + " " } ?? ""
            if let problem = row.problem { return restored + problem.message }
            if let backfill = row.account?.backfill, backfill.total > 0, backfill.done < backfill.total {
                return restored + "Connected. Loading history, newest days first."
            }
            return restored + "Connected. Reports are fetched every day after Apple publishes them."
        case .expired where row.account?.access == .accessible:
            return "We can see this account now: reconnect it to turn it active, without setting it up again."
        case .expired, .removed:
            return integration.statusReason ?? "This integration no longer syncs."
        }
    }

    static func progress(_ row: Row) -> Node<HTML.BodyContext> {
        guard let backfill = row.account?.backfill, backfill.total > 0 else {
            return .span(.class("hint"), .text(row.integration.status == .active ? "waiting to start" : "–"))
        }
        return .div(
            .element(
                named: "progress",
                nodes: [
                    .attr("max", String(backfill.total)),
                    .attr("value", String(backfill.done)),
                    .attribute(named: "aria-label", value: "History loaded"),
                    .text("\(backfill.done) of \(backfill.total)"),
                ]),
            .span(.class("num"), .text(" \(backfill.done)/\(backfill.total) reports")))
    }

    private static func actions(_ row: Row, frame: PageFrame) -> Node<HTML.BodyContext> {
        let integration = row.integration
        switch integration.status {
        case .expired where row.account?.access == .accessible:
            return .div(
                frame.form(.reconnectIntegration(id: integration.id), .button(.type(.submit), .text("Reconnect"))),
                frame.form(
                    .restartIntegration(id: integration.id),
                    .button(.type(.submit), .class("secondary"), .text("Remove and start again"))))
        case .expired, .removed:
            return frame.form(
                .restartIntegration(id: integration.id),
                .button(.type(.submit), .text("Remove and start again")))
        case .pending, .active:
            return frame.form(
                .removeIntegration(id: integration.id),
                .button(.type(.submit), .class("secondary"), .text("Remove")))
        }
    }

    static func relative(_ date: Date, now: Date) -> String {
        let seconds = Int(now.timeIntervalSince(date))
        if seconds < 90 { return "just now" }
        if seconds < 5_400 { return "\(seconds / 60) min ago" }
        if seconds < 129_600 { return "\(seconds / 3_600) h ago" }
        return "\(seconds / 86_400) days ago"
    }
}
