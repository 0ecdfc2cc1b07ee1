package import Foundation

/// The real SMTP server of the mail tests: `scripts/smtp-sink` (aiosmtpd) on a free loopback port,
/// stopped when the test ends. What it accepted is read from its folder as a mail client decodes it.
/// Sendable: every stored property is set once in `init`; the process and pipe are touched again only
/// in `deinit`.
package final class SMTPSink: @unchecked Sendable {
    package struct Received: Decodable, Sendable {
        package var mailFrom: String
        package var rcptTos: [String]
        package var user: String?
        package var encrypted: Bool
        package var headers: [String: String]
        package var subject: String
        package var text: String?
        package var html: String?
        package var defects: [String]
    }

    package let port: Int
    package let folder: URL
    private let process: Process
    private let input: Pipe

    /// `tls`: none, starttls or implicit; `auth`: `user:password` the server requires.
    package init(tls: String = "none", auth: String? = nil, extra: [String] = []) throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("orchard-smtp-\(UUID().uuidString)")
        // Sources/OrchardTestSupport/SMTPSink.swift → the repository.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        process = Process()
        process.executableURL = root.appendingPathComponent("scripts/smtp-sink")
        process.arguments = ["--out", folder.path, "--tls", tls] + (auth.map { ["--auth", $0] } ?? []) + extra
        input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        // The first line says where it listens.
        var line = Data()
        while let byte = try output.fileHandleForReading.read(upToCount: 1), !byte.isEmpty, byte != Data("\n".utf8) {
            line += byte
        }
        guard let text = String(data: line, encoding: .utf8), text.hasPrefix("listening "),
            let port = Int(text.dropFirst("listening ".count))
        else {
            process.terminate()
            throw CocoaError(
                .fileReadCorruptFile, userInfo: [NSLocalizedDescriptionKey: "smtp-sink did not start: \(line)"])
        }
        self.port = port
    }

    /// The certificate the sink made for itself (TLS runs only).
    package var certificate: String { folder.appendingPathComponent("cert.pem").path }

    /// The messages it accepted, in order.
    package func received() throws -> [Received] {
        try Self.received(in: folder)
    }

    /// The messages a sink kept in `folder`.
    package static func received(in folder: URL) throws -> [Received] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return try names.filter { $0.hasSuffix(".json") }.sorted().map {
            try JSONDecoder().decode(Received.self, from: Data(contentsOf: folder.appendingPathComponent($0)))
        }
    }

    deinit {
        try? input.fileHandleForWriting.close()
        process.terminate()
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: folder)
    }
}
