import Foundation

/// A Reporter request as Apple's tools send it (docs/REPORTS.md, Requests): a form field
/// `jsonRequest` holding JSON, URL-encoded or raw, with the command line in `queryInput`.
struct ReporterRequest: Sendable {
    enum Mode: Sendable { case robotXML, normal }

    let accessToken: String
    let mode: Mode
    /// The account number as sent (JSON `account`, else `a=` in queryInput); `nil` if absent.
    let account: String?
    /// e.g. `Sales.getReport`.
    let command: String
    let arguments: [String]

    /// Parses a request body; `nil` when it is not a Reporter request at all.
    init?(body: String) {
        guard let json = ReporterRequest.jsonText(body),
            let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
            let queryInput = object["queryInput"] as? String
        else { return nil }
        var items = queryInput.trimmingCharacters(in: .whitespacesAndNewlines)
        if items.hasPrefix("[") { items.removeFirst() }
        if items.hasSuffix("]") { items.removeLast() }
        var options: [String: String] = [:]
        var command: String?
        var arguments: [String] = []
        for item in items.split(separator: ",", omittingEmptySubsequences: false) {
            let text = item.trimmingCharacters(in: .whitespaces)
            if command != nil {
                arguments.append(text)
            } else if let equals = text.firstIndex(of: "=") {
                options[text[..<equals].lowercased()] = String(text[text.index(after: equals)...])
            } else if !text.isEmpty {
                command = text
            }
        }
        guard let command else { return nil }
        let modeText = (object["mode"] as? String) ?? options["m"] ?? "Normal"
        self.mode = modeText.lowercased() == "robot.xml" ? .robotXML : .normal
        self.accessToken = (object["accesstoken"] as? String) ?? ""
        let account: String? =
            switch object["account"] {
            case let text as String: text
            case let number as NSNumber: number.stringValue
            default: nil
            }
        // mikebarlow's port sends the literal "None" when no account is set
        self.account = (account == "None" ? nil : account) ?? options["a"]
        self.command = command
        self.arguments = arguments
    }

    /// The JSON of `jsonRequest`: raw (`jsonRequest={...}`, possibly followed by more fields)
    /// or URL-encoded.
    private static func jsonText(_ body: String) -> String? {
        guard let start = body.range(of: "jsonRequest=") else { return nil }
        let rest = body[start.upperBound...]
        if rest.hasPrefix("{") {
            guard let end = rest.lastIndex(of: "}") else { return nil }
            return String(rest[...end])
        }
        return FormFields(body)["jsonRequest"]
    }
}
