import HTTPTypes
import OrchardCore
import Plot

/// The sign-up and sign-in forms. An error is tied to its field (`aria-describedby`) or, when it
/// concerns the pair, shown above the form; what the person typed stays, the password never.
enum CredentialPage {
    enum Kind { case signUp, signIn(next: String?) }

    struct Model {
        var kind: Kind
        var email = ""
        var error: WebError?
    }

    static func view(_ model: Model, frame: PageFrame) -> HTMLPage {
        let signUp = if case .signUp = model.kind { true } else { false }
        let title = signUp ? "Create your Orchard account" : "Sign in to Orchard"
        let emailError: String? = if case .credential(.invalidEmail) = model.error { model.error?.message } else { nil }
        let passwordError: String? =
            if case .credential(.weakPassword(_)) = model.error { model.error?.message } else { nil }
        let formError = emailError == nil && passwordError == nil ? model.error?.message : nil
        let route: SiteRoute = signUp ? .signUp : .signIn()
        return HTMLPage(
            title: signUp ? "Sign up" : "Sign in", frame: frame, status: model.error?.status ?? .ok,
            content: .div(
                .class("narrow"),
                .h1(.text(title)),
                .unwrap(formError) {
                    .div(.class("flash error"), .attribute(named: "role", value: "alert"), .text($0))
                },
                frame.form(
                    route,
                    .unwrap(nextPath(model.kind)) { .input(.type(.hidden), .name("next"), .attr("value", $0)) },
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
                            : .a(.href(SiteRoute.signUp.path), .text("Create an account")),
                        .button(.type(.submit), .text(signUp ? "Create account" : "Sign in"))))))
    }

    private static func nextPath(_ kind: Kind) -> String? {
        if case .signIn(let next) = kind { return next }
        return nil
    }
}
