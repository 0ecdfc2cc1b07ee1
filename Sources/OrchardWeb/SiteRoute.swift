/// Every page and endpoint of the site: routes are registered from these and links are built
/// from them, so no view spells a URL by hand.
package enum SiteRoute: Sendable, Equatable {
    case home
    case healthz
    case readyz
    case metrics

    /// The path as the router registers it and as links use it.
    package var path: String {
        switch self {
        case .home: "/"
        case .healthz: "/healthz"
        case .readyz: "/readyz"
        case .metrics: "/metrics"
        }
    }
}
