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

    /// What one row of the table prints, read from the model once: the page's content is rendered
    /// once per list of lines and CSRF token (``contentKey(_:csrfToken:)``).
    struct Line: Sendable {
        let id: Int64
        /// The account's name and number.
        let account: String
        let status: IntegrationStatus
        let sentence: String
        let lastSync: String
        let backfill: StoreAccount.Progress
        /// Expired, and Orchard can see the account again.
        let reconnectable: Bool
    }

    static func lines(_ model: Model) -> [Line] {
        model.rows.map { row in
            let integration = row.integration
            return Line(
                id: integration.id, account: "\(integration.accountName) (\(integration.accountNumber))",
                status: integration.status,
                sentence: sentence(row, serviceAppleID: model.serviceAppleID, checkSeconds: model.checkSeconds),
                lastSync: row.account?.lastSyncAt.map { relative($0, now: model.now) } ?? "not yet",
                backfill: row.account?.backfill ?? .init(done: 0, total: 0),
                reconnectable: integration.status == .expired && row.account?.access == .accessible)
        }
    }

    /// Everything ``renderedContent(_:frame:)`` prints: the lines and the CSRF token of the rows'
    /// forms, each text with its length, so no two different pages share a key.
    static func contentKey(_ lines: [Line], csrfToken: String) -> String {
        var key = "integrations-page"
        func add(_ text: String) { key += "\u{1F}\(text.utf8.count):\(text)" }
        add(csrfToken)
        for line in lines {
            add(
                "\(line.id) \(line.status.rawValue) \(line.backfill.done) \(line.backfill.total) \(line.reconnectable)")
            add(line.account)
            add(line.sentence)
            add(line.lastSync)
        }
        return key
    }

    /// The page around content rendered by ``renderedContent(_:frame:)``.
    static func view(content: String, frame: PageFrame) -> HTMLPage {
        HTMLPage(title: "Data Integration", frame: frame, content: .raw(content))
    }

    static func renderedContent(_ lines: [Line], frame: PageFrame) -> String {
        let content: Node<HTML.BodyContext> = .div(
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
            lines.isEmpty
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
                    .tbody(.forEach(lines) { line in row(line, frame: frame) })))
        return content.render()
    }

    private static func row(_ line: Line, frame: PageFrame) -> Node<HTML.TableContext> {
        .tr(
            .td(
                .data(named: "label", value: "Account"),
                .a(.href(SiteRoute.integration(id: line.id).path), .text(line.account))),
            .td(
                .data(named: "label", value: "Status"),
                .span(.class("badge \(line.status.rawValue)"), .text(label(line.status))),
                .p(.class("hint"), .text(line.sentence))),
            .td(.data(named: "label", value: "Last sync"), .text(line.lastSync)),
            .td(.data(named: "label", value: "History"), progress(line.backfill, active: line.status == .active)),
            .td(.class("actions"), actions(line, frame: frame)))
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
        progress(row.account?.backfill ?? .init(done: 0, total: 0), active: row.integration.status == .active)
    }

    private static func progress(_ backfill: StoreAccount.Progress, active: Bool) -> Node<HTML.BodyContext> {
        guard backfill.total > 0 else {
            return .span(.class("hint"), .text(active ? "waiting to start" : "–"))
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

    private static func actions(_ line: Line, frame: PageFrame) -> Node<HTML.BodyContext> {
        switch line.status {
        case .expired where line.reconnectable:
            return .div(
                frame.form(.reconnectIntegration(id: line.id), .button(.type(.submit), .text("Reconnect"))),
                frame.form(
                    .restartIntegration(id: line.id),
                    .button(.type(.submit), .class("secondary"), .text("Remove and start again"))))
        case .expired, .removed:
            return frame.form(
                .restartIntegration(id: line.id),
                .button(.type(.submit), .text("Remove and start again")))
        case .pending, .active:
            return frame.form(
                .removeIntegration(id: line.id),
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
