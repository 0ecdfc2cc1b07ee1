import HTTPTypes
import OrchardApp
import OrchardCore
import Plot

/// The sign-up and sign-in forms. An error is tied to its field (`aria-describedby`) or, when it
/// concerns the pair, shown above the form; what the person typed stays, the password never.
enum CredentialPage {
    enum Kind {
        /// With what the sign-up page asks for, and the invitation link's token the person came with.
        case signUp(Membership.SignUpForm, invitation: String?)
        case signIn(next: String?)
    }

    struct Model {
        var kind: Kind
        var email = ""
        var error: WebError?
    }

    static func view(_ model: Model, frame: PageFrame) -> HTMLPage {
        var form: Membership.SignUpForm?
        var invitation: String?
        if case .signUp(let asked, let token) = model.kind { (form, invitation) = (asked, token) }
        let signUp = form != nil
        let firstOperator = form == .firstOperator
        let title =
            firstOperator
            ? "Create the operator's account" : signUp ? "Create your Orchard account" : "Sign in to Orchard"
        let emailError: String? = if case .credential(.invalidEmail) = model.error { model.error?.message } else { nil }
        let passwordError: String? =
            if case .credential(.weakPassword(_)) = model.error { model.error?.message } else { nil }
        let codeError: String? = if case .setupCodeRequired = model.error { model.error?.message } else { nil }
        let formError = emailError == nil && passwordError == nil && codeError == nil ? model.error?.message : nil
        // Closed, and no open invitation came with the visit: nothing to fill in.
        if case .byInvitation(nil) = form {
            let sentence = WebError(invitation == nil ? .invitationRequired : .invitationUnusable).message
            return HTMLPage(
                title: "Sign up", frame: frame, status: model.error?.status ?? .ok,
                content: .div(
                    .class("narrow"), .h1(.text("Sign-up is by invitation")), .p(.text(sentence)),
                    .p(.a(.href(SiteRoute.signIn().path), .text("I have an account")))))
        }
        let route: SiteRoute = signUp ? .signUp() : .signIn()
        return HTMLPage(
            title: signUp ? "Sign up" : "Sign in", frame: frame, status: model.error?.status ?? .ok,
            content: .div(
                .class("narrow"),
                .h1(.text(title)),
                .if(
                    firstOperator,
                    .p(
                        .text(
                            "Nobody has signed up here yet. The first account is the operator's: it sees the job "
                                + "queue and the service Apple ID, and invites the others when sign-up is closed."))),
                .unwrap(formError) {
                    .div(.class("flash error"), .attribute(named: "role", value: "alert"), .text($0))
                },
                frame.form(
                    route,
                    .unwrap(nextPath(model.kind)) { .input(.type(.hidden), .name("next"), .attr("value", $0)) },
                    .unwrap(form?.invitedEmail == nil ? nil : invitation) {
                        .input(.type(.hidden), .name("invitation"), .attr("value", $0))
                    },
                    .if(firstOperator, setupCodeField(error: codeError)),
                    .label(.for("email"), "E-mail address"),
                    .input(
                        .type(.email), .id("email"), .name("email"), .attr("value", model.email), .flag("required"),
                        .attribute(named: "autocomplete", value: "email"),
                        .attribute(named: "aria-invalid", value: emailError == nil ? "false" : "true"),
                        .unwrap(emailError) { _ in .attribute(named: "aria-describedby", value: "email-error") }),
                    .unwrap(emailError) { .p(.id("email-error"), .class("field-error"), .text($0)) },
                    .label(.for("password"), "Password"),
                    .input(
                        .type(.password), .id("password"), .name("password"), .flag("required"),
                        .attribute(named: "autocomplete", value: signUp ? "new-password" : "current-password"),
                        .attribute(named: "aria-invalid", value: passwordError == nil ? "false" : "true"),
                        .attribute(
                            named: "aria-describedby",
                            value: passwordError != nil ? "password-error" : signUp ? "password-hint" : nil)
                    ),
                    .if(
                        signUp,
                        .p(
                            .id("password-hint"), .class("hint"),
                            .text("At least 10 characters. A passphrase of a few words is easiest to remember."))),
                    .unwrap(passwordError) { .p(.id("password-error"), .class("field-error"), .text($0)) },
                    .div(
                        .class("actions"),
                        signUp
                            ? .a(.href(SiteRoute.signIn().path), .text("I have an account"))
                            : .a(.href(SiteRoute.signUp().path), .text("Create an account")),
                        .button(.type(.submit), .text(signUp ? "Create account" : "Sign in"))))))
    }

    /// The first operator's setup code, with where to find it.
    private static func setupCodeField(error: String?) -> Node<HTML.FormContext> {
        .group(
            .label(.for("setup_code"), "Setup code"),
            .input(
                .type(.text), .id("setup_code"), .name("setup_code"), .flag("required"),
                .attribute(named: "autocomplete", value: "off"), .attribute(named: "spellcheck", value: "false"),
                .attribute(named: "aria-invalid", value: error == nil ? "false" : "true"),
                .attribute(named: "aria-describedby", value: error == nil ? "setup-code-hint" : "setup-code-error")),
            .p(
                .id("setup-code-hint"), .class("hint"),
                .text("Printed by "), .code("orchard serve"),
                .text(" when it started, such as ABCD-EFGH-JKLM-NPQR. It works once.")),
            .unwrap(error) { .p(.id("setup-code-error"), .class("field-error"), .text($0)) })
    }

    private static func nextPath(_ kind: Kind) -> String? {
        if case .signIn(let next) = kind { return next }
        return nil
    }
}
