import Foundation
import HTTPTypes
import OrchardApp
import OrchardCore
import OrchardStorage
import Plot

/// The three steps of the App Store Connect funnel as plain pages: each works without JavaScript;
/// `orchard.js` turns them into a dialog.
enum FunnelPage {
    enum Step: Int { case token = 1, accounts, invite }

    static func indicator(_ current: Step) -> Node<HTML.BodyContext> {
        let names = ["Access token", "Accounts", "Invite"]
        return .element(
            named: "ol",
            nodes: [.class("steps"), .attribute(named: "aria-label", value: "Steps")]
                + names.enumerated().map { index, name in
                    let step = index + 1
                    let state = step < current.rawValue ? "done" : step == current.rawValue ? "current" : "todo"
                    return .li(
                        .class(state),
                        .unwrap(step == current.rawValue ? "step" : nil) {
                            .attr("aria-current", $0)
                        },
                        .span(.class("number"), .text(step < current.rawValue ? "✓" : "\(step)")), .text(" \(name)"))
                })
    }

    // MARK: Step 1

    static func token(_ model: Funnel.TokenStep, frame: PageFrame) -> HTMLPage {
        let errorID = "token-error"
        let next: Node<HTML.BodyContext> =
            if let validated = model.validated {
                .a(.class("button"), .href(SiteRoute.funnelAccounts(token: validated.record.id).path), .text("Next"))
            } else {
                .button(
                    .type(.button), .flag("disabled"), .attribute(named: "aria-disabled", value: "true"),
                    .text("Next"))
            }
        return HTMLPage(
            title: "Connect App Store Connect", frame: frame, status: model.error?.status ?? .ok,
            content: .div(
                .class("funnel narrow"),
                .h1("Connect App Store Connect"),
                indicator(.token),
                .p(
                    .text("Paste your App Store Connect access token. Orchard uses it only to see which accounts are "),
                    .text("yours during this setup; it is kept encrypted and erased within the hour.")),
                .details(
                    .summary("Where do I find the token?"),
                    .p(
                        .text("In App Store Connect open Sales and Trends, then Reports, then About Reports (the "),
                        .text("i beside the page title), and copy the token shown, or choose Generate Access Token.")),
                    .p(
                        .strong("Generating a new token revokes the old one."),
                        .text(" Tools still using the old token (scripts, other dashboards) would stop working, so "),
                        .text("paste your existing token if you have one."))),
                .unwrap(model.validated) { validated in
                    .div(
                        .class("flash notice"), .attribute(named: "role", value: "status"),
                        .text(
                            "Token \(validated.record.masked) is valid. It sees \(validated.accounts.count) "
                                + (validated.accounts.count == 1 ? "account." : "accounts.")))
                },
                frame.form(
                    .funnelToken,
                    .label(.for("accessToken"), "Access token"),
                    .input(
                        .type(.password), .id("accessToken"), .name("accessToken"), .flag("required"),
                        .attribute(named: "autocomplete", value: "off"), .spellcheck(false),
                        .attribute(named: "aria-invalid", value: model.error == nil ? "false" : "true"),
                        .attr("aria-describedby", model.error == nil ? "token-hint" : errorID)),
                    .p(.id("token-hint"), .class("hint"), .text("Never shown again, here or anywhere.")),
                    .unwrap(model.error) {
                        .p(
                            .attr("id", errorID), .class("field-error"), .attribute(named: "role", value: "alert"),
                            .text($0.message))
                    },
                    .button(.type(.submit), .class("secondary"), .text("Check token"))),
                .if(
                    !model.kept.isEmpty,
                    .div(
                        .class("kept"),
                        .h2("Or use a token you checked in the last hour"),
                        .ul(
                            .forEach(model.kept) { record in
                                .li(
                                    .a(.href(SiteRoute.funnelAccounts(token: record.id).path), .text(record.masked)),
                                    .span(
                                        .class("hint"),
                                        .text(
                                            " checked \(AccountPage.day(record.createdAt)), sees accounts \(record.provenAccounts.joined(separator: ", "))"
                                        )))
                            }))),
                .div(.class("actions"), .a(.href(SiteRoute.integrations.path), .text("Cancel")), next)))
    }

    // MARK: Step 2

    struct AccountsModel {
        let tokenID: Int64
        let masked: String
        let accounts: [Funnel.SeenAccount]
        /// The user's integrations of these accounts, with their status.
        let integrated: [String: IntegrationStatus]
        var selected: Set<String> = []
        var error: WebError?

        init(_ step: Funnel.AccountsStep, error: WebError? = nil) {
            tokenID = step.tokenID
            masked = step.masked
            accounts = step.accounts
            integrated = step.integrated
            self.error = error
        }
    }

    static func accounts(_ model: AccountsModel, frame: PageFrame) -> HTMLPage {
        HTMLPage(
            title: "Choose accounts", frame: frame, status: model.error?.status ?? .ok,
            content: .div(
                .class("funnel narrow"),
                .h1("Choose accounts"),
                indicator(.accounts),
                .p(.text("Token \(model.masked) sees these App Store Connect accounts. Choose the ones to connect.")),
                .unwrap(model.error) {
                    .div(.class("flash error"), .attribute(named: "role", value: "alert"), .text($0.message))
                },
                frame.form(
                    .funnelAccounts(token: model.tokenID),
                    .fieldset(
                        .element(named: "legend", text: "Accounts"),
                        .forEach(model.accounts) { account in
                            let status = model.integrated[account.number]
                            let done = status != nil
                            let id = "account-\(account.number)"
                            return .div(
                                .class("choice"),
                                .input(
                                    .type(.checkbox), .attr("id", id), .name("account"), .attr("value", account.number),
                                    .flag("checked", model.selected.contains(account.number)),
                                    .flag("disabled", done)),
                                .label(
                                    .attr("for", id), .text("\(account.name) (\(account.number))"),
                                    .span(
                                        .class("hint"),
                                        .text(
                                            (status.map(Self.integratedHint)
                                                ?? " vendor \(account.vendors.joined(separator: ", "))")
                                                + (account.apps.isEmpty
                                                    ? "" : " · apps \(account.apps.joined(separator: ", "))")))))
                        }),
                    .div(
                        .class("actions"), .a(.href(SiteRoute.funnelToken.path), .text("Back")),
                        .button(.type(.submit), .text("Next"))))))
    }

    /// Why an account the user has an integration of cannot be chosen again.
    static func integratedHint(_ status: IntegrationStatus) -> String {
        switch status {
        case .pending, .active: " connected already"
        case .expired: " your integration of it is Expired: remove it on Data Integration first"
        case .removed: " your integration of it is Removed: remove it on Data Integration first"
        }
    }

    // MARK: Step 3

    struct InviteModel {
        let tokenID: Int64
        let accounts: [Funnel.SeenAccount]
        let invitation: Funnel.Invitation
        /// Chosen accounts the service Apple ID sees already: no invitation needed.
        let visible: Set<String>
        var error: WebError?

        init(_ step: Funnel.InviteStep, error: WebError? = nil) {
            tokenID = step.tokenID
            accounts = step.accounts
            invitation = step.invitation
            visible = step.visible
            self.error = error
        }
    }

    static func invite(_ model: InviteModel, frame: PageFrame) -> HTMLPage {
        let names = model.accounts.filter { !model.visible.contains($0.number) }.map { "\($0.name) (\($0.number))" }
            .joined(separator: ", ")
        let seen = model.accounts.filter { model.visible.contains($0.number) }.map { "\($0.name) (\($0.number))" }
            .joined(separator: ", ")
        return HTMLPage(
            title: "Invite Orchard", frame: frame, status: model.error?.status ?? .ok,
            content: .div(
                .class("funnel narrow"),
                .h1("Invite Orchard into your accounts"),
                indicator(.invite),
                .unwrap(model.error) {
                    .div(.class("flash error"), .attribute(named: "role", value: "alert"), .text($0.message))
                },
                .unwrap(
                    model.invitation.serviceAppleID,
                    { address in
                        .div(
                            .p(.text("Invite this Apple ID into each account you selected:")),
                            .p(
                                .class("copyable"), .code(.id("service-apple-id"), .text(address)),
                                .button(
                                    .type(.button), .class("secondary copy"),
                                    .data(named: "copy", value: "service-apple-id"),
                                    .flag("hidden"), .text("Copy"))))
                    },
                    else: .div(
                        .class("flash error"), .attribute(named: "role", value: "alert"),
                        .text(
                            "The operator of this Orchard has not set its service Apple ID (ORCHARD_SERVICE_APPLE_ID), "
                                + "so there is no address to invite yet. Ask them to set it, then come back."))),
                .element(
                    named: "ol", nodes: model.invitation.steps.map { .li(.text($0)) }),
                .if(
                    !names.isEmpty,
                    .p(
                        .strong(.text("Do this in each account separately: \(names).")),
                        .text(" Role: Sales; add Finance for payouts by fiscal month."))),
                .if(
                    !seen.isEmpty,
                    .p(
                        .class("hint"),
                        .text(
                            "Orchard sees \(seen) already (another user of the account connected it): no invitation needed."
                        ))),
                frame.form(
                    .funnelFinish(token: model.tokenID),
                    .forEach(model.accounts) { .input(.type(.hidden), .name("account"), .attr("value", $0.number)) },
                    .div(
                        .class("choice"),
                        .input(
                            .type(.checkbox), .id("confirmed"), .name("invitationConfirmed"), .value("true"),
                            .flag("required"),
                            .flag("disabled", model.invitation.serviceAppleID == nil)),
                        .label(.for("confirmed"), "I have invited the Apple ID into every selected account")),
                    .div(
                        .class("actions"),
                        .a(.href(SiteRoute.funnelAccounts(token: model.tokenID).path), .text("Back")),
                        .button(
                            .type(.submit), .if(model.invitation.serviceAppleID == nil, .flag("disabled")),
                            .text("Finish"))))))
    }
}

extension Funnel.TokenStep {
    /// Why the pasted token was refused, as the page says it.
    var error: WebError? { problem.map(WebError.init) }
}
