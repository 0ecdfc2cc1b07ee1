public import Foundation

/// Base URLs of Apple's two interfaces; injected so tests and the demo can point at Connect Sandbox.
public struct AppleEndpoints: Sendable, Equatable {
    /// The Reporter service (access-token authenticated), `https://reportingitc-reporter.apple.com` at Apple.
    public var reporter: URL
    /// The App Store Connect API (JWT authenticated), `https://api.appstoreconnect.apple.com` at Apple.
    public var connectAPI: URL

    /// Apple's production endpoints.
    public static let apple = AppleEndpoints(
        reporter: URL(string: "https://reportingitc-reporter.apple.com")!,
        connectAPI: URL(string: "https://api.appstoreconnect.apple.com")!
    )

    public init(reporter: URL, connectAPI: URL) {
        self.reporter = reporter
        self.connectAPI = connectAPI
    }
}
