import Foundation
import HTTPTypes
import OrchardCore
import OrchardStorage
import Plot

/// Settings (the address, the role, the password) and API tokens.
enum AccountPage {
    struct PasswordModel {
        var error: WebError?
        var currencies: [String] = []
    }

    static func settings(user: User, model: PasswordModel, frame: PageFrame) -> HTMLPage {
        let error = model.error
        let newError: String? = if case .credential = error { error?.message } else { nil }
        let currentError: String? =
            if case .invalidCredentials = error { "That is not your current password." } else { nil }
        return HTMLPage(
            title: "Settings", frame: frame, status: error?.status ?? .ok,
            content: .div(
                .class("narrow"),
                .h1("Settings"),
                .dl(
                    .class("status"),
                    .dt("E-mail address"), .dd(.text(user.email)),
                    .dt("Role"), .dd(.text(user.role == .operator ? "Operator" : "Member"))),
                .p(
                    .a(.href(SiteRoute.notifications.path), "Notifications"),
                    .text(": your address, the digest, alerts and what is mailed. "),
                    .a(.href(SiteRoute.webhooks.path), "Webhooks"),
                    .text(": events sent to your own systems.")),
                .if(
                    !model.currencies.isEmpty,
                    .group(
                        .h2("Currency"),
                        frame.form(
                            .changeCurrency,
                            .label(.for("currency"), "Show money in"),
                            .select(
                                .id("currency"), .attribute(named: "name", value: "currency"),
                                .group(
                                    model.currencies.map { code in
                                        .element(
                                            named: "option",
                                            nodes: [
                                                .attr("value", code),
                                                code == user.currency
                                                    ? .attribute(named: "selected", value: "selected") : .empty,
                                                .text(code),
                                            ])
                                    })),
                            .p(
                                .class("hint"),
                                .text(
                                    "Sales and proceeds are converted with the ECB reference rate of each report day. "
                                        + "Amounts in a currency the ECB does not publish stay in their own currency.")),
                            .div(.class("actions"), .button(.type(.submit), .text("Save currency")))))),
                .h2("Change password"),
                frame.form(
                    .changePassword,
                    .label(.for("current"), "Current password"),
                    .input(
                        .type(.password), .id("current"), .name("current"), .flag("required"),
                        .attribute(named: "autocomplete", value: "current-password"),
                        .attribute(named: "aria-invalid", value: currentError == nil ? "false" : "true"),
                        .unwrap(currentError) { _ in .attribute(named: "aria-describedby", value: "current-error") }),
                    .unwrap(currentError) { .p(.id("current-error"), .class("field-error"), .text($0)) },
                    .label(.for("new"), "New password"),
                    .input(
                        .type(.password), .id("new"), .name("new"), .flag("required"),
                        .attribute(named: "autocomplete", value: "new-password"),
                        .attribute(named: "aria-invalid", value: newError == nil ? "false" : "true"),
                        .attribute(named: "aria-describedby", value: newError == nil ? "new-hint" : "new-error")),
                    .p(.id("new-hint"), .class("hint"), .text("At least 10 characters. Other devices are signed out.")),
                    .unwrap(newError) { .p(.id("new-error"), .class("field-error"), .text($0)) },
                    .div(.class("actions"), .span(), .button(.type(.submit), .text("Change password"))))))
    }

    struct TokensModel {
        var tokens: [SessionStore.APIToken]
        /// A token just created: shown once, here, and never again.
        var created: (name: String, value: String)?
        var nameError: String?
    }

    static func tokens(_ model: TokensModel, frame: PageFrame) -> HTMLPage {
        HTMLPage(
            title: "API tokens", frame: frame, status: model.nameError == nil ? .ok : .unprocessableContent,
            content: .div(
                .h1("API tokens"),
                .p(
                    .text("Scripts call the JSON API under "), .code(.text(SiteRoute.apiPrefix)),
                    .text(" with "), .code("Authorization: Bearer <token>"), .text(".")),
                .unwrap(model.created) { created in
                    .div(
                        .class("panel"), .attribute(named: "role", value: "status"),
                        .p(
                            .strong(.text("Token “\(created.name)” created.")),
                            .text(" Copy it now: Orchard keeps only a hash and cannot show it again.")),
                        .p(.class("secret"), .id("new-token"), .text(created.value)))
                },
                model.tokens.isEmpty
                    ? .p(
                        .class("hint"),
                        .text("No tokens yet. Create one for each script, so you can revoke one without the others."))
                    : .table(
                        .thead(
                            .tr(
                                .th("Name"), .th("Starts with"), .th("Created"), .th("Last used"),
                                .th(.span(.class("visually-hidden"), "Actions")))),
                        .tbody(
                            .forEach(model.tokens) { token in
                                .tr(
                                    .td(.text(token.name)), .td(.code(.text(token.prefix + "…"))),
                                    .td(.text(day(token.createdAt))), .td(.text(token.lastUsedAt.map(day) ?? "never")),
                                    .td(
                                        frame.form(
                                            .revokeAPIToken(id: token.id),
                                            .button(.type(.submit), .class("secondary"), .text("Revoke")))))
                            })),
                .h2("New token"),
                frame.form(
                    .apiTokens,
                    .label(.for("name"), "Name"),
                    .input(
                        .type(.text), .id("name"), .name("name"), .flag("required"),
                        .placeholder("e.g. nightly export"),
                        .attribute(named: "aria-invalid", value: model.nameError == nil ? "false" : "true"),
                        .unwrap(model.nameError) { _ in .attribute(named: "aria-describedby", value: "name-error") }),
                    .unwrap(model.nameError) { .p(.id("name-error"), .class("field-error"), .text($0)) },
                    .div(.class("actions"), .span(), .button(.type(.submit), .text("Create token"))))))
    }

    static func day(_ date: Date) -> String {
        date.formatted(.iso8601.year().month().day())
    }
}
