package import AsyncHTTPClient
import Crypto
package import Foundation
import NIOCore
import NIOHTTP1
package import OrchardCore

#if canImport(Glibc)
import Glibc
#endif

/// Signs and POSTs webhook deliveries (docs/NOTIFICATIONS.md): `Orchard-Signature: t=UNIX,v1=HEX`,
/// HEX = HMAC-SHA256 of `t + "." + body` under the endpoint's secret; no redirects followed;
/// endpoints on loopback or private addresses refused unless the operator allows them.
package struct WebhookSender: Sendable {
    package struct Outcome: Sendable, Equatable {
        package var status: Int?
        package var error: String?
        package var milliseconds: Int
        package var delivered: Bool { status.map { (200..<300).contains($0) } ?? false }
        /// Trying again cannot help (the address is refused).
        package var permanent = false
    }

    let http: HTTPClient
    let allowPrivate: Bool

    package init(http: HTTPClient, allowPrivate: Bool) {
        self.http = http
        self.allowPrivate = allowPrivate
    }

    /// The client webhooks need: short timeouts, redirects never followed.
    package static func makeHTTPClient() -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.timeout = .init(connect: .seconds(5), read: .seconds(10))
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }

    /// The header's value for `body` at `time`.
    package static func signature(body: String, secret: String, time: Date) -> String {
        let stamp = Int(time.timeIntervalSince1970)
        let mac = HMAC<SHA256>.authenticationCode(
            for: Data("\(stamp).\(body)".utf8), using: SymmetricKey(data: Data(secret.utf8)))
        return "t=\(stamp),v1=\(mac.map { String(format: "%02x", $0) }.joined())"
    }

    /// The JSON document of an event: `{id, type, createdAt, data}`.
    package static func body(of event: ActivityEvent) -> String {
        struct Document: Encodable {
            var id: String
            var type: String
            var createdAt: String
            var data: [String: EventValue]
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let formatter = ISO8601DateFormatter()
        let document = Document(
            id: event.id, type: event.type.rawValue, createdAt: formatter.string(from: event.createdAt),
            data: event.data)
        return String(decoding: (try? encoder.encode(document)) ?? Data("{}".utf8), as: UTF8.self)
    }

    /// Slack's incoming-webhook format: `{"text": ...}` with the same content in one line.
    package static func slackBody(of event: ActivityEvent, link: URL?) -> String {
        var text = MailComposer.summary(of: event)
        if let link { text += " <\(link.absoluteString)|Open in Orchard>" }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(["text": text])) ?? Data("{}".utf8), as: UTF8.self)
    }

    /// Why an endpoint's address is refused, or `nil` when it may be used.
    package func refusal(of raw: String) -> String? {
        guard let url = URL(string: raw), let scheme = url.scheme?.lowercased(), scheme == "https" || scheme == "http",
            let host = url.host, !host.isEmpty
        else { return "the address is not an http(s) URL with a host" }
        if url.user != nil || url.password != nil { return "the address must not carry a user or password" }
        guard !allowPrivate else { return nil }
        let addresses = Self.resolve(host)
        if addresses.isEmpty { return "\(host) does not resolve" }
        if let inside = addresses.first(where: Self.isPrivate) {
            return
                "\(host) is a loopback or private address (\(inside)); the operator allows these with ORCHARD_WEBHOOK_ALLOW_PRIVATE"
        }
        return nil
    }

    /// POSTs `body` to `url` signed with `secret`.
    package func send(url: String, body: String, secret: String, eventID: String, now: Date) async -> Outcome {
        let started = ContinuousClock.now
        func elapsed() -> Int {
            let duration = ContinuousClock.now - started
            return Int(duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000)
        }
        if let refusal = refusal(of: url) {
            return Outcome(status: nil, error: refusal, milliseconds: 0, permanent: true)
        }
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "Orchard-Webhooks/1")
        request.headers.add(name: "Orchard-Event-Id", value: eventID)
        request.headers.add(name: "Orchard-Signature", value: Self.signature(body: body, secret: secret, time: now))
        request.body = .bytes(ByteBuffer(string: body))
        do {
            let response = try await http.execute(request, timeout: .seconds(15))
            // The answer is read (at most 4 KiB kept) so the connection can be reused, then dropped.
            _ = try? await response.body.collect(upTo: 1 << 20)
            let status = Int(response.status.code)
            let error: String? =
                (200..<300).contains(status)
                ? nil
                : (300..<400).contains(status)
                    ? "answered \(status) (redirects are not followed)" : "answered \(status)"
            return Outcome(status: status, error: error, milliseconds: elapsed())
        } catch {
            return Outcome(status: nil, error: String(describing: error), milliseconds: elapsed())
        }
    }

    // MARK: Addresses

    static func resolve(_ host: String) -> [String] {
        let bare = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(bare, nil, &hints, &result) == 0, let first = result else { return [] }
        defer { freeaddrinfo(first) }
        var addresses: [String] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let entry = cursor {
            var buffer = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            if getnameinfo(
                entry.pointee.ai_addr, entry.pointee.ai_addrlen, &buffer, socklen_t(buffer.count), nil, 0,
                NI_NUMERICHOST) == 0
            {
                addresses.append(
                    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
            }
            cursor = entry.pointee.ai_next
        }
        return addresses
    }

    /// Loopback, private, link-local, carrier-grade NAT, unspecified, multicast and reserved addresses.
    package static func isPrivate(_ address: String) -> Bool {
        let lower = address.lowercased()
        if lower.contains(":") {
            if lower.hasPrefix("::ffff:"), lower.contains(".") { return isPrivate(String(lower.dropFirst(7))) }
            let expanded = lower.split(separator: "%").first.map(String.init) ?? lower
            if expanded == "::1" || expanded == "::" { return true }
            let head = expanded.split(separator: ":", omittingEmptySubsequences: false).first.map(String.init) ?? ""
            guard let first = UInt16(head.isEmpty ? "0" : head, radix: 16) else { return true }
            return first & 0xfe00 == 0xfc00 || first & 0xffc0 == 0xfe80 || first & 0xff00 == 0xff00 || head.isEmpty
        }
        let parts = address.split(separator: ".").compactMap { UInt8($0) }
        guard parts.count == 4 else { return true }
        switch (parts[0], parts[1]) {
        case (0, _), (10, _), (127, _): return true
        case (169, 254), (192, 168): return true
        case (172, let b) where (16...31).contains(b): return true
        case (100, let b) where (64...127).contains(b): return true
        case (192, 0) where parts[2] == 0: return true
        case (198, let b) where b == 18 || b == 19: return true
        default: return parts[0] >= 224
        }
    }
}
