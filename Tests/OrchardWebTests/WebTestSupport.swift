import AppStoreConnect
import AsyncHTTPClient
import ConnectSandbox
import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import NIOCore
import OrchardApp
import OrchardCore
import OrchardMail
import OrchardStorage
import OrchardTestSupport
import Synchronization

@testable import OrchardWeb

/// A server on loopback over a fresh database, with a clock the test moves and bcrypt at its
/// lowest cost (these tests are about the web, not the hash).
struct WebHarness: Sendable {
    static let start = Date(timeIntervalSince1970: 1_796_000_000)

    let clock: ManualClock
    let database: OrchardDatabase

    /// Set when the harness runs with Connect Sandbox: the server's funnel asks it.
    let sandbox: SandboxServer?
    let keys: KeyRing

    static let serviceAppleID = "orchard-service@example.com"
    /// The operator every harness starts with (as `orchard serve`'s setup code made one), unless
    /// `withOperator` is false: so the tests' own sign-ups are members, as on a running instance.
    static let operatorEmail = "root@example.com"

    static func run(
        _ backend: TestBackend, sandbox: Bool = false, withOperator: Bool = true, settings: Settings = Settings(),
        serviceAppleID: String? = WebHarness.serviceAppleID, logger: Logger = TestLogging.logger,
        reporterURL: String? = nil, operations: (@Sendable () async throws -> OperationsSnapshot)? = nil,
        metrics: PrometheusController? = nil, mail: (any MailTransport)? = nil, test: String = #function,
        _ body: @Sendable (WebHarness, any TestClientProtocol) async throws -> Void
    ) async throws {
        let clock = ManualClock(start)
        let keys = try KeyRing(base64Keys: [SecretBox.generateKey()])
        // Named after the calling test in the backend log, so scripts/check-backends sees it.
        try await TestDatabase.withFresh(backend, test: test) { fresh in
            try await fresh.withOpen { database in
                _ = try await MigrationRunner(logger: TestLogging.logger).run(on: database)
                if withOperator {
                    _ = try await UserStore(database: database).insert(
                        email: operatorEmail,
                        passwordHash: try await PasswordHasher(cost: 4).hash(AccountPageTests.password),
                        role: .operator, now: start)
                }
                if sandbox {
                    try await SandboxServer.withRunning(seed: 7, now: start) { server in
                        try await serve(
                            server, database: database, clock: clock, keys: keys, settings: settings,
                            serviceAppleID: serviceAppleID, logger: logger, reporterURL: reporterURL,
                            operations: operations, metrics: metrics, mail: mail, body)
                    }
                } else {
                    try await serve(
                        nil, database: database, clock: clock, keys: keys, settings: settings,
                        serviceAppleID: serviceAppleID, logger: logger, reporterURL: reporterURL,
                        operations: operations, metrics: metrics, mail: mail, body)
                }
            }
        }
    }

    private static func serve(
        _ server: SandboxServer?, database: OrchardDatabase, clock: ManualClock, keys: KeyRing, settings: Settings,
        serviceAppleID: String?, logger: Logger, reporterURL: String?,
        operations: (@Sendable () async throws -> OperationsSnapshot)?, metrics: PrometheusController?,
        mail: (any MailTransport)?, _ body: @Sendable (WebHarness, any TestClientProtocol) async throws -> Void
    ) async throws {
        // Half the test client's 20 s read timeout, so a sandbox that never answers is the funnel's 502 even
        // on a machine busy with the rest of the suite; well above what an answer takes, so such a machine's
        // slow answer is not one.
        let funnel = server.map {
            FunnelDependencies(
                reporter: ReporterClient(
                    baseURL: URL(string: reporterURL ?? $0.baseURL)!, transport: .asyncHTTPClient(.shared),
                    retry: RetryPolicy(maxAttempts: 1), timeout: .seconds(10), logger: logger),
                keys: keys)
        }
        var settings = settings
        settings.serviceAppleID = settings.serviceAppleID ?? (server == nil ? nil : serviceAppleID)
        // Mail links point at the test's own origin; webhooks may go to the test's loopback receivers.
        let notifications = Notifications(
            database: database, keys: keys,
            mail: MailSetup(
                publicURL: URL(string: "http://orchard.test")!, from: MailAddress("orchard@orchard.test")!,
                transport: mail, description: mail == nil ? "not configured" : "the test's"),
            sender: WebhookSender(http: NotificationDeliveryTests.http, allowPrivate: true), now: { clock.now })
        let app = buildApplication(
            settings: settings, database: database, logger: logger,
            metrics: metrics, passwords: PasswordHasher(cost: 4), funnel: funnel, notifications: notifications,
            operations: operations, now: { clock.now })
        try await app.test(.live) { client in
            try await body(
                WebHarness(clock: clock, database: database, sandbox: server, keys: keys), client)
        }
    }
}

extension WebHarness {
    /// Makes a user who signed up an operator (`orchard user promote`).
    func promote(_ email: String) async throws {
        _ = try await UserStore(database: database).promote(email: email, now: clock.now)
    }
}

/// A browser's memory for one visitor: its cookies, sent back on each request.
final class Browser: Sendable {
    let client: any TestClientProtocol
    private let jar = Mutex<[String: String]>([:])

    init(_ client: any TestClientProtocol) {
        self.client = client
    }

    var cookies: [String: String] { jar.withLock { $0 } }

    func cookie(_ name: String) -> String? { jar.withLock { $0[name] } }

    /// Sends a request with the jar's cookies; keeps what the answer sets (an empty value or
    /// Max-Age=0 removes).
    @discardableResult
    func request(
        _ path: String, method: HTTPRequest.Method = .get, form: [(String, String)]? = nil, json: String? = nil,
        headers extra: HTTPFields = [:]
    ) async throws -> TestResponse {
        var headers = extra
        let cookieHeader = cookies.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: "; ")
        if !cookieHeader.isEmpty { headers[.cookie] = cookieHeader }
        var body: ByteBuffer?
        if let form {
            headers[.contentType] = "application/x-www-form-urlencoded"
            body = ByteBuffer(string: Self.encode(form))
        } else if let json {
            headers[.contentType] = "application/json"
            body = ByteBuffer(string: json)
        }
        let response = try await client.execute(uri: path, method: method, headers: headers, body: body)
        for line in response.headers[values: .setCookie] {
            let pair = line.split(separator: ";")[0].split(
                separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard pair.count == 2 else { continue }
            let (name, value) = (String(pair[0]), String(pair[1]))
            let removed = value.isEmpty || line.lowercased().contains("max-age=0")
            jar.withLock { $0[name] = removed ? nil : value }
        }
        return response
    }

    static func encode(_ form: [(String, String)]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return form.map {
            "\($0.0.addingPercentEncoding(withAllowedCharacters: allowed)!)="
                + $0.1.addingPercentEncoding(withAllowedCharacters: allowed)!
        }.joined(separator: "&")
    }

    /// The value of the hidden `_csrf` field of the page.
    static func csrfToken(in page: String) -> String? {
        guard let range = page.range(of: #"name="_csrf" value=""#) else { return nil }
        return String(page[range.upperBound...].prefix { $0 != "\"" })
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }

    /// The `error` object of a JSON error answer.
    var apiError: (code: String, message: String)? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
            let error = object["error"] as? [String: Any], let code = error["code"] as? String,
            let message = error["message"] as? String
        else { return nil }
        return (code, message)
    }

    var json: [String: Any]? { try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] }
}
