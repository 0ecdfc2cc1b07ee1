import Foundation
import Hummingbird
import NIOCore
import OrchardCore
import Plot
import Synchronization

/// What every page's frame shows: who is signed in, the token its forms carry, a message left by
/// the previous request.
struct PageFrame: Sendable {
    var user: User?
    var csrfToken: String
    var flash: Flash?

    init(_ context: OrchardRequestContext, request: Request) {
        user = context.user
        csrfToken = context.csrfToken
        flash = request.cookies[Flash.cookie].flatMap { Flash(rawValue: $0.value) }
    }

    init(user: User?, csrfToken: String, flash: Flash? = nil) {
        self.user = user
        self.csrfToken = csrfToken
        self.flash = flash
    }

    /// A form that posts to `route` with the CSRF token.
    func form(
        _ route: SiteRoute, _ nodes: Node<HTML.FormContext>..., class className: String? = nil
    ) -> Node<HTML.BodyContext> {
        .form(
            .method(.post), .action(route.path), .unwrap(className) { .class($0) },
            .input(.type(.hidden), .name(AuthenticationMiddleware.csrfField), .attr("value", csrfToken)),
            .group(nodes))
    }
}

/// A message shown once on the next page (after a redirect). Only these codes travel in the cookie,
/// so nothing a visitor sends is ever shown back as a message.
enum Flash: String, Sendable {
    static let cookie = "orchard_flash"

    case welcome, signedIn, signedOut, passwordChanged, tokenRevoked, integrationsCreated, integrationRemoved
    case integrationsActive, integrationsPartlyActive
    case jobRetried, jobAlreadyQueued, currencyChanged, funnelTokenStopped
    case integrationRemovedLast, checkQueued, checkedRecently, reconnected, invitationRevoked
    case notificationsSaved, verificationSent, testQueued, webhookRemoved

    var text: String {
        switch self {
        case .welcome: "Welcome to Orchard. Your account is ready."
        case .signedIn: "You are signed in."
        case .signedOut: "You are signed out."
        case .passwordChanged: "Your password is changed. Other devices were signed out."
        case .tokenRevoked: "The API token is revoked; scripts using it now get 401."
        case .integrationsCreated:
            "Done. Each account is pending until Orchard sees your invitation; we check every few minutes, and it "
                + "usually turns active within minutes of your invitation. History then loads by itself."
        case .integrationsActive:
            "Done. Orchard can read this already (another user of the account invited it), so the integration is "
                + "active and its figures are on the dashboard."
        case .integrationsPartlyActive:
            "Done. Accounts Orchard can read already are active; the others are pending until Orchard sees your "
                + "invitation, usually within minutes of it. History then loads by itself."
        case .integrationRemoved: "The integration is removed."
        case .integrationRemovedLast:
            "The integration is removed. You were the last Orchard user of this account: remove Orchard's service "
                + "user from it in App Store Connect (Users and Access). Orchard stops syncing it and deletes its data "
                + "after the retention period, unless someone connects it again first."
        case .checkQueued:
            "Orchard is checking now whether it can see this account; this page shows the result within a minute."
        case .checkedRecently: "Orchard checked this account less than a minute ago; it checks again by itself."
        case .reconnected: "Reconnected: the integration is active again and its figures are on the dashboard."
        case .invitationRevoked: "The invitation is withdrawn: its link no longer works."
        case .jobRetried: "The job is queued again, with its attempts counted afresh."
        case .jobAlreadyQueued: "The same work is queued or running already; nothing was added."
        case .currencyChanged: "Your figures are now shown in the currency you chose."
        case .funnelTokenStopped: WebError.funnelTokenStopped.message
        case .notificationsSaved: "Your notification settings are saved."
        case .verificationSent:
            "A confirmation link is on its way; it works for 48 hours. Until it is used, the address does not change "
                + "and nothing else is mailed to it."
        case .testQueued: "A test event is queued; its delivery appears below within a few seconds."
        case .webhookRemoved: "The webhook is removed; nothing more is sent to it."
        }
    }

    /// Sets the flash for the next page.
    static func redirect(to route: SiteRoute, _ flash: Flash, request: Request, extra: [Cookie] = []) -> Response {
        var response = Redirect.to(route.path)
        for cookie in extra { response.setCookie(cookie) }
        response.setCookie(AuthenticationMiddleware.cookie(Self.cookie, flash.rawValue, request: request, maxAge: 60))
        return response
    }
}

/// A rendered HTML page as a response, inside the site's frame.
struct HTMLPage: ResponseGenerator {
    let title: String
    var frame: PageFrame?
    var status: HTTPResponse.Status = .ok
    let content: Node<HTML.BodyContext>

    init(title: String, frame: PageFrame?, status: HTTPResponse.Status = .ok, content: Node<HTML.BodyContext>) {
        self.title = title
        self.frame = frame
        self.status = status
        self.content = content
    }

    func response(from request: Request, context: some RequestContext) -> Response {
        var response = Response(
            status: status, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: rendered()))
        if frame?.flash != nil {
            response.setCookie(AuthenticationMiddleware.cookie(Flash.cookie, "", request: request, maxAge: 0))
        }
        return response
    }

    /// The page as bytes: the frame around the content comes from ``frames`` (the same for every
    /// page of one title and frame), the content is rendered now. The same bytes as `html().render()`.
    func rendered() -> ByteBuffer {
        let (before, after) = Self.frames.parts(of: self)
        let middle = content.render()
        var buffer = ByteBuffer()
        buffer.reserveCapacity(before.utf8.count + middle.utf8.count + after.utf8.count)
        buffer.writeString(before)
        buffer.writeString(middle)
        buffer.writeString(after)
        return buffer
    }

    /// The frames rendered so far, kept per process.
    static let frames = FrameCache()

    /// The page's HTML before and after its content, per title and what the frame shows (the
    /// signed-in user's address and role, the CSRF token of their sign-out form, a flash message):
    /// rendering it was a large part of a page whose content is kept rendered. A visitor's frame
    /// holds no form, so visitors share one whatever their token. At most `capacity` frames are
    /// kept; when full, it starts again empty.
    final class FrameCache: Sendable {
        struct Key: Hashable {
            let title: String
            /// A page without a frame has no navigation at all.
            let framed: Bool
            let email: String?
            let role: UserRole?
            let csrfToken: String?
            let flash: Flash?
        }

        private let kept = Mutex<[Key: (before: String, after: String)]>([:])
        private let capacity: Int

        init(capacity: Int = 4_096) { self.capacity = capacity }

        var count: Int { kept.withLock { $0.count } }

        func parts(of page: HTMLPage) -> (before: String, after: String) {
            let key = Key(
                title: page.title, framed: page.frame != nil, email: page.frame?.user?.email,
                role: page.frame?.user?.role,
                csrfToken: page.frame?.user == nil ? nil : page.frame?.csrfToken, flash: page.frame?.flash)
            if let parts = kept.withLock({ $0[key] }) { return parts }
            let parts = Self.split(page)
            kept.withLock { kept in
                if kept.count >= capacity { kept.removeAll(keepingCapacity: true) }
                kept[key] = parts
            }
            return parts
        }

        /// The frame rendered around a marker that no escaped text or attribute can contain.
        private static func split(_ page: HTMLPage) -> (before: String, after: String) {
            let marker = "<orchard:content/>"
            let html = page.withContent(.raw(marker)).html().render()
            guard let range = html.range(of: marker) else { preconditionFailure("the frame holds its content") }
            return (String(html[..<range.lowerBound]), String(html[range.upperBound...]))
        }
    }

    private func withContent(_ content: Node<HTML.BodyContext>) -> HTMLPage {
        HTMLPage(title: title, frame: frame, status: status, content: content)
    }

    func html() -> HTML {
        HTML(
            .lang(.english),
            .head(
                .encoding(.utf8),
                // Plot's `.title` also writes social-card `<meta content>` copies of it, unescaped: the
                // element alone, its text escaped like any other.
                .element(named: "title", text: "\(title) · Orchard"),
                .viewport(.accordingToDevice),
                .link(.rel(.stylesheet), .href(SiteRoute.stylesheet.path)),
                .link(.rel(.icon), .type("image/svg+xml"), .href(SiteRoute.icon.path)),
                .script(.src(SiteRoute.script.path), .attribute(named: "defer", value: "defer"))
            ),
            .body(
                .header(
                    .class("topbar"),
                    .div(
                        .class("inner"), .a(.class("brand"), .href(SiteRoute.home.path), .text("Orchard")), navigation()
                    )),
                .main(
                    .unwrap(frame?.flash) { flash in
                        .div(.class("flash notice"), .attribute(named: "role", value: "status"), .text(flash.text))
                    },
                    content),
                .footer(.text("Orchard \(OrchardVersion.current)"))
            )
        )
    }

    private func navigation() -> Node<HTML.BodyContext> {
        guard let frame else { return .empty }
        guard let user = frame.user else {
            return .nav(
                .attribute(named: "aria-label", value: "Account"),
                .a(.href(SiteRoute.signIn().path), .text("Sign in")),
                .a(.class("button"), .href(SiteRoute.signUp().path), .text("Sign up")))
        }
        return .nav(
            .attribute(named: "aria-label", value: "Account"),
            .a(.href(SiteRoute.dashboard.path), .text("Dashboard")),
            .a(.href(SiteRoute.integrations.path), .text("Data Integration")),
            .a(.href(SiteRoute.activity.path), .text("Activity")),
            .a(.href(SiteRoute.account.path), .text("Settings")),
            .if(user.role == .operator, .a(.href(SiteRoute.operatorPage.path), .text("Operator"))),
            .a(.href(SiteRoute.apiTokens.path), .text("API tokens")),
            .span(.class("who"), .text(user.email)),
            frame.form(.signOut, .button(.type(.submit), .class("link"), .text("Sign out"))))
    }
}
