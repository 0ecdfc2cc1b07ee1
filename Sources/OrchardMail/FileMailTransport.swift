public import Foundation

/// Where Orchard's mail goes: an SMTP server, or a folder of `.eml` files (the demo's).
public protocol MailTransport: Sendable {
    /// Sends `message`; what the receiving side answered. Throws ``SMTPError`` (permanent or not).
    func send(_ message: MailMessage) async throws -> SMTPReceipt
}

extension SMTPClient: MailTransport {
    public func send(_ message: MailMessage) async throws -> SMTPReceipt {
        try await deliver(message)
    }
}

/// Writes each message into a folder as `<date>-<message id>.eml`, readable by any mail client.
public struct FileMailTransport: MailTransport {
    public let directory: URL

    public init(directory: URL) {
        self.directory = directory
    }

    public func send(_ message: MailMessage) async throws -> SMTPReceipt {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let stamp = Int(message.date.timeIntervalSince1970)
        let name = "\(stamp)-\(message.messageID.filter { $0.isLetter || $0.isNumber || $0 == "-" }.prefix(48)).eml"
        let file = directory.appendingPathComponent(name)
        try Data(message.encoded().utf8).write(to: file, options: .atomic)
        return SMTPReceipt(code: 250, text: "written to \(file.path)")
    }
}
