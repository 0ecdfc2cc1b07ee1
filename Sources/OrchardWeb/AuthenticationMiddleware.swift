import Foundation
import HTTPTypes
import Hummingbird
import OrchardApp
import OrchardCore
import OrchardStorage

/// Finds who is signed in (the session cookie, or `Authorization: Bearer` for scripts) and guards
/// every state-changing request against cross-site forgery.
///
/// CSRF: a signed-in page's forms carry a token derived from the session (a synchronizer token
/// the attacker cannot compute); a signed-out form (sign-in, sign-up) carries the value of the
/// `orchard_csrf` cookie (double submit). A bearer request carries no cookie, so it needs none; an
/// API call riding the session cookie sends the token as `X-CSRF-Token`.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = OrchardRequestContext

    static let sessionCookie = "orchard_session"
    static let csrfCookie = "orchard_csrf"
    static let csrfField = "_csrf"
    static let csrfHeader = HTTPField.Name("X-CSRF-Token")!

    let membership: Membership

    /// The bearer token of `Authorization: Bearer …`, if the request carries one.
    static func bearer(_ request: Request) -> String? {
        guard let authorization = request.headers[.authorization], authorization.lowercased().hasPrefix("bearer ")
        else { return nil }
        return String(authorization.dropFirst("bearer ".count)).trimmingCharacters(in: .whitespaces)
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        // `/metrics` checks its own bearer token (ORCHARD_METRICS_TOKEN), which is no user's.
        if request.uri.path == SiteRoute.metrics.path, request.method == .get {
            return try await next(request, context)
        }
        var request = request
        var context = context
        var newCSRFCookie: String?
        if let token = Self.bearer(request) {
            guard let viewer = try await membership.viewer(apiToken: token) else {
                throw WebError.authenticationRequired
            }
            context.user = viewer.user
            context.readable = viewer.readable
            context.bearer = true
        } else if let session = request.cookies[Self.sessionCookie]?.value,
            let viewer = try await membership.viewer(session: session)
        {
            context.user = viewer.user
            context.readable = viewer.readable
            context.session = session
            context.csrfToken = Self.csrfToken(session: session)
        } else if let cookie = request.cookies[Self.csrfCookie]?.value, cookie.count >= 32 {
            context.csrfToken = cookie
        } else {
            let fresh = SessionStore.newSecret()
            context.csrfToken = fresh
            newCSRFCookie = fresh
        }
        if Self.changesState(request.method), !context.bearer {
            try await Self.checkCSRF(&request, context: context)
        }
        var response = try await next(request, context)
        if let newCSRFCookie {
            response.setCookie(Self.cookie(Self.csrfCookie, newCSRFCookie, request: request, maxAge: nil))
        }
        return response
    }

    static func changesState(_ method: HTTPRequest.Method) -> Bool {
        ![.get, .head, .options].contains(method)
    }

    /// The API accepts calls without any credential (sign-up, login) and bearer calls without a
    /// token; a request that carries the session cookie, and every page form, must send it.
    static func checkCSRF(_ request: inout Request, context: Context) async throws {
        let api = request.uri.path.hasPrefix(SiteRoute.apiPrefix)
        if api, context.session == nil { return }
        // A mail's one-click unsubscribe (RFC 8058) comes from the mail provider without cookies: the
        // token in its path is the whole credential, and all it can do is switch one kind of mail off.
        if request.uri.path.hasPrefix(SiteRoute.unsubscribe(token: "").path) { return }
        var sent = request.headers[csrfHeader]
        if sent == nil,
            request.headers[.contentType]?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true
        {
            let body = try await request.collectBody(upTo: context.maxUploadSize)
            sent = URLForm.value(of: csrfField, in: String(buffer: body))
        }
        guard let sent, !context.csrfToken.isEmpty, constantTimeEqual(sent, context.csrfToken) else {
            throw WebError.csrfFailed
        }
    }

    /// The CSRF token of a session: a hash of it under a purpose, so it reveals nothing of the session.
    static func csrfToken(session: String) -> String {
        String(SecretBox.fingerprint("orchard csrf\u{0}" + session).prefix(43))
    }

    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let (x, y) = (Array(a.utf8), Array(b.utf8))
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// An HttpOnly, SameSite=Lax cookie, Secure when the request came over TLS (through a proxy
    /// that says so with `X-Forwarded-Proto: https`).
    static func cookie(_ name: String, _ value: String, request: Request, maxAge: Int?) -> Cookie {
        let secure = request.headers[HTTPField.Name("X-Forwarded-Proto")!]?.lowercased() == "https"
        return Cookie(
            name: name, value: value, maxAge: maxAge, path: "/", secure: secure, httpOnly: true, sameSite: .lax)
    }
}

/// Reads the fields of a URL-encoded form or query.
enum URLForm {
    static func value(of name: String, in body: String) -> String? {
        values(of: name, in: body).first
    }

    /// Every value of `name`, in order (checkboxes sharing a name).
    static func values(of name: String, in body: String) -> [String] {
        body.split(separator: "&").compactMap { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, decode(parts[0]) == name else { return nil }
            return decode(parts[1])
        }
    }

    private static func decode(_ text: Substring) -> String {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(text)
    }
}
