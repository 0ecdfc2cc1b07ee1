/// A secret value (token, key) that never prints itself: logs and errors see `<redacted>`.
package struct Secret: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The secret itself; read it only where it is used, never to log or return it.
    package let revealed: String

    package init(_ revealed: String) {
        self.revealed = revealed
    }

    package var description: String { "<redacted>" }
    package var debugDescription: String { "<redacted>" }
}
