import Foundation
import HTTPTypes
import OrchardApp
import OrchardCore
import OrchardStorage
import Plot

/// What the operator of an Orchard watches: invitations to accept, the service token, the queue.
enum OperatorPage {
    typealias Model = OperatorOverview.Page

    /// Who may sign up, the invitations nobody used yet, and the link of one just made (shown once).
    struct People {
        var signUpOpen: Bool
        var invitations: [AdmissionStore.Invitation]
        var created: (email: String, link: String)?
        var email = ""
        var error: WebError?
    }

    static func view(_ model: Model, people: People, frame: PageFrame) -> HTMLPage {
        HTMLPage(
            title: "Operator", frame: frame, status: people.error?.status ?? .ok,
            content: .div(
                .h1("Operator"),
                .p(
                    .a(.href(SiteRoute.sentMail.path), "Mail sent"),
                    .text(": every message Orchard composed, with the mail server's answer.")),
                serviceSection(model),
                .unwrap(model.operations?.degradedListing) { degraded in
                    .div(
                        .class("flash error"), .attribute(named: "role", value: "alert"),
                        .h2("Apple's account listing is degraded"),
                        .p(
                            .text(
                                "Since \(AccountPage.day(degraded.since)), Sales.getAccounts has left out \(degraded.vanished) of the \(degraded.accessible) accounts the service Apple ID had, too many at once to be admins removing it. "
                                    + "Nothing is revoked while it lasts; checks go on, and the listing is believed again as soon as it is whole."
                            )))
                },
                .h2("Invitations waiting"),
                model.waiting.isEmpty
                    ? .p(.class("hint"), .text("No pending integration: nothing to accept."))
                    : .group(
                        .p(
                            .text(
                                "Accept the invitation e-mails sent to \(model.serviceAppleID ?? "the service Apple ID") "
                                    + "for these accounts. An integration expires after \(SpokenDuration.text(model.invitationWindow))."
                            )),
                        .table(
                            .thead(
                                .tr(
                                    .th("Account"), .th(.class("num"), "Integrations"), .th("Waiting since"),
                                    .th(.class("num"), "Hours"))),
                            .tbody(
                                .forEach(model.waiting) { waiting in
                                    .tr(
                                        .td(.text("\(waiting.name) (\(waiting.number))")),
                                        .td(.class("num"), .text(String(waiting.integrations))),
                                        .td(.text(AccountPage.day(waiting.pendingSince))),
                                        .td(.class("num"), .text(String(waiting.ageHours))))
                                }))),
                .h2("Accounts with a problem"),
                model.problems.isEmpty
                    ? .p(.class("hint"), .text("None: every synced account is up to date."))
                    : .table(
                        .class("cards"),
                        .thead(.tr(.th("Account"), .th("Problem"), .th("What its users read"))),
                        .tbody(
                            .forEach(model.problems) { item in
                                .tr(
                                    .td(
                                        .data(named: "label", value: "Account"), .text("\(item.name) (\(item.number))")),
                                    .td(.data(named: "label", value: "Problem"), .code(.text(item.problem.code))),
                                    .td(
                                        .data(named: "label", value: "What its users read"), .text(item.problem.message)
                                    ))
                            })),
                .h2("Job queue"),
                depthTable(model.depth),
                .h2("Failing, trying again"),
                model.retrying.isEmpty
                    ? .p(.class("hint"), .text("None."))
                    : .table(
                        .thead(.tr(.th("Job"), .th("Account"), .th(.class("num"), "Attempts"), .th("Last error"))),
                        .tbody(
                            .forEach(model.retrying) { job in
                                .tr(
                                    .td(.text("\(job.kind) #\(job.id)")), .td(.text(job.accountNumber ?? "–")),
                                    .td(.class("num"), .text(String(job.attempts))), .td(.text(job.lastError ?? "–")))
                            })),
                .h2("Dead jobs"),
                model.dead.isEmpty
                    ? .p(.class("hint"), .text("None: every job finished or is still trying."))
                    : .table(
                        .thead(
                            .tr(
                                .th("Job"), .th("Account"), .th(.class("num"), "Attempts"), .th("Last error"),
                                .th("Since"), .th(.span(.class("visually-hidden"), "Actions")))),
                        .tbody(
                            .forEach(model.dead) { job in
                                .tr(
                                    .td(.text("\(job.kind) #\(job.id)")), .td(.text(job.accountNumber ?? "–")),
                                    .td(.class("num"), .text(String(job.attempts))),
                                    .td(.text(job.lastError ?? "–")), .td(.text(AccountPage.day(job.updatedAt))),
                                    .td(
                                        frame.form(
                                            .retryJob(id: job.id),
                                            .button(.type(.submit), .class("secondary"), .text("Retry")))))
                            })),
                peopleSection(people, frame: frame)))
    }

    private static func peopleSection(_ people: People, frame: PageFrame) -> Node<HTML.BodyContext> {
        let emailError = people.error?.message
        return .group(
            .h2(.id("people"), "People"),
            .p(
                .text(
                    people.signUpOpen
                        ? "Sign-up is open: anyone who reaches this Orchard can create an account. An invitation fills in "
                            + "the address for them (ORCHARD_SIGNUP=closed makes it the only way in)."
                        : "Sign-up is closed (ORCHARD_SIGNUP=closed): people create an account only with an invitation "
                            + "link, for the address it names, within 7 days.")),
            .unwrap(people.created) { created in
                .div(
                    .class("flash success"), .attribute(named: "role", value: "status"),
                    .p(.text("Send this link to \(created.email). It is shown only now, works once and for 7 days:")),
                    .input(
                        .type(.text), .attribute(named: "readonly", value: "readonly"), .attr("value", created.link),
                        .attr("aria-label", "Invitation link for \(created.email)"),
                        .class("copyable")))
            },
            frame.form(
                .inviteUser,
                .label(.for("invite-email"), "Invite by e-mail address"),
                .input(
                    .type(.email), .id("invite-email"), .name("email"), .attr("value", people.email), .flag("required"),
                    .attribute(named: "aria-invalid", value: emailError == nil ? "false" : "true"),
                    .unwrap(emailError) { _ in .attribute(named: "aria-describedby", value: "invite-error") }),
                .unwrap(emailError) { .p(.id("invite-error"), .class("field-error"), .text($0)) },
                .div(.class("actions"), .button(.type(.submit), .text("Make an invitation link")))),
            people.invitations.isEmpty
                ? .p(.class("hint"), .text("No invitation is waiting to be used."))
                : .table(
                    .class("cards"),
                    .thead(
                        .tr(
                            .th("Invited"), .th("By"), .th("Expires"),
                            .th(.span(.class("visually-hidden"), "Actions")))),
                    .tbody(
                        .forEach(people.invitations) { invitation in
                            .tr(
                                .td(.data(named: "label", value: "Invited"), .text(invitation.email)),
                                .td(.data(named: "label", value: "By"), .text(invitation.invitedBy ?? "–")),
                                .td(
                                    .data(named: "label", value: "Expires"),
                                    .text(AccountPage.day(invitation.expiresAt))),
                                .td(
                                    frame.form(
                                        .revokeUserInvitation(id: invitation.id),
                                        .button(.type(.submit), .class("secondary"), .text("Withdraw")))))
                        })))
    }

    private static func serviceSection(_ model: Model) -> Node<HTML.BodyContext> {
        let problem = model.operations?.serviceTokenProblem
        let days = model.operations?.serviceTokenDaysLeft
        let warn = problem != nil || (days.map { $0 <= 30 } ?? true)
        return .div(
            .class(warn ? "flash error" : "panel"), .attribute(named: "role", value: warn ? "alert" : "status"),
            .h2("Service Apple ID"),
            .dl(
                .class("status"),
                .dt("Apple ID"), .dd(.text(model.serviceAppleID ?? "not set (ORCHARD_SERVICE_APPLE_ID)")),
                .dt("Reporter token"),
                .dd(
                    .text(
                        model.operations.map { $0.serviceMessage ?? "no token set: run orchard service set-token" }
                            ?? "unknown: this process runs no workers"))))
    }

    private static func depthTable(_ depth: [String: [JobQueue.State: Int]]) -> Node<HTML.BodyContext> {
        let states: [JobQueue.State] = [.queued, .running, .done, .dead, .cancelled]
        guard !depth.isEmpty else { return .p(.class("hint"), .text("The queue is empty.")) }
        return .table(
            .thead(.tr(.th("Kind"), .forEach(states) { .th(.class("num"), .text($0.rawValue)) })),
            .tbody(
                .forEach(depth.keys.sorted()) { kind in
                    .tr(
                        .td(.text(kind)),
                        .forEach(states) { state in .td(.class("num"), .text(String(depth[kind]?[state] ?? 0))) })
                }))
    }
}
