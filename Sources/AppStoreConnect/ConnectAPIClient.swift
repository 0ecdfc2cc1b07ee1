public import Foundation
public import Logging

/// A client of the App Store Connect API (docs/SANDBOX.md, App Store Connect API), authenticated with a team key.
///
/// Lists follow `links.next` to the end (only on the configured host); every answer's
/// `X-Rate-Limit` is kept in `rateLimit`; 429 and 5xx are retried per `retry`, honouring
/// `Retry-After`. Tokens and keys never reach a log line or an error.
public struct ConnectAPIClient: Sendable {
    public let baseURL: URL
    private let tokens: ConnectTokenProvider
    private let transport: HTTPTransport
    private let retry: RetryPolicy
    private let timeout: Duration
    private let logger: Logger
    private let lastRateLimit = RateLimitBox()

    public init(
        baseURL: URL = AppleEndpoints.apple.connectAPI,
        key: ConnectAPIKey,
        transport: HTTPTransport,
        retry: RetryPolicy = RetryPolicy(),
        timeout: Duration = .seconds(60),
        logger: Logger = Logger(label: "orchard.connect-api"),
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.baseURL = baseURL
        self.tokens = ConnectTokenProvider(key: key, now: now)
        self.transport = transport
        self.retry = retry
        self.timeout = timeout
        self.logger = logger
    }

    /// The rate limit Apple reported on the latest answer, if any.
    public var rateLimit: RateLimit? {
        get async { await lastRateLimit.value }
    }

    /// `GET /v1/apps`, every page.
    public func apps() async throws(ConnectAPIError) -> [ConnectApp] {
        try await all("v1/apps")
    }

    /// `GET /v1/users`, every page.
    public func users() async throws(ConnectAPIError) -> [ConnectUser] {
        try await all("v1/users")
    }

    /// `GET /v1/userInvitations`, every page.
    public func userInvitations() async throws(ConnectAPIError) -> [ConnectInvitation] {
        try await all("v1/userInvitations")
    }

    /// `GET /v1/salesReports`: one report file (gzip).
    public func salesReport(_ query: ConnectSalesReportQuery) async throws(ConnectAPIError) -> ReportFile {
        var components = URLComponents(
            url: baseURL.appendingPathComponent("v1/salesReports"), resolvingAgainstBaseURL: false)!
        components.queryItems = query.queryItems
        let response = try await get(components.url!, accept: "application/a-gzip", isReport: true)
        guard response.body.starts(with: [0x1F, 0x8B]) else {
            throw .unexpectedResponse(status: response.status, detail: "the report is not gzip data")
        }
        return ReportFile(fileName: query.fileName, gzipData: response.body)
    }

    private func all<Resource: Decodable>(_ path: String) async throws(ConnectAPIError) -> [Resource] {
        var components = URLComponents(url: baseURL.appendingPathComponent(path), resolvingAgainstBaseURL: false)!
        components.queryItems = [URLQueryItem(name: "limit", value: "200")]
        var next: URL? = components.url
        var resources: [Resource] = []
        var pages = 0
        while let url = next {
            pages += 1
            guard pages <= 1_000 else { throw .unexpectedResponse(status: 200, detail: "more than 1,000 pages") }
            let response = try await get(url, accept: "application/json", isReport: false)
            let page: ConnectPage<Resource>
            do {
                page = try JSONDecoder().decode(ConnectPage<Resource>.self, from: response.body)
            } catch {
                throw .unexpectedResponse(status: response.status, detail: "not a \(path) document: \(error)")
            }
            resources += page.data
            next = try page.links?.next.map { link throws(ConnectAPIError) in try sameHost(link) }
        }
        return resources
    }

    /// A `links.next` URL, accepted only on the configured scheme, host and port: the bearer token must not
    /// be sent anywhere else.
    private func sameHost(_ link: String) throws(ConnectAPIError) -> URL {
        guard let url = URL(string: link, relativeTo: baseURL)?.absoluteURL, url.scheme == baseURL.scheme,
            url.host == baseURL.host, url.port == baseURL.port
        else {
            throw .unexpectedResponse(status: 200, detail: "links.next points to another host")
        }
        return url
    }

    private func get(_ url: URL, accept: String, isReport: Bool) async throws(ConnectAPIError) -> TransportResponse {
        try await retry.run { () async throws(ConnectAPIError) -> TransportResponse in
            let request = TransportRequest(
                method: .get, url: url,
                headers: [("Authorization", "Bearer \(await tokens.token())"), ("Accept", accept)],
                timeout: timeout)
            let response: TransportResponse
            do throws(TransportError) {
                response = try await transport.send(request)
            } catch {
                throw .transport(error)
            }
            if let header = response.header("X-Rate-Limit"), let limit = RateLimit(header: header) {
                await lastRateLimit.set(limit)
            }
            logger.debug("connect api answered", metadata: ["path": "\(url.path)", "status": "\(response.status)"])
            guard (200..<300).contains(response.status) else {
                throw ConnectAPIError.classify(response, isReport: isReport)
            }
            return response
        } onRetry: { error in
            logger.notice(
                "connect api request will be retried", metadata: ["path": "\(url.path)", "error": "\(error)"])
        }
    }
}

/// The latest rate limit seen, shared by copies of a client.
private actor RateLimitBox {
    var value: RateLimit?
    func set(_ limit: RateLimit) { value = limit }
}
