public import Foundation
public import Logging

/// A client of Apple's Reporter service (docs/REPORTS.md, Requests): the interface an access token opens.
///
/// Every call POSTs `jsonRequest` in Robot.XML mode, retries transient failures per `retry`, and
/// throws `ReporterError`. The token travels in the request body only; it is never logged and no
/// error or description contains it.
public struct ReporterClient: Sendable {
    public let baseURL: URL
    private let transport: HTTPTransport
    private let retry: RetryPolicy
    private let timeout: Duration
    private let logger: Logger
    /// The Reporter protocol version sent; Apple's tool 2.2 is the one that knows tokens.
    private let version: String

    public init(
        baseURL: URL = AppleEndpoints.apple.reporter,
        transport: HTTPTransport,
        retry: RetryPolicy = RetryPolicy(),
        timeout: Duration = .seconds(60),
        logger: Logger = Logger(label: "orchard.reporter"),
        version: String = "2.2"
    ) {
        self.baseURL = baseURL
        self.transport = transport
        self.retry = retry
        self.timeout = timeout
        self.logger = logger
        self.version = version
    }

    /// `Sales.getStatus`: whether Sales and Trends answers.
    public func salesStatus(token: ReporterAccessToken) async throws(ReporterError) -> ReporterStatus {
        let root = try await document(.sales, "Sales.getStatus", token: token, account: nil)
        return ReporterStatus(code: root.value("Code").flatMap { Int($0) } ?? 0, message: root.value("Message") ?? "")
    }

    /// `Sales.getAccounts`: every content-provider account the token's Apple ID can see.
    public func accounts(token: ReporterAccessToken) async throws(ReporterError) -> [ReporterAccount] {
        try await accounts(.sales, "Sales.getAccounts", token: token)
    }

    /// `Sales.getVendors`: the vendor numbers of `account` (required when the token sees several).
    public func vendors(token: ReporterAccessToken, account: String?) async throws(ReporterError) -> [String] {
        let root = try await document(.sales, "Sales.getVendors", token: token, account: account, expecting: "Vendors")
        return root.children("Vendor").map { $0.text.trimmingCharacters(in: .whitespacesAndNewlines) }
            .filter { !$0.isEmpty }
    }

    /// `Sales.getReport`: one Sales and Trends report file.
    public func salesReport(token: ReporterAccessToken, account: String?, request: SalesReportRequest)
        async throws(ReporterError) -> ReportFile
    {
        try request.validate()
        return try await report(
            .sales, "Sales.getReport", arguments: request.arguments, token: token, account: account,
            defaultFileName: request.defaultFileName)
    }

    /// `Finance.getAccounts`: the accounts whose financial reports the token can read.
    public func financeAccounts(token: ReporterAccessToken) async throws(ReporterError) -> [ReporterAccount] {
        try await accounts(.finance, "Finance.getAccounts", token: token)
    }

    /// `Finance.getVendorsAndRegions`: per vendor, its region codes and the reports of each.
    public func vendorsAndRegions(token: ReporterAccessToken, account: String?) async throws(ReporterError)
        -> [ReporterVendorRegions]
    {
        let root = try await document(.finance, "Finance.getVendorsAndRegions", token: token, account: account)
        return root.children("Vendor").map { vendor in
            ReporterVendorRegions(
                vendor: vendor.value("Number") ?? "",
                regions: vendor.children("Region").map { region in
                    ReporterVendorRegions.Region(
                        code: region.value("Code") ?? "",
                        reports: region.child("Reports")?.children("Report").map {
                            $0.text.trimmingCharacters(in: .whitespacesAndNewlines)
                        } ?? [])
                })
        }
    }

    /// `Finance.getReport`: one financial report file.
    public func financeReport(token: ReporterAccessToken, account: String?, request: FinanceReportRequest)
        async throws(ReporterError) -> ReportFile
    {
        try request.validate()
        return try await report(
            .finance, "Finance.getReport", arguments: request.arguments, token: token, account: account,
            defaultFileName: request.defaultFileName)
    }

    // MARK: - Exchange

    enum Service: String {
        case sales = "/reportservice/sales/v1"
        case finance = "/reportservice/finance/v1"
    }

    private func accounts(_ service: Service, _ command: String, token: ReporterAccessToken)
        async throws(ReporterError) -> [ReporterAccount]
    {
        let root = try await document(service, command, token: token, account: nil, expecting: "Accounts")
        return root.children("Account").map {
            ReporterAccount(number: $0.value("Number") ?? "", name: $0.value("Name") ?? "")
        }
    }

    /// The answer's XML root. With `expecting`, an answer whose root is another element (an HTML
    /// maintenance page, an empty body) is Apple failing, transient: never an empty list.
    private func document(
        _ service: Service, _ command: String, token: ReporterAccessToken, account: String?, expecting: String? = nil
    ) async throws(ReporterError) -> ReporterXML {
        let response = try await exchange(service, command, arguments: [], token: token, account: account)
        guard let root = ReporterXML.parse(response.body), root.name != "Error" else {
            let error = ReporterError.classify(
                status: response.status, body: response.body, retryAfter: response.retryAfter
            )
            .redacting(token)
            if let expecting, case .unexpectedResponse(let status, nil, _) = error, (200..<300).contains(status) {
                throw .appleUnavailable(
                    status: status, message: "\(command) answered no XML where <\(expecting)> was expected")
            }
            throw error
        }
        if let expecting, root.name != expecting {
            throw .appleUnavailable(
                status: response.status, message: "\(command) answered <\(root.name)> where <\(expecting)> was expected"
            )
        }
        return root
    }

    private func report(
        _ service: Service, _ command: String, arguments: [String], token: ReporterAccessToken, account: String?,
        defaultFileName: String
    ) async throws(ReporterError) -> ReportFile {
        let response = try await exchange(service, command, arguments: arguments, token: token, account: account)
        // Apple sometimes answers errors with HTTP 200: only gzip bytes are a report.
        guard response.body.starts(with: [0x1F, 0x8B]) else {
            throw ReporterError.classify(status: response.status, body: response.body, retryAfter: response.retryAfter)
                .redacting(token)
        }
        let name = response.header("filename").flatMap(Self.safeFileName) ?? defaultFileName
        return ReportFile(fileName: name, gzipData: response.body)
    }

    /// Sends one command, retrying transient failures; returns a 2xx answer or throws the classified error.
    private func exchange(
        _ service: Service, _ command: String, arguments: [String], token: ReporterAccessToken, account: String?
    ) async throws(ReporterError) -> TransportResponse {
        let request = makeRequest(service, command, arguments: arguments, token: token, account: account)
        return try await retry.run { () async throws(ReporterError) -> TransportResponse in
            let response: TransportResponse
            do throws(TransportError) {
                response = try await transport.send(request)
            } catch {
                throw .transport(error)
            }
            logger.debug(
                "reporter answered",
                metadata: ["command": "\(command)", "status": "\(response.status)", "bytes": "\(response.body.count)"])
            guard (200..<300).contains(response.status) else {
                throw ReporterError.classify(
                    status: response.status, body: response.body, retryAfter: response.retryAfter
                )
                .redacting(token)
            }
            return response
        } onRetry: { error in
            logger.notice("reporter request will be retried", metadata: ["command": "\(command)", "error": "\(error)"])
        }
    }

    func makeRequest(
        _ service: Service, _ command: String, arguments: [String], token: ReporterAccessToken, account: String?
    ) -> TransportRequest {
        var json: [String: String] = [
            "accesstoken": token.secret,
            "version": version,
            "mode": "Robot.XML",
            "queryInput":
                "[p=Reporter.properties, \(command)\(arguments.isEmpty ? "" : ", " + arguments.joined(separator: ","))]",
        ]
        // An empty account makes Apple answer 404 (docs/REPORTS.md, Requests): omit it instead.
        if let account, !account.isEmpty { json["account"] = account }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let jsonText = String(decoding: (try? encoder.encode(json)) ?? Data(), as: UTF8.self)
        let body = "jsonRequest=" + Self.formEncode(jsonText)
        return TransportRequest(
            method: .post,
            url: baseURL.appendingPathComponent(String(service.rawValue.dropFirst())),
            headers: [
                ("Content-Type", "application/x-www-form-urlencoded"),
                ("Accept", "application/a-gzip, application/xml, text/plain, */*"),
            ],
            body: Data(body.utf8),
            timeout: timeout)
    }

    /// `application/x-www-form-urlencoded` encoding of one value.
    static func formEncode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._*")
        return (text.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")
    }

    /// Keeps a server-given file name only when it is a plain name (no path, no control characters).
    static func safeFileName(_ name: String) -> String? {
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, trimmed.count <= 200, !trimmed.contains("/"), !trimmed.contains("\\"),
            !trimmed.hasPrefix("."), trimmed.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F })
        else { return nil }
        return trimmed
    }
}

/// A content-provider account as `getAccounts` lists it.
public struct ReporterAccount: Sendable, Hashable, Codable {
    public var number: String
    public var name: String

    public init(number: String, name: String) {
        self.number = number
        self.name = name
    }
}

/// `getStatus`'s answer.
public struct ReporterStatus: Sendable, Hashable {
    public var code: Int
    public var message: String
}

/// One vendor of `Finance.getVendorsAndRegions`.
public struct ReporterVendorRegions: Sendable, Hashable {
    public struct Region: Sendable, Hashable {
        public var code: String
        public var reports: [String]

        public init(code: String, reports: [String]) {
            self.code = code
            self.reports = reports
        }
    }

    public var vendor: String
    public var regions: [Region]

    public init(vendor: String, regions: [Region]) {
        self.vendor = vendor
        self.regions = regions
    }
}
