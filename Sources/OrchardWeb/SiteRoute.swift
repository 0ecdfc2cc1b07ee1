import Foundation
import Hummingbird

/// Every page and endpoint of the site: routes are registered from these and links are built
/// from them, so no view spells a URL by hand. A parameter is a value in a link and `:name` in
/// the router's pattern, from the same definition.
package enum SiteRoute: Sendable, Equatable {
    case home
    case healthz
    case readyz
    case metrics
    case stylesheet
    /// The sign-up page; with an operator's invitation link's token.
    case signUp(invitation: String? = nil)
    case signIn(next: String? = nil)
    case signOut
    case account
    case changePassword
    /// `POST`: the currency the user's figures are shown in.
    case changeCurrency
    /// The metrics dashboard: the overview, or one app's page with `?app=SKU`.
    case dashboard
    /// The subscription figures (docs/SUBSCRIPTIONS.md).
    case subscriptions
    /// Payouts per Apple fiscal month.
    case payouts
    case apiTokens
    case revokeAPIToken(id: Int64)
    case integrations
    /// One integration's account page.
    case integration(id: Int64)
    /// `POST`: "Check now" on a pending integration.
    case checkIntegration(id: Int64)
    /// `POST`: "Reconnect" an expired integration the service sees.
    case reconnectIntegration(id: Int64)
    case removeIntegration(id: Int64)
    case restartIntegration(id: Int64)
    /// Funnel step 1; `GET` shows it, `POST` checks a token.
    case funnelToken
    /// Step 2 with a kept token; `POST` goes on to step 3 with the chosen accounts.
    case funnelAccounts(token: Int64)
    case funnelInvite(token: Int64, accounts: [String] = [])
    case funnelFinish(token: Int64)
    case script
    case icon
    case operatorPage
    case retryJob(id: Int64)
    /// `POST`: an operator invites a user (a link for one address).
    case inviteUser
    case revokeUserInvitation(id: Int64)
    /// What a user is notified of, and how (docs/NOTIFICATIONS.md).
    case notifications
    /// `POST`: change the address (verified before it replaces the old one).
    case changeEmail
    /// `POST`: send the verification link again.
    case sendVerification
    /// The link of a verification mail.
    case verifyEmail(token: String)
    /// The link of a mail's unsubscribe (`GET` asks, `POST` does it: RFC 8058 one-click).
    case unsubscribe(token: String)
    /// The user's activity feed.
    case activity
    case webhooks
    case webhook(id: Int64)
    case testWebhook(id: Int64)
    case rotateWebhook(id: Int64)
    case deleteWebhook(id: Int64)
    /// The operator's "Mail sent" page, one message, and its HTML part alone.
    case sentMail
    case sentMailMessage(id: Int64)
    case sentMailHTML(id: Int64)
    case api(APIRoute)

    /// What a query value keeps as it is (RFC 3986's unreserved characters: a token stays readable).
    static let unreserved = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))

    /// Where the JSON API lives.
    package static let apiPrefix = "/api/v1/"

    /// The path (and query) as links use it.
    package var path: String {
        switch self {
        case .signUp(let invitation?):
            base { "\($0)" } + "?invitation="
                + (invitation.addingPercentEncoding(withAllowedCharacters: Self.unreserved) ?? "")
        case .signIn(let next?):
            base { "\($0)" } + "?next=" + (next.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
        case .funnelInvite(_, let accounts) where !accounts.isEmpty:
            base { "\($0)" } + "?"
                + accounts.map { "account=" + ($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "") }
                .joined(separator: "&")
        default: base { "\($0)" }
        }
    }

    /// The pattern the router registers.
    var pattern: RouterPath {
        switch self {
        case .verifyEmail: "/verify-email/:token"
        case .unsubscribe: "/unsubscribe/:token"
        default: RouterPath(base { _ in ":id" })
        }
    }

    private func base(_ parameter: (Int64) -> String) -> String {
        switch self {
        case .home: "/"
        case .healthz: "/healthz"
        case .readyz: "/readyz"
        case .metrics: "/metrics"
        case .stylesheet: "/assets/orchard-\(Stylesheet.version).css"
        case .signUp: "/signup"
        case .signIn: "/signin"
        case .signOut: "/signout"
        case .account: "/account"
        case .changePassword: "/account/password"
        case .changeCurrency: "/account/currency"
        case .dashboard: "/dashboard"
        case .subscriptions: "/subscriptions"
        case .payouts: "/payouts"
        case .apiTokens: "/account/api-tokens"
        case .revokeAPIToken(let id): "/account/api-tokens/\(parameter(id))/revoke"
        case .integrations: "/integrations"
        case .integration(let id): "/integrations/\(parameter(id))"
        case .checkIntegration(let id): "/integrations/\(parameter(id))/check"
        case .reconnectIntegration(let id): "/integrations/\(parameter(id))/reconnect"
        case .removeIntegration(let id): "/integrations/\(parameter(id))/remove"
        case .restartIntegration(let id): "/integrations/\(parameter(id))/restart"
        case .funnelToken: "/integrations/app-store-connect"
        case .funnelAccounts(let id): "/integrations/app-store-connect/tokens/\(parameter(id))/accounts"
        case .funnelInvite(let id, _): "/integrations/app-store-connect/tokens/\(parameter(id))/invite"
        case .funnelFinish(let id): "/integrations/app-store-connect/tokens/\(parameter(id))/finish"
        case .script: "/assets/orchard-\(Script.version).js"
        case .icon: "/assets/orchard-\(Icon.version).svg"
        case .operatorPage: "/operator"
        case .retryJob(let id): "/operator/jobs/\(parameter(id))/retry"
        case .inviteUser: "/operator/user-invitations"
        case .revokeUserInvitation(let id): "/operator/user-invitations/\(parameter(id))/revoke"
        case .notifications: "/account/notifications"
        case .changeEmail: "/account/email"
        case .sendVerification: "/account/email/verify"
        case .verifyEmail(let token): "/verify-email/\(token)"
        case .unsubscribe(let token): "/unsubscribe/\(token)"
        case .activity: "/activity"
        case .webhooks: "/account/webhooks"
        case .webhook(let id): "/account/webhooks/\(parameter(id))"
        case .testWebhook(let id): "/account/webhooks/\(parameter(id))/test"
        case .rotateWebhook(let id): "/account/webhooks/\(parameter(id))/rotate"
        case .deleteWebhook(let id): "/account/webhooks/\(parameter(id))/delete"
        case .sentMail: "/operator/mail"
        case .sentMailMessage(let id): "/operator/mail/\(parameter(id))"
        case .sentMailHTML(let id): "/operator/mail/\(parameter(id))/html"
        case .api(let route): Self.apiPrefix + route.base(parameter)
        }
    }
}

/// The JSON API's endpoints (docs/API.md), under ``SiteRoute/apiPrefix``.
package enum APIRoute: Sendable, Equatable {
    case signUp
    case logIn
    /// `DELETE`: ends the calling bearer token.
    case authToken
    case me
    case platforms
    case funnelTokens
    case funnelToken(id: Int64)
    case funnelTokenAccounts(id: Int64)
    case invitation
    /// `POST`: finish the funnel.
    case funnelIntegrations
    case integrations
    case integration(id: Int64)
    case integrationCheck(id: Int64)
    case integrationReconnect(id: Int64)
    case adminInvitations
    case adminJobs
    /// `GET` lists the open invitations of users, `POST` makes one.
    case adminUserInvitations
    /// `DELETE`: withdraws an invitation.
    case adminUserInvitation(id: Int64)
    case openAPI
    case apps
    case metricsSummary
    case metricsTimeseries
    case metricsExport
    case subscriptionsSummary
    case subscriptionsTimeseries
    case subscriptionsCohorts
    case subscriptionsExport
    case payouts
    case payoutsExport
    /// The activity feed, paged.
    case events
    /// `GET` and `PUT`: the notification settings.
    case notificationSettings
    /// `POST`: change the address; a verification link goes to the new one.
    case email
    /// `POST`: send the verification link again.
    case emailVerification
    case webhooks
    case webhook(id: Int64)
    case webhookTest(id: Int64)
    case webhookSecret(id: Int64)
    case webhookDeliveries(id: Int64)

    func base(_ parameter: (Int64) -> String) -> String {
        switch self {
        case .signUp: "auth/signup"
        case .logIn: "auth/login"
        case .authToken: "auth/token"
        case .me: "me"
        case .platforms: "integrations/platforms"
        case .funnelTokens: "asc/tokens"
        case .funnelToken(let id): "asc/tokens/\(parameter(id))"
        case .funnelTokenAccounts(let id): "asc/tokens/\(parameter(id))/accounts"
        case .invitation: "asc/invitation"
        case .funnelIntegrations: "asc/integrations"
        case .integrations: "integrations"
        case .integration(let id): "integrations/\(parameter(id))"
        case .integrationCheck(let id): "integrations/\(parameter(id))/check"
        case .integrationReconnect(let id): "integrations/\(parameter(id))/reconnect"
        case .adminInvitations: "admin/invitations"
        case .adminJobs: "admin/jobs"
        case .adminUserInvitations: "admin/user-invitations"
        case .adminUserInvitation(let id): "admin/user-invitations/\(parameter(id))"
        case .openAPI: "openapi.json"
        case .apps: "apps"
        case .metricsSummary: "metrics/summary"
        case .metricsTimeseries: "metrics/timeseries"
        case .metricsExport: "metrics/export.csv"
        case .subscriptionsSummary: "subscriptions/summary"
        case .subscriptionsTimeseries: "subscriptions/timeseries"
        case .subscriptionsCohorts: "subscriptions/cohorts"
        case .subscriptionsExport: "subscriptions/export.csv"
        case .payouts: "payouts"
        case .payoutsExport: "payouts/export.csv"
        case .events: "events"
        case .notificationSettings: "notifications"
        case .email: "me/email"
        case .emailVerification: "me/email/verification"
        case .webhooks: "webhooks"
        case .webhook(let id): "webhooks/\(parameter(id))"
        case .webhookTest(let id): "webhooks/\(parameter(id))/test"
        case .webhookSecret(let id): "webhooks/\(parameter(id))/secret"
        case .webhookDeliveries(let id): "webhooks/\(parameter(id))/deliveries"
        }
    }
}

/// Only a path on this site may follow sign-in: `//host` and `http://` would send the user away.
///
/// Judged as a browser reads a `Location` (WHATWG URL parsing): leading and trailing C0 controls and
/// spaces are dropped, every TAB, LF and CR anywhere is removed, and `\` counts as `/`, so
/// `/<TAB>/evil.example` is `//evil.example` and refused. What is returned is the cleaned path:
/// exactly what was judged.
enum LocalPath {
    static func validated(_ candidate: String?) -> String? {
        guard let candidate else { return nil }
        var scalars = candidate.unicodeScalars.filter { $0 != "\t" && $0 != "\n" && $0 != "\r" }
        while let first = scalars.first, first.value <= 0x20 { scalars.removeFirst() }
        while let last = scalars.last, last.value <= 0x20 { scalars.removeLast() }
        let path = String(String.UnicodeScalarView(scalars)).replacingOccurrences(of: "\\", with: "/")
        guard path.hasPrefix("/"), !path.hasPrefix("//"),
            !path.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F })
        else { return nil }
        return path
    }
}
