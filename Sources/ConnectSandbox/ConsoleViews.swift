import Foundation
import Plot

/// The console's pages.
enum ConsoleViews {
    static func signIn(users: [SandboxUser]) -> ConsolePage {
        ConsolePage(
            title: "Sign in", signedIn: nil,
            content: .group(
                .p(
                    "Choose the Apple ID to sign in as. Every Apple ID of this sandbox is listed; none needs a password."
                ),
                users.isEmpty
                    ? .p(.class("notice"), .text("No Apple IDs yet: create one with POST /sandbox/v1/users."))
                    : .ul(
                        .forEach(users) { user in
                            .li(
                                .form(
                                    .class("inline"), .method(.post), .action(ConsoleRoute.signIn),
                                    .input(.type(.hidden), .name("appleId"), .value(user.appleId)),
                                    .button(.type(.submit), .text("Sign in as \(user.appleId)"))))
                        })
            ))
    }

    static func home(user: SandboxUser, world: SandboxWorld, newToken: ReporterToken?) -> ConsolePage {
        let memberships = world.memberships(appleId: user.appleId)
        let pending = world.invitations().filter { $0.email == user.appleId && $0.state == .pending }
        return ConsolePage(
            title: "Accounts", signedIn: user.appleId,
            content: .group(
                memberships.isEmpty
                    ? .p("This Apple ID is not a user of any account yet.")
                    : .table(
                        .tr(.th("Account"), .th("Number"), .th("Your roles"), .th("")),
                        .forEach(memberships) { membership in
                            let account = try? world.account(membership.account)
                            return .tr(
                                .td(.text(account?.name ?? "")), .td(.text(String(membership.account))),
                                .td(.text(roleLabels(membership.roles))),
                                .td(
                                    .if(
                                        membership.roles.canManageUsers,
                                        .a(.href(ConsoleRoute.users(membership.account)), .text("Users and Access")))))
                        }),
                .if(
                    !pending.isEmpty,
                    .group(
                        .h2("Invitations for you"),
                        .table(
                            .tr(.th("Account"), .th("Roles"), .th("Expires"), .th("")),
                            .forEach(pending) { invitation in
                                .tr(
                                    .td(.text((try? world.account(invitation.account))?.name ?? "")),
                                    .td(.text(roleLabels(invitation.roles))),
                                    .td(.text(JSONReply.timestamp(invitation.expiresAt))),
                                    .td(
                                        .form(
                                            .class("inline"), .method(.post),
                                            .action(ConsoleRoute.accept(invitation.id)),
                                            .button(.type(.submit), .text("Accept")))))
                            }))
                ),
                .h2("Reporter access token"),
                .unwrap(newToken) { token in
                    .div(
                        .p(
                            .class("notice"),
                            .text("Your new access token (shown once; the previous one no longer works):")),
                        .p(.class("token"), .text(token.value)),
                        .p(.text("Expires \(JSONReply.timestamp(token.expiresAt)).")))
                },
                .p(
                    .text(
                        user.token.map { "Current token \($0.masked), expires \(JSONReply.timestamp($0.expiresAt))." }
                            ?? "You have no access token yet.")),
                .form(
                    .method(.post), .action(ConsoleRoute.token),
                    .p("Generating a new token revokes the current one; tools that use it stop working."),
                    .button(.type(.submit), .text("Generate Access Token")))
            ))
    }

    static func users(user: SandboxUser, account: SandboxAccount, world: SandboxWorld, problem: String?) -> ConsolePage
    {
        let members = world.memberships(account: account.number)
        let invitations = world.invitations(account: account.number).filter { $0.state == .pending }
        let inviteRoles: [SandboxRole] = [
            .admin, .finance, .sales, .marketing, .appManager, .developer, .customerSupport,
        ]
        return ConsolePage(
            title: "Users and Access · \(account.name)", signedIn: user.appleId,
            content: .group(
                .p(.a(.href(ConsoleRoute.console), .text("← Accounts"))),
                .h2("People"),
                .table(
                    .tr(.th("Apple ID"), .th("Roles"), .th("")),
                    .forEach(members) { member in
                        .tr(
                            .td(.text(member.appleId)), .td(.text(roleLabels(member.roles))),
                            .td(
                                .if(
                                    !member.roles.contains(.accountHolder),
                                    .form(
                                        .class("inline"), .method(.post),
                                        .action(ConsoleRoute.remove(account.number, member.appleId)),
                                        .button(.type(.submit), .text("Remove"))))))
                    }),
                .h2("Pending invitations"),
                invitations.isEmpty
                    ? .p("None.")
                    : .table(
                        .tr(.th("Email"), .th("Roles"), .th("Expires")),
                        .forEach(invitations) { invitation in
                            .tr(
                                .td(.text(invitation.email)), .td(.text(roleLabels(invitation.roles))),
                                .td(.text(JSONReply.timestamp(invitation.expiresAt))))
                        }),
                .h2("Invite a user"),
                .unwrap(problem) { .p(.class("problem"), .text($0)) },
                .form(
                    .method(.post), .action(ConsoleRoute.invite(account.number)),
                    .p(.label(.text("Email "), .input(.type(.email), .name("email"), .required(true)))),
                    .p(
                        .label(.text("First name "), .input(.type(.text), .name("firstName"))), .text(" "),
                        .label(.text("Last name "), .input(.type(.text), .name("lastName")))),
                    .fieldset(
                        .element(named: "legend", text: "Roles"),
                        .forEach(inviteRoles) { role in
                            .label(
                                .input(
                                    .type(.checkbox), .name("roles"), .value(role.rawValue), .checked(role == .sales)),
                                .text(" \(role.label) "))
                        }),
                    .button(.type(.submit), .text("Invite")))
            ))
    }

    private static func roleLabels(_ roles: Set<SandboxRole>) -> String {
        roles.sorted { $0.rawValue < $1.rawValue }.map(\.label).joined(separator: ", ")
    }
}
