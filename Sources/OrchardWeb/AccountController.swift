import Foundation
import Hummingbird
import OrchardApp
import OrchardCore
import OrchardStorage

/// The account pages: sign up, sign in, sign out, settings and API tokens.
struct AccountController: Sendable {
    let membership: Membership
    let client: ClientAddress
    /// The currencies a user may show their figures in (those with a current ECB rate, and the euro).
    let currencies: @Sendable () async throws -> [String]
    /// Sends a new user's confirmation link, when mail is configured.
    var notifications: Notifications?

    struct CredentialsForm: Decodable {
        let email: String
        let password: String
        let next: String?
    }

    struct SignUpForm: Decodable {
        let email: String
        let password: String
        let setupCode: String?
        let invitation: String?

        enum CodingKeys: String, CodingKey {
            case email, password, invitation
            case setupCode = "setup_code"
        }
    }

    struct PasswordForm: Decodable {
        let current: String
        let new: String
    }

    struct TokenForm: Decodable {
        let name: String
    }

    func addRoutes(to router: Router<OrchardRequestContext>) {
        router.get(SiteRoute.signUp().pattern) { request, context in
            if context.user != nil { return Redirect.to(SiteRoute.home.path) }
            let invitation = request.uri.queryParameters["invitation"].map(String.init)
            let form = try await membership.signUpForm(invitation: invitation)
            return CredentialPage.view(
                .init(kind: .signUp(form, invitation: invitation), email: form.invitedEmail ?? ""),
                frame: PageFrame(context, request: request)
            ).response(from: request, context: context)
        }
        router.post(SiteRoute.signUp().pattern) { request, context in
            let form = try await request.decode(as: SignUpForm.self, context: context)
            do {
                let (user, session) = try await membership.signUp(
                    email: form.email, password: form.password,
                    pass: .init(setupCode: form.setupCode, invitation: form.invitation),
                    from: client.of(request, peer: context.remoteAddress), granting: .session)
                // The account exists: a confirmation that could not be queued is sent again from Notifications.
                try? await notifications?.welcome(user)
                return signedIn(session, flash: .welcome, next: nil, request: request)
            } catch let error as MembershipError {
                let kind = try await membership.signUpForm(invitation: form.invitation)
                var response = CredentialPage.view(
                    .init(kind: .signUp(kind, invitation: form.invitation), email: form.email, error: WebError(error)),
                    frame: PageFrame(context, request: request)
                ).response(from: request, context: context)
                if case .tooManyAttempts(let seconds) = error { response.headers[.retryAfter] = String(seconds) }
                return response
            }
        }
        router.get(SiteRoute.signIn().pattern) { request, context in
            let next = LocalPath.validated(request.uri.queryParameters["next"].map(String.init))
            if context.user != nil { return Redirect.to(next ?? SiteRoute.home.path) }
            return CredentialPage.view(.init(kind: .signIn(next: next)), frame: PageFrame(context, request: request))
                .response(from: request, context: context)
        }
        router.post(SiteRoute.signIn().pattern) { request, context in
            let form = try await request.decode(as: CredentialsForm.self, context: context)
            let next = LocalPath.validated(form.next)
            do {
                let (_, session) = try await membership.signIn(
                    email: form.email, password: form.password, from: client.of(request, peer: context.remoteAddress),
                    granting: .session)
                return signedIn(session, flash: .signedIn, next: next, request: request)
            } catch let failure as MembershipError {
                let error = WebError(failure)
                var response = CredentialPage.view(
                    .init(kind: .signIn(next: next), email: form.email, error: error),
                    frame: PageFrame(context, request: request)
                ).response(from: request, context: context)
                if case .tooManyAttempts(let seconds) = error { response.headers[.retryAfter] = String(seconds) }
                return response
            }
        }
        router.post(SiteRoute.signOut.pattern) { request, context in
            if let session = context.session { try await membership.endSession(session) }
            return Flash.redirect(
                to: .home, .signedOut, request: request,
                extra: [
                    AuthenticationMiddleware.cookie(
                        AuthenticationMiddleware.sessionCookie, "", request: request, maxAge: 0)
                ])
        }
        router.get(SiteRoute.account.pattern) { request, context in
            AccountPage.settings(
                user: try context.requireUser(), model: .init(currencies: try await currencies()),
                frame: PageFrame(context, request: request))
        }
        router.post(SiteRoute.changePassword.pattern) { request, context in
            let user = try context.requireUser()
            let form = try await request.decode(as: PasswordForm.self, context: context)
            do {
                try await membership.changePassword(
                    user: user, current: form.current, new: form.new, session: context.session)
                return Flash.redirect(to: .account, .passwordChanged, request: request)
            } catch let error as MembershipError {
                return AccountPage.settings(
                    user: user, model: .init(error: WebError(error)), frame: PageFrame(context, request: request)
                )
                .response(from: request, context: context)
            }
        }
        router.get(SiteRoute.apiTokens.pattern) { request, context in
            let user = try context.requireUser()
            return AccountPage.tokens(
                .init(tokens: try await membership.tokens(of: user)),
                frame: PageFrame(context, request: request))
        }
        router.post(SiteRoute.apiTokens.pattern) { request, context in
            let user = try context.requireUser()
            let name = try await request.decode(as: TokenForm.self, context: context).name
                .trimmingCharacters(in: .whitespacesAndNewlines)
            var model = AccountPage.TokensModel(tokens: [])
            if name.isEmpty || name.count > 100 {
                model.nameError = "Give the token a name of 1 to 100 characters, such as the script that uses it."
            } else {
                let (_, value) = try await membership.issueToken(for: user, name: name)
                model.created = (name, value)
            }
            model.tokens = try await membership.tokens(of: user)
            return AccountPage.tokens(model, frame: PageFrame(context, request: request))
        }
        router.post(SiteRoute.revokeAPIToken(id: 0).pattern) { request, context in
            let user = try context.requireUser()
            guard let id = context.parameters.get("id", as: Int64.self) else { throw WebError.notFound }
            try await membership.revokeToken(id: id, of: user)
            return Flash.redirect(to: .apiTokens, .tokenRevoked, request: request)
        }
    }

    /// A fresh session (never one the visitor brought: sign-in rotates it) and a redirect.
    private func signedIn(_ secret: String, flash: Flash, next: String?, request: Request) -> Response {
        var response = Redirect.to(next ?? SiteRoute.home.path)
        response.setCookie(
            AuthenticationMiddleware.cookie(
                AuthenticationMiddleware.sessionCookie, secret, request: request,
                maxAge: Int(Membership.sessionLifetime))
        )
        response.setCookie(AuthenticationMiddleware.cookie(Flash.cookie, flash.rawValue, request: request, maxAge: 60))
        return response
    }
}
