import Foundation

/// A Reporter access token. It never prints itself: logs, errors and `description`
/// show only `masked`.
public struct ReporterAccessToken: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The token as Apple issued it; read it only to send it to Apple.
    public let secret: String

    /// Trims white space; Apple's format is not validated strictly (its own examples vary).
    public init(_ secret: String) {
        self.secret = secret.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Safe to show: the last four characters only, e.g. `••••43d4`.
    public var masked: String {
        secret.count <= 8 ? "••••" : "••••" + secret.suffix(4)
    }

    public var description: String { masked }
    public var debugDescription: String { "ReporterAccessToken(\(masked))" }
}
