import Foundation

/// `application/x-www-form-urlencoded` fields and URL query items, percent-decoded, in order.
struct FormFields: Sendable {
    let items: [(name: String, value: String)]

    init(_ text: some StringProtocol) {
        items = text.split(separator: "&", omittingEmptySubsequences: true).map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (FormFields.decode(parts[0]), parts.count > 1 ? FormFields.decode(parts[1]) : "")
        }
    }

    /// The first value named `name`.
    subscript(_ name: String) -> String? {
        items.first { $0.name == name }?.value
    }

    static func decode(_ text: some StringProtocol) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }

    /// Percent-encodes a query value (RFC 3986 unreserved characters stay as they are).
    static func encode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}
