import Foundation

/// Where Orchard keeps its data: an SQLite file (the embedded default) or a PostgreSQL server.
package enum DatabaseURL: Sendable, Equatable, CustomStringConvertible {
    /// An SQLite database file; the path is absolute or relative to the working directory.
    case sqlite(path: String)
    /// A PostgreSQL server, as a `postgres://user:pass@host:port/db` URL.
    case postgres(url: String)

    /// The embedded default, `sqlite://./orchard.sqlite`.
    package static let `default` = DatabaseURL.sqlite(path: "./orchard.sqlite")

    /// Parses `sqlite:///abs/path`, `sqlite://./relative/path`, `postgres://...` or `postgresql://...`.
    package init?(parsing text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.hasPrefix("sqlite://") {
            let path = String(trimmed.dropFirst("sqlite://".count))
            guard !path.isEmpty else { return nil }
            self = .sqlite(path: path)
        } else if trimmed.hasPrefix("postgres://") || trimmed.hasPrefix("postgresql://") {
            guard let components = URLComponents(string: trimmed), let host = components.host, !host.isEmpty,
                components.user?.isEmpty == false, components.path.count > 1
            else { return nil }
            self = .postgres(url: trimmed)
        } else {
            return nil
        }
    }

    /// The URL with any password masked, safe to log or show.
    package var description: String {
        switch self {
        case .sqlite(let path):
            return "sqlite://\(path)"
        case .postgres(let url):
            return Self.maskingPassword(in: url)
        }
    }

    /// A short name of the backend: `sqlite` or `postgres`.
    package var backendName: String {
        switch self {
        case .sqlite: "sqlite"
        case .postgres: "postgres"
        }
    }
}

extension DatabaseURL {
    /// The text of a database URL with any password replaced, for messages about malformed URLs.
    package static func maskingPassword(in text: String) -> String {
        if var components = URLComponents(string: text) {
            guard components.password != nil else { return text }
            components.password = "***"
            return components.string ?? "(unparseable)"
        }
        // Not a URL at all: still never echo what sits between the scheme and an `@`.
        guard let scheme = text.range(of: "://"), let at = text.range(of: "@", options: .backwards),
            scheme.upperBound <= at.lowerBound
        else { return text }
        return text.replacingCharacters(in: scheme.upperBound..<at.lowerBound, with: "***")
    }
}
