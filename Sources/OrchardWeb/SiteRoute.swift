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
    case signUp
    case signIn(next: String? = nil)
    case signOut
    case account
    case changePassword
    case apiTokens
    case revokeAPIToken(id: Int64)
    case api(APIRoute)

    /// Where the JSON API lives.
    package static let apiPrefix = "/api/v1/"

    /// The path (and query) as links use it.
    package var path: String {
        switch self {
        case .signIn(let next?):
            base { "\($0)" } + "?next=" + (next.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
        default: base { "\($0)" }
        }
    }

    /// The pattern the router registers.
    var pattern: RouterPath { RouterPath(base { _ in ":id" }) }

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
        case .apiTokens: "/account/api-tokens"
        case .revokeAPIToken(let id): "/account/api-tokens/\(parameter(id))/revoke"
        case .api(let route): Self.apiPrefix + route.base(parameter)
        }
    }
}

/// The JSON API's endpoints (DESIGN.md 8.2), under ``SiteRoute/apiPrefix``.
package enum APIRoute: Sendable, Equatable {
    case signUp
    case logIn
    case me
    case platforms

    func base(_ parameter: (Int64) -> String) -> String {
        switch self {
        case .signUp: "auth/signup"
        case .logIn: "auth/login"
        case .me: "me"
        case .platforms: "integrations/platforms"
        }
    }
}

/// Only a path on this site may follow sign-in: `//host` and `http://` would send the user away.
enum LocalPath {
    static func validated(_ candidate: String?) -> String? {
        guard let candidate, candidate.hasPrefix("/"), !candidate.hasPrefix("//"), !candidate.hasPrefix("/\\"),
            !candidate.contains(where: { $0.isNewline || $0 == "\\" })
        else { return nil }
        return candidate
    }
}
