import Foundation
import HTTPTypes
import OrchardApp
import OrchardCore
import OrchardStorage
import Plot
import SalesReports

/// The pages of notifications: settings, the address's verification, unsubscribe, the activity
/// feed, webhooks, and the operator's "Mail sent".
enum NotificationsPage {
    /// The topics a user switches for all accounts (operators also get operations).
    static func topics(isOperator: Bool) -> [NotificationTopic] {
        [.integrations, .syncProblems, .alerts, .dataReady, .digest] + (isOperator ? [.operations] : [])
    }

    static func name(_ topic: NotificationTopic) -> String {
        switch topic {
        case .integrations: "Integrations: active, expired, removed, restored, 24 hours left to invite"
        case .syncProblems: "Apple is late: no new day 36 hours after it should be published, and when it recovers"
        case .alerts: "Unusual days: downloads, proceeds or refunds outside what the same weekdays make likely"
        case .dataReady: "Every day that becomes complete (usually better as a webhook)"
        case .digest: "The digest (its schedule is below)"
        case .operations: "Operations: the service token, Apple's listing, jobs that failed for good"
        case .test: "Test events"
        }
    }

    static func short(_ topic: NotificationTopic) -> String {
        switch topic {
        case .integrations: "Integrations"
        case .syncProblems: "Apple is late"
        case .alerts: "Unusual days"
        default: topic.rawValue
        }
    }

    // MARK: Settings

    static func option(_ value: String, _ label: String, selected: Bool) -> Node<HTML.SelectContext> {
        .element(
            named: "option",
            nodes: [
                .attr("value", value), selected ? .attribute(named: "selected", value: "selected") : .empty,
                .text(label),
            ])
    }

    static func select(_ id: String, _ label: String, _ options: [Node<HTML.SelectContext>]) -> Node<HTML.FormContext> {
        .group(
            .label(.attr("for", id), .text(label)),
            .select(.attr("id", id), .attr("name", id), .group(options)))
    }

    static func legend(_ text: String) -> Node<HTML.FormContext> {
        .element(named: "legend", text: text)
    }

    static func settings(
        _ page: Notifications.Page, error: WebError? = nil, emailError: WebError? = nil, email: String? = nil,
        frame: PageFrame
    ) -> HTMLPage {
        HTMLPage(
            title: "Notifications", frame: frame, status: (error ?? emailError)?.status ?? .ok,
            content: .div(
                .class("medium"),
                .h1("Notifications"),
                .p(
                    .text("What Orchard tells you, and how. Everything also appears on your "),
                    .a(.href(SiteRoute.activity.path), "Activity"), .text(" page, and can go to your own systems as "),
                    .a(.href(SiteRoute.webhooks.path), "webhooks"), .text(".")),
                .if(
                    !page.mailConfigured,
                    .div(
                        .class("notice"), .attribute(named: "role", value: "status"),
                        .text(
                            "This Orchard has no mail server configured, so it sends no mail: ask its operator to set "
                                + "ORCHARD_SMTP_URL. The Activity page and webhooks work without it."))),
                address(page, emailError: emailError, email: email, frame: frame),
                .h2("Mail me about"),
                .unwrap(error) { .p(.id("settings-error"), .class("field-error"), .text($0.message)) },
                frame.form(
                    .notifications,
                    topicSwitches(page),
                    accountSwitches(page),
                    digestFields(page.settings),
                    sensitivityFields(page.settings),
                    .div(.class("actions"), .span(), .button(.type(.submit), .text("Save"))))))
    }

    static func address(_ page: Notifications.Page, emailError: WebError?, email: String?, frame: PageFrame)
        -> Node<HTML.BodyContext>
    {
        let settings = page.settings
        let verified = settings.emailVerifiedAt != nil
        return .group(
            .h2("Your address"),
            .dl(
                .class("status"),
                .dt("E-mail address"),
                .dd(
                    .text(settings.email + " "),
                    .span(
                        .class(verified ? "badge active" : "badge pending"),
                        .text(verified ? "Confirmed" : "Not confirmed"))),
                .unwrap(page.pendingAddress) { pending in
                    .group(.dt("Changing to"), .dd(.text("\(pending): waiting for its confirmation link to be used")))
                }),
            .if(
                !verified,
                .group(
                    .p(
                        .class("hint"),
                        .text("Nothing but a confirmation link is mailed to an address until it is confirmed.")),
                    frame.form(
                        .sendVerification,
                        .div(
                            .class("actions"), .span(),
                            .button(.type(.submit), .class("secondary"), .text("Send the confirmation link")))))),
            frame.form(
                .changeEmail,
                .label(.for("email"), "New address"),
                .input(
                    .type(.email), .id("email"), .name("email"), .flag("required"),
                    .attribute(named: "autocomplete", value: "email"),
                    .unwrap(email) { .attr("value", $0) },
                    .attribute(named: "aria-invalid", value: emailError == nil ? "false" : "true"),
                    .attribute(named: "aria-describedby", value: emailError == nil ? "email-hint" : "email-error")),
                .p(
                    .id("email-hint"), .class("hint"),
                    .text("The new address gets a confirmation link; your address changes when it is used.")),
                .unwrap(emailError) { .p(.id("email-error"), .class("field-error"), .text($0.message)) },
                .div(.class("actions"), .span(), .button(.type(.submit), .class("secondary"), .text("Change address"))))
        )
    }

    static func topicSwitches(_ page: Notifications.Page) -> Node<HTML.FormContext> {
        let settings = page.settings
        let boxes: [Node<HTML.FormContext>] = topics(isOperator: page.isOperator).map { topic in
            .div(
                .class("choice"),
                .input(
                    .type(.checkbox), .attr("id", "topic-\(topic.rawValue)"), .name("topic.\(topic.rawValue)"),
                    .attr("value", "on"),
                    settings.mails(topic, accountNumber: nil) ? .attribute(named: "checked", value: "checked") : .empty),
                .label(.attr("for", "topic-\(topic.rawValue)"), .text(name(topic))))
        }
        return .fieldset(legend("For every account"), .group(boxes))
    }

    static func accountSwitches(_ page: Notifications.Page) -> Node<HTML.FormContext> {
        guard !page.accounts.isEmpty else { return .empty }
        let settings = page.settings
        let topics = NotificationTopic.allCases.filter(\.isPerAccount)
        let rows: [Node<HTML.TableContext>] = page.accounts.map { account in
            let cells: [Node<HTML.TableRowContext>] = topics.map { topic in
                let id = "account.\(account.number).\(topic.rawValue)"
                let own = settings.switches.first { $0.topic == topic && $0.accountNumber == account.number }
                return .td(
                    .label(.attr("for", id), .class("visually-hidden"), .text("\(short(topic)), \(account.name)")),
                    .select(
                        .attr("id", id), .attr("name", id),
                        .group([
                            option("default", "Default", selected: own == nil),
                            option("on", "On", selected: own?.enabled == true),
                            option("off", "Off", selected: own?.enabled == false),
                        ])))
            }
            return .tr(
                .th(.attribute(named: "scope", value: "row"), .text("\(account.name) (\(account.number))")),
                .group(cells))
        }
        return .fieldset(
            legend("Per account (Default follows the choice above)"),
            .div(
                .class("scroll"),
                .table(
                    .class("switches"),
                    .thead(.tr(.th("Account"), .group(topics.map { .th(.text(short($0))) }))),
                    .tbody(.group(rows)))))
    }

    static func digestFields(_ settings: NotificationSettings) -> Node<HTML.FormContext> {
        let weekdays = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
        let frequencies: [Node<HTML.FormContext>] = NotificationSettings.DigestFrequency.allCases.map { frequency in
            let label = frequency == .off ? "No digest" : frequency == .daily ? "Every day" : "Every week"
            return .div(
                .class("choice"),
                .input(
                    .type(.radio), .attr("id", "digest-\(frequency.rawValue)"), .name("digestFrequency"),
                    .attr("value", frequency.rawValue),
                    settings.digestFrequency == frequency ? .attribute(named: "checked", value: "checked") : .empty),
                .label(.attr("for", "digest-\(frequency.rawValue)"), .text(label)))
        }
        let hours = (0..<24).map {
            option(String($0), String(format: "%02d:00", $0), selected: settings.digestHour == $0)
        }
        let days = (1...7).map { option(String($0), weekdays[$0 - 1], selected: settings.digestWeekday == $0) }
        // UTC first (Linux lists it only as Etc/UTC), then every zone the system knows.
        let names = ["UTC"] + TimeZone.knownTimeZoneIdentifiers.filter { $0 != "UTC" }.sorted()
        let zones = names.map { option($0, $0, selected: settings.timeZone == $0) }
        return .fieldset(
            legend("Digest"),
            .group(frequencies),
            select("digestHour", "At", hours),
            select("digestWeekday", "On (weekly)", days),
            select("timeZone", "Time zone", zones),
            .p(
                .class("hint"),
                .text(
                    "A daily digest tells the newest day Apple has published by then, against the same weekday a week "
                        + "before; a weekly one, the last Monday to Sunday. It waits up to 6 hours for a day that is "
                        + "late, then says what is missing.")))
    }

    static func sensitivityFields(_ settings: NotificationSettings) -> Node<HTML.FormContext> {
        let levels: [Node<HTML.FormContext>] = NotificationSettings.Sensitivity.allCases.map { level in
            let label =
                switch level {
                case .low: "Only the very unusual (5 deviations)"
                case .normal: "Unusual (3.5 deviations)"
                case .high: "Anything out of the ordinary (2.5 deviations)"
                }
            return .div(
                .class("choice"),
                .input(
                    .type(.radio), .attr("id", "sensitivity-\(level.rawValue)"), .name("alertSensitivity"),
                    .attr("value", level.rawValue),
                    settings.sensitivity == level ? .attribute(named: "checked", value: "checked") : .empty),
                .label(.attr("for", "sensitivity-\(level.rawValue)"), .text(label)))
        }
        return .fieldset(
            legend("Unusual days"),
            .group(levels),
            .p(
                .class("hint"),
                .text(
                    "A completed day is compared with the same weekday of the last 28 weeks: their median, and their "
                        + "median absolute deviation, never less than a tenth of the median or a floor (10 downloads, "
                        + "10 in your currency, 3 refunds), so small apps do not alert every week.")))
    }

    static func verified(email: String, frame: PageFrame) -> HTMLPage {
        HTMLPage(
            title: "Address confirmed", frame: frame,
            content: .div(
                .class("narrow"), .h1("Address confirmed"),
                .p(.text("Orchard now mails \(email) the notifications you chose.")),
                .p(.a(.href(SiteRoute.notifications.path), "Choose what you receive"))))
    }

    static func unsubscribe(
        _ target: NotificationSettings.Switch, token: String, done: Bool, frame: PageFrame
    ) -> HTMLPage {
        let what =
            name(target.topic).split(separator: ":").first.map(String.init) ?? target.topic.rawValue
        let scope = target.accountNumber.map { " about account \($0)" } ?? ""
        return HTMLPage(
            title: done ? "Unsubscribed" : "Unsubscribe", frame: frame,
            content: .div(
                .class("narrow"),
                .h1(.text(done ? "Unsubscribed" : "Unsubscribe")),
                done
                    ? .p(.text("You will no longer receive mail of this kind\(scope): \(what)."))
                    : .group(
                        .p(.text("Stop mail of this kind\(scope): \(what)?")),
                        .form(
                            .method(.post), .action(SiteRoute.unsubscribe(token: token).path),
                            .div(.class("actions"), .span(), .button(.type(.submit), .text("Unsubscribe"))))),
                .p(
                    .class("hint"),
                    .text("Everything you receive can be changed on the "),
                    .a(.href(SiteRoute.notifications.path), "Notifications"), .text(" page after signing in."))))
    }

    // MARK: Activity

    static func activity(_ events: [ActivityEvent], next: String?, first: Bool, frame: PageFrame) -> HTMLPage {
        HTMLPage(
            title: "Activity", frame: frame,
            content: .div(
                .class("medium"),
                .h1("Activity"),
                .p(
                    .text(
                        "What happened to your integrations and figures, newest first: the same as mail and webhooks "
                            + "tell. Choose what is mailed on the "),
                    .a(.href(SiteRoute.notifications.path), "Notifications"), .text(" page.")),
                events.isEmpty
                    ? .div(
                        .class("empty"),
                        .p(
                            .text(
                                first
                                    ? "Nothing yet. Connect an App Store Connect account and its news appears here."
                                    : "No older events.")),
                        .a(.href(SiteRoute.integrations.path), "Data Integration"))
                    : .ol(
                        .class("activity"),
                        .forEach(events) { event in
                            .li(
                                .element(
                                    named: "time",
                                    nodes: [
                                        .attr("datetime", ISO8601DateFormatter().string(from: event.createdAt)),
                                        .text(stamp(event.createdAt)),
                                    ]),
                                .text(" "),
                                .span(.class("badge \(tone(event.type))"), .text(label(event.type))),
                                .text(" "),
                                .text(MailComposer.summary(of: event)),
                                .unwrap(link(event)) { .group(.text(" "), .a(.attr("href", $0), "Open")) })
                        }),
                .unwrap(next) { .p(.a(.href(SiteRoute.activity.path + "?after=" + $0), "Older")) }))
    }

    static func stamp(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "d MMM yyyy HH:mm 'UTC'"
        return formatter.string(from: date)
    }

    static func label(_ type: EventType) -> String {
        switch type {
        case .integrationActive: "Active"
        case .integrationExpired: "Expired"
        case .integrationRemoved: "Removed"
        case .integrationRestored: "Restored"
        case .invitationEnding: "Invite soon"
        case .syncDelayed: "Late"
        case .syncRecovered: "Up to date"
        case .dayComplete: "Day complete"
        case .metricAlert: "Unusual"
        case .digest: "Digest"
        case .tokenExpiring, .tokenRefused: "Service token"
        case .listingDegraded: "Listing"
        case .jobDead: "Job"
        case .test: "Test"
        }
    }

    static func tone(_ type: EventType) -> String {
        switch type {
        case .integrationActive, .integrationRestored, .syncRecovered, .dayComplete: "active"
        case .integrationExpired, .integrationRemoved, .tokenRefused, .jobDead: "removed"
        case .invitationEnding, .syncDelayed, .metricAlert, .tokenExpiring, .listingDegraded: "pending"
        case .digest, .test: "muted"
        }
    }

    static func link(_ event: ActivityEvent) -> String? {
        if let link = event.data["link"]?.string, LocalPath.validated(link) == link { return link }
        if case .integer(let id) = event.data["integrationId"] { return SiteRoute.integration(id: id).path }
        if event.type == .digest, let from = event.data["from"]?.string, let to = event.data["to"]?.string,
            ReportDate(from)?.isoText == from, ReportDate(to)?.isoText == to
        {
            return SiteRoute.dashboard.path + "?from=\(from)&to=\(to)"
        }
        return nil
    }

    // MARK: Webhooks

    struct WebhooksModel {
        var endpoints: [WebhookStore.Endpoint]
        var isOperator: Bool
        var created: (endpoint: WebhookStore.Endpoint, secret: String)?
        var error: WebError?
        var url: String?
    }

    static func eventTypes(isOperator: Bool) -> [EventType] {
        EventType.allCases.filter { $0 != .test && (isOperator || !$0.isOperational) }
    }

    static func webhooks(_ model: WebhooksModel, frame: PageFrame) -> HTMLPage {
        HTMLPage(
            title: "Webhooks", frame: frame, status: model.error?.status ?? (model.created == nil ? .ok : .created),
            content: .div(
                .class("medium"),
                .h1("Webhooks"),
                .p(
                    .text(
                        "Orchard POSTs each event as JSON ({id, type, createdAt, data}) to your endpoint, signed with "
                            + "Orchard-Signature: t=UNIX_SECONDS,v1=HEX, HEX being HMAC-SHA256 of t, a dot and the body "
                            + "under the endpoint's secret. Failed deliveries are retried for a day; redirects are not "
                            + "followed.")),
                .unwrap(model.created) { created in
                    .div(
                        .class("panel"), .attribute(named: "role", value: "status"),
                        .p(
                            .strong(.text("Endpoint added.")),
                            .text(" Its signing secret, shown this once (rotate it to get a new one):")),
                        .p(.class("secret"), .id("webhook-secret"), .text(created.secret)),
                        .p(.a(.href(SiteRoute.webhook(id: created.endpoint.id).path), "Send it a test event")))
                },
                model.endpoints.isEmpty
                    ? .p(.class("hint"), .text("No endpoints yet."))
                    : .div(
                        .class("scroll"),
                        .table(
                            .thead(.tr(.th("Endpoint"), .th("Format"), .th("Events"), .th("State"))),
                            .tbody(
                                .forEach(model.endpoints) { endpoint in
                                    .tr(
                                        .td(.a(.href(SiteRoute.webhook(id: endpoint.id).path), .text(endpoint.url))),
                                        .td(.text(endpoint.format == .slack ? "Slack" : "JSON")),
                                        .td(
                                            .text(
                                                endpoint.events.isEmpty
                                                    ? "all" : endpoint.events.map(\.rawValue).joined(separator: ", "))),
                                        .td(
                                            .span(
                                                .class(endpoint.failingSince == nil ? "badge active" : "badge removed"),
                                                .text(endpoint.failingSince == nil ? "Delivering" : "Failing"))))
                                }))),
                .h2("Add an endpoint"),
                frame.form(
                    .webhooks,
                    .label(.for("url"), "URL"),
                    .input(
                        .type(.url), .id("url"), .name("url"), .flag("required"),
                        .placeholder("https://example.com/hooks/orchard"),
                        .unwrap(model.url) { .attr("value", $0) },
                        .attribute(named: "aria-invalid", value: model.error == nil ? "false" : "true"),
                        .unwrap(model.error) { _ in .attribute(named: "aria-describedby", value: "url-error") }),
                    .unwrap(model.error) { .p(.id("url-error"), .class("field-error"), .text($0.message)) },
                    .label(.for("format"), "Format"),
                    .select(
                        .id("format"), .attribute(named: "name", value: "format"),
                        option("json", "JSON, signed", selected: true),
                        option("slack", "Slack incoming webhook ({\"text\": …})", selected: false)),
                    .fieldset(
                        legend("Events (none ticked: all of them)"),
                        .group(
                            eventTypes(isOperator: model.isOperator).map { type in
                                .div(
                                    .class("choice"),
                                    .input(
                                        .type(.checkbox), .attr("id", "event-\(type.rawValue)"), .name("event"),
                                        .attr("value", type.rawValue)),
                                    .label(.attr("for", "event-\(type.rawValue)"), .code(.text(type.rawValue))))
                            })),
                    .div(.class("actions"), .span(), .button(.type(.submit), .text("Add endpoint"))))))
    }

    static func webhook(
        _ endpoint: WebhookStore.Endpoint, deliveries: [WebhookStore.Delivery], secret: String?, frame: PageFrame
    ) -> HTMLPage {
        HTMLPage(
            title: "Webhook", frame: frame,
            content: .div(
                .class("medium"),
                .h1("Webhook"),
                .dl(
                    .class("status"),
                    .dt("URL"), .dd(.code(.text(endpoint.url))),
                    .dt("Format"), .dd(.text(endpoint.format == .slack ? "Slack" : "JSON, signed")),
                    .dt("Events"),
                    .dd(
                        .text(endpoint.events.isEmpty ? "all" : endpoint.events.map(\.rawValue).joined(separator: ", "))
                    ),
                    .dt("State"),
                    .dd(
                        .text(
                            endpoint.failingSince.map {
                                "Failing since \(stamp($0)): a delivery was not accepted for a day. New events are still sent."
                            } ?? "Delivering"))),
                .unwrap(secret) { secret in
                    .div(
                        .class("panel"), .attribute(named: "role", value: "status"),
                        .p(.strong("New signing secret."), .text(" Shown this once; the old one no longer signs.")),
                        .p(.class("secret"), .id("webhook-secret"), .text(secret)))
                },
                .div(
                    .class("actions"),
                    frame.form(.testWebhook(id: endpoint.id), .button(.type(.submit), .text("Send test event"))),
                    frame.form(
                        .rotateWebhook(id: endpoint.id),
                        .button(.type(.submit), .class("secondary"), .text("Rotate secret"))),
                    frame.form(
                        .deleteWebhook(id: endpoint.id), .button(.type(.submit), .class("secondary"), .text("Remove")))),
                .h2("Deliveries"),
                deliveries.isEmpty
                    ? .p(.class("hint"), .text("Nothing sent yet."))
                    : .div(
                        .class("scroll"),
                        .table(
                            .thead(.tr(.th("Event"), .th("Sent"), .th("State"), .th("Attempts"), .th("Last answer"))),
                            .tbody(
                                .forEach(deliveries) { delivery in
                                    .tr(
                                        .td(.code(.text(delivery.eventType))),
                                        .td(.text(stamp(delivery.createdAt))),
                                        .td(
                                            .span(
                                                .class(
                                                    delivery.state == .delivered
                                                        ? "badge active"
                                                        : delivery.state == .failed ? "badge removed" : "badge pending"),
                                                .text(
                                                    delivery.state == .delivered
                                                        ? "Delivered"
                                                        : delivery.state == .failed ? "Failed" : "Retrying"))),
                                        .td(.class("num"), .text(String(delivery.attempts))),
                                        .td(
                                            .text(
                                                [delivery.lastStatus.map { "HTTP \($0)" }, delivery.lastError]
                                                    .compactMap { $0 }.joined(separator: ": "))))
                                })))))
    }

    // MARK: Mail sent

    static func sentMail(_ messages: [MailOutbox.Message], transport: String, frame: PageFrame) -> HTMLPage {
        HTMLPage(
            title: "Mail sent", frame: frame,
            content: .div(
                .h1("Mail sent"),
                .p(.text("Every message Orchard composed, newest first. Mail goes out: \(transport).")),
                messages.isEmpty
                    ? .div(.class("empty"), .p("No mail yet."))
                    : .div(
                        .class("scroll"),
                        .table(
                            .thead(.tr(.th("When"), .th("To"), .th("Subject"), .th("Kind"), .th("State"))),
                            .tbody(
                                .forEach(messages) { message in
                                    .tr(
                                        .td(.text(stamp(message.createdAt))), .td(.text(message.recipient)),
                                        .td(
                                            .a(
                                                .href(SiteRoute.sentMailMessage(id: message.id).path),
                                                .text(message.subject))),
                                        .td(.code(.text(message.kind))),
                                        .td(
                                            .span(
                                                .class(
                                                    message.state == .sent
                                                        ? "badge active"
                                                        : message.state == .failed ? "badge removed" : "badge pending"),
                                                .text(message.state.rawValue.capitalized))))
                                })))))
    }

    static func mailMessage(_ message: MailOutbox.Message, frame: PageFrame) -> HTMLPage {
        HTMLPage(
            title: message.subject, frame: frame,
            content: .div(
                .class("medium"),
                .p(.a(.href(SiteRoute.sentMail.path), "← Mail sent")),
                .h1(.text(message.subject)),
                .dl(
                    .class("status"),
                    .dt("To"), .dd(.text(message.recipient)),
                    .dt("Composed"), .dd(.text(stamp(message.createdAt))),
                    .dt("State"),
                    .dd(
                        .text(
                            message.state.rawValue.capitalized
                                + (message.serverReply.map { ": \($0)" } ?? message.lastError.map { ": \($0)" } ?? ""))),
                    .unwrap(message.unsubscribeURL) { .group(.dt("List-Unsubscribe"), .dd(.code(.text($0)))) }),
                .p(.a(.href(SiteRoute.sentMailHTML(id: message.id).path), "The HTML part, as a mail client shows it")),
                .h2("Plain text part"),
                .pre(.class("mail-text"), .text(message.text))))
    }
}
