import Foundation
import NIOCore
import NIOPosix
import NIOSSL

/// What a mail server answered when it took a message: its final reply to the message's data.
public struct SMTPReceipt: Sendable, Equatable {
    public var code: Int
    public var text: String
}

/// Why a message did not leave.
public enum SMTPError: Error, Sendable, Equatable, CustomStringConvertible {
    case connectionFailed(String)
    /// The server answered `code` at `stage` (e.g. `RCPT TO`); 5xx is permanent, 4xx is worth a retry.
    case rejected(stage: String, code: Int, text: String)
    /// The server does not offer STARTTLS and credentials would travel in clear.
    case encryptionUnavailable
    case authenticationUnavailable
    case timedOut
    case closed
    case malformedReply

    /// Sending the same message again will fail the same way.
    public var isPermanent: Bool {
        switch self {
        case .rejected(_, let code, _): code >= 500
        case .encryptionUnavailable, .authenticationUnavailable: true
        default: false
        }
    }

    public var description: String {
        switch self {
        case .connectionFailed(let reason): "could not reach the mail server: \(reason)"
        case .rejected(let stage, let code, let text): "the mail server refused \(stage): \(code) \(text)"
        case .encryptionUnavailable:
            "the mail server does not offer STARTTLS; Orchard does not send credentials in clear (use smtps://)"
        case .authenticationUnavailable: "the mail server does not offer AUTH PLAIN or LOGIN"
        case .timedOut: "the mail server did not answer in time"
        case .closed: "the mail server closed the connection"
        case .malformedReply: "the mail server's reply is not SMTP"
        }
    }
}

/// Sends mail to one SMTP server (RFC 5321) over SwiftNIO: one connection per message, STARTTLS
/// (RFC 3207) or implicit TLS, AUTH PLAIN or LOGIN (RFC 4954).
public struct SMTPClient: Sendable {
    public let configuration: SMTPConfiguration
    let group: any EventLoopGroup
    let tls: NIOSSLContext

    public init(configuration: SMTPConfiguration) throws {
        self.configuration = configuration
        self.group = MultiThreadedEventLoopGroup.singleton
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        if let caFile = configuration.caFile { tls.trustRoots = .file(caFile) }
        self.tls = try NIOSSLContext(configuration: tls)
    }

    /// Sends `message` to its recipient; the server's final answer when it took it.
    public func deliver(_ message: MailMessage) async throws(SMTPError) -> SMTPReceipt {
        let connection = try await connect()
        do {
            let receipt = try await converse(connection, message)
            _ = try? await connection.command("QUIT")
            connection.close()
            return receipt
        } catch {
            connection.close()
            throw error
        }
    }

    private func connect() async throws(SMTPError) -> SMTPConnection {
        let greeting = group.any().makePromise(of: SMTPReply.self)
        let implicit = configuration.security == .implicitTLS
        let (tls, host) = (self.tls, configuration.host)
        let hostname = Self.serverName(host)
        let bootstrap = ClientBootstrap(group: greeting.futureResult.eventLoop)
            .connectTimeout(.seconds(15))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if implicit {
                        try channel.pipeline.syncOperations.addHandler(
                            NIOSSLClientHandler(context: tls, serverHostname: hostname))
                    }
                    try channel.pipeline.syncOperations.addHandler(SMTPReplyHandler(greeting: greeting))
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: host, port: configuration.port).get()
        } catch {
            greeting.fail(SMTPError.closed)
            throw .connectionFailed(String(describing: error))
        }
        let connection = SMTPConnection(channel: channel, timeout: configuration.timeout)
        let reply = try await connection.wait(greeting.futureResult)
        guard reply.code == 220 else {
            connection.close()
            throw .rejected(stage: "the connection", code: reply.code, text: reply.text)
        }
        return connection
    }

    private func converse(_ connection: SMTPConnection, _ message: MailMessage) async throws(SMTPError) -> SMTPReceipt {
        let me = "EHLO \(message.from.domain)"
        var hello = try await connection.expect(me, 250, stage: "EHLO")
        if configuration.security != .implicitTLS {
            if hello.extensions.contains("STARTTLS") {
                _ = try await connection.expect("STARTTLS", 220, stage: "STARTTLS")
                try await connection.startTLS(context: tls, serverHostname: Self.serverName(configuration.host))
                hello = try await connection.expect(me, 250, stage: "EHLO")
            } else if configuration.username != nil && !configuration.isLoopback {
                throw .encryptionUnavailable
            }
        }
        if let username = configuration.username {
            let password = configuration.password ?? ""
            let mechanisms = hello.extensions.first { $0.hasPrefix("AUTH ") }?.split(separator: " ").dropFirst() ?? []
            if mechanisms.contains("PLAIN") {
                let token = Data("\0\(username)\0\(password)".utf8).base64EncodedString()
                _ = try await connection.expect("AUTH PLAIN \(token)", 235, stage: "AUTH", echo: "AUTH PLAIN")
            } else if mechanisms.contains("LOGIN") {
                _ = try await connection.expect("AUTH LOGIN", 334, stage: "AUTH")
                _ = try await connection.expect(
                    Data(username.utf8).base64EncodedString(), 334, stage: "AUTH", echo: "user")
                _ = try await connection.expect(
                    Data(password.utf8).base64EncodedString(), 235, stage: "AUTH", echo: "password")
            } else {
                throw .authenticationUnavailable
            }
        }
        _ = try await connection.expect("MAIL FROM:<\(message.from.address)>", 250, stage: "MAIL FROM")
        let recipient = try await connection.command("RCPT TO:<\(message.to.address)>")
        guard recipient.code == 250 || recipient.code == 251 else {
            throw .rejected(stage: "RCPT TO", code: recipient.code, text: recipient.text)
        }
        _ = try await connection.expect("DATA", 354, stage: "DATA")
        // Dot-stuffing (RFC 5321 section 4.5.2), then the lone dot that ends the data.
        let data = message.encoded().replacingOccurrences(of: "\r\n.", with: "\r\n..")
        let body = (data.hasPrefix(".") ? "." : "") + data + (data.hasSuffix("\r\n") ? "" : "\r\n") + "."
        let accepted = try await connection.expect(body, 250, stage: "the message")
        return SMTPReceipt(code: accepted.code, text: accepted.text)
    }

    /// SNI and certificate checks take a name; an address is checked as an address.
    static func serverName(_ host: String) -> String? {
        let bare = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        let isAddress = bare.contains(":") || bare.split(separator: ".").allSatisfy { UInt8($0) != nil }
        return isAddress ? nil : bare
    }
}

/// One reply: its code, its lines' text, and the extensions an EHLO reply announces.
struct SMTPReply: Sendable {
    var code: Int
    var lines: [String]
    var text: String { lines.joined(separator: " ") }
    var extensions: [String] { lines.dropFirst().map { $0.uppercased() } }
}

/// A command and the promise of its reply, written through the pipeline.
struct SMTPRequest: Sendable {
    var line: ByteBuffer
    var reply: EventLoopPromise<SMTPReply>
}

/// An open connection: commands in order, each waiting for its reply, within the message's deadline.
final class SMTPConnection: Sendable {
    let channel: any Channel
    let deadline: Scheduled<Void>

    init(channel: any Channel, timeout: TimeInterval) {
        self.channel = channel
        self.deadline = channel.eventLoop.scheduleTask(in: .milliseconds(Int64(timeout * 1000))) {
            channel.pipeline.fireErrorCaught(SMTPError.timedOut)
            channel.close(promise: nil)
        }
    }

    func wait(_ future: EventLoopFuture<SMTPReply>) async throws(SMTPError) -> SMTPReply {
        do { return try await future.get() } catch let error as SMTPError { throw error } catch {
            throw .connectionFailed(String(describing: error))
        }
    }

    func command(_ line: String) async throws(SMTPError) -> SMTPReply {
        let promise = channel.eventLoop.makePromise(of: SMTPReply.self)
        var buffer = channel.allocator.buffer(capacity: line.utf8.count + 2)
        buffer.writeString(line)
        buffer.writeString("\r\n")
        channel.writeAndFlush(SMTPRequest(line: buffer, reply: promise), promise: nil)
        return try await wait(promise.futureResult)
    }

    /// Sends `line` and requires reply `code`; `echo` names the command in errors instead of the
    /// line (credentials never reach an error or a log).
    func expect(_ line: String, _ code: Int, stage: String, echo: String? = nil) async throws(SMTPError) -> SMTPReply {
        let reply = try await command(line)
        guard reply.code == code else { throw .rejected(stage: echo ?? stage, code: reply.code, text: reply.text) }
        return reply
    }

    func startTLS(context: NIOSSLContext, serverHostname: String?) async throws(SMTPError) {
        do {
            try await channel.eventLoop.submit { [channel] in
                try channel.pipeline.syncOperations.addHandler(
                    NIOSSLClientHandler(context: context, serverHostname: serverHostname), position: .first)
            }.get()
        } catch {
            throw .connectionFailed("STARTTLS: \(error)")
        }
    }

    func close() {
        deadline.cancel()
        channel.close(promise: nil)
    }
}

/// Reads replies (RFC 5321 section 4.2: `250-…` lines until `250 …`) and completes the oldest waiting
/// promise with each; fails them all when the connection ends.
final class SMTPReplyHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = SMTPRequest
    typealias OutboundOut = ByteBuffer

    private var waiting: CircularBuffer<EventLoopPromise<SMTPReply>>
    private var partial: [UInt8] = []
    private var lines: [String] = []
    private var failure: SMTPError?

    init(greeting: EventLoopPromise<SMTPReply>) {
        waiting = [greeting]
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        if let failure {
            request.reply.fail(failure)
            promise?.fail(failure)
            return
        }
        waiting.append(request.reply)
        context.write(wrapOutboundOut(request.line), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        partial += buffer.readBytes(length: buffer.readableBytes) ?? []
        while let end = partial.firstIndex(of: 10) {
            var line = Array(partial[..<end])
            partial.removeSubrange(...end)
            if line.last == 13 { line.removeLast() }
            take(String(decoding: line, as: UTF8.self), context: context)
        }
        // A server that never ends its line is not an SMTP server.
        if partial.count > 65_536 { fail(.malformedReply, context: context) }
    }

    private func take(_ line: String, context: ChannelHandlerContext) {
        let bytes = Array(line.utf8)
        guard bytes.count >= 3, let code = Int(String(decoding: bytes[0..<3], as: UTF8.self)),
            (200...599).contains(code)
        else { return fail(.malformedReply, context: context) }
        let more = bytes.count > 3 && bytes[3] == UInt8(ascii: "-")
        lines.append(bytes.count > 4 ? String(decoding: bytes[4...], as: UTF8.self) : "")
        guard !more else { return }
        let reply = SMTPReply(code: code, lines: lines)
        lines = []
        if waiting.isEmpty { return fail(.malformedReply, context: context) }
        waiting.removeFirst().succeed(reply)
    }

    private func fail(_ error: SMTPError, context: ChannelHandlerContext) {
        failure = failure ?? error
        while let promise = waiting.popFirst() { promise.fail(failure ?? error) }
        context.close(promise: nil)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail((error as? SMTPError) ?? .connectionFailed(String(describing: error)), context: context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        failure = failure ?? .closed
        while let promise = waiting.popFirst() { promise.fail(failure ?? .closed) }
        context.fireChannelInactive()
    }
}
