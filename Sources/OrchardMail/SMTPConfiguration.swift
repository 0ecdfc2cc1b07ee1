public import Foundation

/// Where and how mail leaves: `smtp://user:password@host:587` (STARTTLS when the server offers it,
/// required when there are credentials and the server is not on loopback) or
/// `smtps://user:password@host:465` (TLS from the first byte). User and password are
/// percent-decoded; `caFile` names PEM certificates to trust instead of the system's.
public struct SMTPConfiguration: Sendable, Equatable {
    public enum Security: String, Sendable, Equatable {
        /// Plain connection upgraded with STARTTLS when the server offers it.
        case startTLS = "smtp"
        /// TLS from the first byte.
        case implicitTLS = "smtps"
    }

    public var security: Security
    public var host: String
    public var port: Int
    public var username: String?
    public var password: String?
    public var caFile: String?
    /// How long one message may take, connection to QUIT.
    public var timeout: TimeInterval = 60

    public init(
        security: Security, host: String, port: Int, username: String? = nil, password: String? = nil,
        caFile: String? = nil
    ) {
        self.security = security
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.caFile = caFile
    }

    /// `nil` when `url` is not `smtp://` or `smtps://` with a host.
    public init?(url raw: String, caFile: String? = nil) {
        guard let components = URLComponents(string: raw), let scheme = components.scheme?.lowercased(),
            let security = Security(rawValue: scheme), let host = components.host, !host.isEmpty,
            components.path.isEmpty || components.path == "/"
        else { return nil }
        self.security = security
        self.host = host
        self.port = components.port ?? (security == .implicitTLS ? 465 : 587)
        self.username = components.percentEncodedUser.flatMap { $0.removingPercentEncoding }
        self.password = components.percentEncodedPassword.flatMap { $0.removingPercentEncoding }
        self.caFile = caFile
    }

    /// The URL with its password masked, for logs and the operator's page.
    public var masked: String {
        let credentials = username.map { "\($0)\(password == nil ? "" : ":•••")@" } ?? ""
        return "\(security.rawValue)://\(credentials)\(host):\(port)"
    }

    var isLoopback: Bool { host == "localhost" || host == "127.0.0.1" || host == "::1" || host == "[::1]" }
}
