public import Foundation

/// One mail as Orchard sends it: plain text and HTML alternatives of the same content, no remote
/// images, headers for one-click unsubscribe (RFC 8058) when the mail is not essential.
public struct MailMessage: Sendable, Equatable {
    public var from: MailAddress
    public var to: MailAddress
    public var subject: String
    public var text: String
    public var html: String
    /// Where the recipient unsubscribes from this kind of mail with one POST (RFC 8058); `nil` for
    /// essential mail (an address verification).
    public var unsubscribeURL: URL?
    public var messageID: String
    public var date: Date

    public init(
        from: MailAddress, to: MailAddress, subject: String, text: String, html: String, unsubscribeURL: URL? = nil,
        messageID: String? = nil, date: Date = Date()
    ) {
        self.from = from
        self.to = to
        self.subject = subject
        self.text = text
        self.html = html
        self.unsubscribeURL = unsubscribeURL
        self.messageID = messageID ?? "\(UUID().uuidString.lowercased())@\(from.domain)"
        self.date = date
    }

    /// The message in the Internet Message Format (RFC 5322 with MIME): CRLF line ends, every line
    /// within 78 characters, headers in ASCII (RFC 2047 for the rest), bodies quoted-printable.
    public func encoded() -> String {
        let boundary =
            "orchard-\(messageID.utf8.reduce(UInt64(14_695_981_039_346_656_037)) { ($0 ^ UInt64($1)) &* 1_099_511_628_211 })"
        var headers: [(String, String)] = [
            ("Date", Self.rfc5322Date(date)),
            ("From", from.headerValue),
            ("To", to.headerValue),
            ("Subject", MIMEWords.encode(subject)),
            ("Message-ID", "<\(messageID)>"),
            ("MIME-Version", "1.0"),
            // Not a person writing: vacation responders stay quiet (RFC 3834).
            ("Auto-Submitted", "auto-generated"),
        ]
        if let unsubscribeURL {
            headers.append(("List-Unsubscribe", "<\(unsubscribeURL.absoluteString)>"))
            headers.append(("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"))
        }
        headers.append(("Content-Type", "multipart/alternative; boundary=\"\(boundary)\""))
        var lines = headers.map { MIMEWords.folded(name: $0.0, value: $0.1) }
        lines.append("")
        for (type, body) in [("text/plain", text), ("text/html", html)] {
            lines.append("--\(boundary)")
            lines.append("Content-Type: \(type); charset=utf-8")
            lines.append("Content-Transfer-Encoding: quoted-printable")
            lines.append("")
            lines.append(QuotedPrintable.encode(body))
        }
        lines.append("--\(boundary)--")
        lines.append("")
        return lines.joined(separator: "\r\n")
    }

    static func rfc5322Date(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        return formatter.string(from: date)
    }
}

/// A mailbox: an address and an optional display name.
public struct MailAddress: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var address: String
    public var name: String?

    /// `nil` when `address` is not one address SMTP can carry: local part and domain, no spaces,
    /// angle brackets, quotes or control characters, at most 254 characters.
    public init?(_ address: String, name: String? = nil) {
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        guard address.utf8.count <= 254, parts.count == 2, !parts[0].isEmpty, parts[1].contains("."),
            !parts[1].hasPrefix("."), !parts[1].hasSuffix("."),
            address.unicodeScalars.allSatisfy({
                $0.value > 32 && $0.value != 127 && !"<>()[],;:\\\"".unicodeScalars.contains($0)
            })
        else { return nil }
        self.address = address
        self.name = name
    }

    public var domain: String { String(address.split(separator: "@").last ?? "localhost") }
    public var description: String { address }

    var headerValue: String {
        guard let name, !name.isEmpty else { return address }
        let safe = name.unicodeScalars.allSatisfy { $0.isASCII && $0.value >= 32 && $0 != "\"" && $0 != "\\" }
        return safe ? "\"\(name)\" <\(address)>" : "\(MIMEWords.encode(name)) <\(address)>"
    }
}

/// Header text: RFC 2047 encoded words for what is not plain ASCII, folded within 78 characters.
enum MIMEWords {
    static func encode(_ text: String) -> String {
        let plain = text.unicodeScalars.allSatisfy { $0.isASCII && $0.value >= 32 && $0.value != 127 }
        if plain && !text.contains("=?") { return text }
        // Encoded words of at most 75 characters, never splitting a character.
        var words: [String] = []
        var chunk: [UInt8] = []
        for character in text {
            let bytes = Array(String(character).utf8)
            if (chunk.count + bytes.count + 2) / 3 * 4 > 60 {
                words.append("=?UTF-8?B?\(Data(chunk).base64EncodedString())?=")
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty { words.append("=?UTF-8?B?\(Data(chunk).base64EncodedString())?=") }
        return words.joined(separator: " ")
    }

    /// `Name: value`, folded at spaces so no line passes 78 characters where it can be helped.
    static func folded(name: String, value: String) -> String {
        var lines: [String] = []
        var line = "\(name):"
        for word in value.split(separator: " ", omittingEmptySubsequences: false) {
            if line.count + 1 + word.count > 78, line.count > name.count + 1 {
                lines.append(line)
                line = ""
            }
            line += " " + word
        }
        lines.append(line)
        return lines.joined(separator: "\r\n")
    }
}

/// Quoted-printable (RFC 2045 section 6.7) of UTF-8 text, with CRLF line ends.
enum QuotedPrintable {
    static func encode(_ text: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        let lines = text.replacingOccurrences(of: "\r\n", with: "\n").split(
            separator: "\n", omittingEmptySubsequences: false)
        for (index, line) in lines.enumerated() {
            if index > 0 { out += [13, 10] }
            var length = 0
            let bytes = Array(line.utf8)
            for (position, byte) in bytes.enumerated() {
                let last = position == bytes.count - 1
                let literal =
                    (byte >= 33 && byte <= 126 && byte != 61)
                    // A line's dot alone, or a "From " at its start, survive every relay as escapes.
                    && !(position == 0 && (byte == 46 || byte == 70))
                    || ((byte == 32 || byte == 9) && !last)
                let piece: [UInt8] = literal ? [byte] : [61, hex[Int(byte >> 4)], hex[Int(byte & 15)]]
                // A soft line break keeps lines within 76 characters.
                if length + piece.count > 75 {
                    out += [61, 13, 10]
                    length = 0
                }
                out += piece
                length += piece.count
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
