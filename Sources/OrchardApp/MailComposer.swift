package import Foundation
package import OrchardCore
import SalesReports

/// The paths of the pages mail links to (the web target serves them; a web test follows each).
package enum MailLinks {
    package static func integration(_ id: Int64) -> String { "/integrations/\(id)" }
    package static let integrations = "/integrations"
    package static let notifications = "/account/notifications"
    package static let activity = "/activity"
    package static func unsubscribe(_ token: String) -> String { "/unsubscribe/\(token)" }
    package static func verify(_ token: String) -> String { "/verify-email/\(token)" }
    package static func dashboard(account: String?, from: String, to: String) -> String {
        "/dashboard?from=\(from)&to=\(to)" + (account.map { "&account=\($0)" } ?? "")
    }
}

/// What each event says in a mail (docs/NOTIFICATIONS.md): a subject that tells it all, the
/// figures, what happens next and what the user can do.
package struct MailComposer: Sendable {
    let publicURL: URL

    package init(publicURL: URL) {
        self.publicURL = publicURL
    }

    package func url(_ path: String) -> URL {
        let base =
            publicURL.absoluteString.hasSuffix("/")
            ? String(publicURL.absoluteString.dropLast()) : publicURL.absoluteString
        return URL(string: base + path) ?? publicURL
    }

    static let footer = "You receive this because you use Orchard with this address."

    /// The verification mail: essential, no unsubscribe.
    package func verification(email: String, token: String, changing: Bool) -> MailDocument {
        MailDocument(
            subject: changing ? "Confirm your new address for Orchard" : "Confirm your address for Orchard",
            preview: "One click, and Orchard can send you notifications.",
            title: changing ? "Confirm your new address" : "Confirm your address",
            blocks: [
                .paragraph(
                    changing
                        ? "Someone signed in to Orchard asked to use \(email) as their address. If it was you, confirm it; your notifications go here from then on."
                        : "Confirm \(email) and Orchard can send you the digest and the notifications you choose."),
                .button(title: "Confirm \(email)", url: url(MailLinks.verify(token))),
                .paragraph(
                    "The link works for 48 hours. If you did not ask for it, ignore this mail: nothing changes."),
            ],
            footer: "This mail was asked for on Orchard; it is sent once.")
    }

    /// The mail of an event, or `nil` for events that are not mailed one by one (a day's data).
    package func mail(for event: ActivityEvent, unsubscribe: URL?) -> MailDocument? {
        let data = event.data
        func text(_ key: String) -> String? { data[key]?.string }
        let account = "\(text("accountName") ?? "Account") (\(event.accountNumber ?? text("accountNumber") ?? "?"))"
        let integrationURL = data["integrationId"].flatMap { value -> URL? in
            if case .integer(let id) = value { return url(MailLinks.integration(id)) }
            return nil
        }
        let settings = url(MailLinks.notifications)
        func document(_ subject: String, _ title: String, _ blocks: [MailDocument.Block]) -> MailDocument {
            MailDocument(
                subject: subject,
                preview: blocks.first.flatMap { if case .paragraph(let p) = $0 { p } else { nil } } ?? title,
                title: title, blocks: blocks, footer: Self.footer, settingsURL: settings, unsubscribeURL: unsubscribe)
        }
        switch event.type {
        case .integrationActive:
            return document(
                "\(account) is connected: history is loading", "\(account) is connected",
                [
                    .paragraph(
                        "Orchard's service Apple ID now sees \(account). Its history is loading from Apple's daily reports; the account page shows the progress, and the dashboard fills in as days arrive."
                    ),
                    .button(title: "See the progress", url: integrationURL ?? url(MailLinks.integrations)),
                ])
        case .integrationExpired:
            return document(
                "\(account): the invitation was not seen in time", "\(account) expired",
                [
                    .paragraph(text("reason") ?? "Orchard's service Apple ID did not appear in the account in time."),
                    .paragraph(
                        "To fix it: remove this integration, start again from Data Integration, and invite the service Apple ID with the Sales role in App Store Connect (Users and Access)."
                    ),
                    .button(title: "Open the integration", url: integrationURL ?? url(MailLinks.integrations)),
                ])
        case .integrationRemoved:
            var blocks: [MailDocument.Block] = [
                .paragraph(
                    text("reason") ?? "Orchard's service user was removed from this App Store Connect account.")
            ]
            if let purge = text("purgeOn") {
                blocks.append(
                    .paragraph(
                        "Its data stays readable until \(purge), then it is deleted. If an admin adds the service Apple ID back before then, the integration comes back by itself with its history."
                    ))
            }
            blocks.append(.button(title: "Open the integration", url: integrationURL ?? url(MailLinks.integrations)))
            return document("\(account) was removed: no new data", "\(account) was removed", blocks)
        case .integrationRestored:
            return document(
                "\(account) is back: access restored", "\(account) is back",
                [
                    .paragraph(
                        "The service Apple ID sees \(account) again. Orchard fetches the days it missed; nothing you held was lost."
                    ),
                    .button(title: "Open the integration", url: integrationURL ?? url(MailLinks.integrations)),
                ])
        case .invitationEnding:
            return document(
                "\(account): 24 hours left to invite Orchard", "24 hours left for \(account)",
                [
                    .paragraph(
                        "Orchard still does not see \(account). If the service Apple ID (\(text("serviceAppleId") ?? "shown on the integration page")) is not invited with the Sales role by \(text("endsAt") ?? "tomorrow"), the integration expires and you start again."
                    ),
                    .paragraph(
                        "In App Store Connect: Users and Access → + → the address → role Sales → Invite. Then check the integration page: Orchard looks every few minutes."
                    ),
                    .button(title: "Open the integration", url: integrationURL ?? url(MailLinks.integrations)),
                ])
        case .syncDelayed:
            return document(
                "\(account): no new day since \(text("lastDay") ?? "?")", "Apple's reports for \(account) are late",
                [
                    .paragraph(
                        "Orchard holds \(account) through \(text("lastDay") ?? "?"); \(text("expectedDay") ?? "the next day") should have been published by Apple more than 36 hours ago. Orchard keeps asking; you get a mail when it arrives."
                    ),
                    .paragraph(
                        text("lastError").map { "The last answer: \($0)" }
                            ?? "Apple answered that the report is not there yet."),
                    .button(title: "Open the account", url: integrationURL ?? url(MailLinks.integrations)),
                ])
        case .syncRecovered:
            return document(
                "\(account) is up to date again", "\(account) is up to date again",
                [
                    .paragraph(
                        "Apple's reports arrived: Orchard holds \(account) through \(text("lastDay") ?? "the latest day") again."
                    ),
                    .button(title: "Open the dashboard", url: url("/dashboard")),
                ])
        case .metricAlert:
            let link = text("link").map { url($0) } ?? url("/dashboard")
            return document(
                "\(text("metricName") ?? "A figure") \(text("direction") ?? "moved") on \(text("day") ?? "?"): \(text("value") ?? "?")",
                "\(text("metricName") ?? "A figure") was unusual on \(text("day") ?? "?")",
                [
                    .figures([
                        (label: text("metricName") ?? "Figure", value: text("value") ?? "?", note: nil),
                        (
                            label: "Expected", value: text("expected") ?? "?",
                            note: "from the last 28 \(text("weekday") ?? "same weekdays")s"
                        ),
                    ]),
                    .paragraph(
                        "\(account), \(text("scope") ?? "all apps"). Alerts compare a completed day with the same weekday of the last four weeks: median and median absolute deviation."
                    ),
                    .button(title: "See it on the dashboard", url: link),
                ])
        case .tokenExpiring:
            return document(
                "Orchard's service token expires in \(text("days") ?? "?") days",
                "The service token expires on \(text("expiresOn") ?? "?")",
                [
                    .paragraph(
                        "When the service Apple ID's Reporter token expires, no account syncs. Generate a new one in Reporter (it revokes the old one), then run `orchard service set-token`."
                    ),
                    .button(title: "Open the operator page", url: url("/operator")),
                ])
        case .tokenRefused:
            return document(
                "Apple refuses Orchard's service token", "Apple refuses the service token",
                [
                    .paragraph(
                        text("reason")
                            ?? "Apple answered that the token is invalid or expired. No account syncs until it is replaced."
                    ),
                    .button(title: "Open the operator page", url: url("/operator")),
                ])
        case .listingDegraded:
            return document(
                "Apple's account listing lost \(text("vanished") ?? "several") accounts at once",
                "Apple's listing looks broken",
                [
                    .paragraph(
                        "\(text("vanished") ?? "Several") of \(text("accessible") ?? "the") accounts vanished from one listing. Orchard revokes nothing until the listing is whole again."
                    ),
                    .button(title: "Open the operator page", url: url("/operator")),
                ])
        case .jobDead:
            return document(
                "A job failed for good: \(text("kind") ?? "?")", "A job failed for good",
                [
                    .paragraph(
                        "Job \(text("jobId") ?? "?") (\(text("kind") ?? "?")) used its last attempt: \(text("error") ?? "?")"
                    ),
                    .button(title: "Open the operator page", url: url("/operator")),
                ])
        case .test:
            return document(
                "A test notification from Orchard", "A test notification",
                [
                    .paragraph(
                        "This is what Orchard sends when something happens. Nothing happened: someone pressed \"send test event\"."
                    )
                ])
        case .dayComplete:
            let day = text("day") ?? "?"
            let link = url(MailLinks.dashboard(account: event.accountNumber, from: day, to: day))
            return document(
                "\(account): \(day) is complete", "\(day) is complete for \(account)",
                [
                    .paragraph(
                        "Apple's reports of \(day) are all in for \(account): the dashboard's figures for that day are complete (Apple may still restate them within a week, and Orchard fetches them again)."
                    ),
                    .button(title: "See the day", url: link),
                ])
        case .digest:
            return nil
        }
    }

    /// One line of an event, for Slack and the activity feed.
    package static func summary(of event: ActivityEvent) -> String {
        let data = event.data
        func text(_ key: String) -> String? { data[key]?.string }
        let account = "\(text("accountName") ?? "Account") (\(event.accountNumber ?? "?"))"
        switch event.type {
        case .integrationActive: return "\(account) is connected; history is loading."
        case .integrationExpired: return "\(account) expired: the invitation was not seen in time."
        case .integrationRemoved:
            return
                "\(account) was removed: the service user left the account\(text("purgeOn").map { "; data kept until \($0)" } ?? "")."
        case .integrationRestored: return "\(account) is back: access restored."
        case .invitationEnding: return "\(account): 24 hours left to invite Orchard's service Apple ID."
        case .syncDelayed: return "\(account): no new day since \(text("lastDay") ?? "?"); Apple is late."
        case .syncRecovered: return "\(account) is up to date again, through \(text("lastDay") ?? "?")."
        case .dayComplete: return "\(account): \(text("day") ?? "a day") is complete."
        case .metricAlert:
            return
                "\(account): \(text("metricName") ?? "a figure") \(text("value") ?? "?") on \(text("day") ?? "?"), expected \(text("expected") ?? "?")."
        case .digest: return text("headline") ?? "Your digest."
        case .tokenExpiring:
            return "The service token expires on \(text("expiresOn") ?? "?") (\(text("days") ?? "?") days)."
        case .tokenRefused: return "Apple refuses the service token."
        case .listingDegraded:
            return "Apple's listing lost \(text("vanished") ?? "several") accounts at once; nothing is revoked."
        case .jobDead: return "Job \(text("jobId") ?? "?") (\(text("kind") ?? "?")) failed for good."
        case .test: return "A test event from Orchard."
        }
    }
}
