import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import OrchardTestSupport
import SalesReports

/// A plain HTTP exchange with a running sandbox, as an outside client sees it.
struct HTTPAnswer {
    let status: Int
    let headers: HTTPHeaders
    let body: [UInt8]

    var text: String { String(decoding: body, as: UTF8.self) }
    func header(_ name: String) -> String? { headers.first(name: name) }
    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any]) ?? [:] }
}

enum SandboxHTTP {
    /// A client that shows redirects instead of following them (the web console's 303s).
    static let noRedirects = HTTPClient(
        eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: .init(redirectConfiguration: .disallow))

    static func send(
        _ method: HTTPMethod, _ url: String, body: String? = nil, headers: [(String, String)] = [],
        timeout: TimeAmount = .seconds(30), followRedirects: Bool = true
    ) async throws -> HTTPAnswer {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(string: body)) }
        let client = followRedirects ? HTTPClient.shared : noRedirects
        let response = try await client.execute(request, timeout: timeout)
        let buffer = try await response.body.collect(upTo: 64 << 20)
        return HTTPAnswer(
            status: Int(response.status.code), headers: response.headers, body: Array(buffer.readableBytesView))
    }

    static func json(_ method: HTTPMethod, _ url: String, _ body: String? = nil) async throws -> HTTPAnswer {
        try await send(method, url, body: body, headers: [("Content-Type", "application/json")])
    }

    /// A Reporter request as Apple's Java tool and its ports send it (docs/REPORTS.md, Requests).
    static func reporter(
        _ sandbox: SandboxServer, token: String, query: String, account: String? = nil, mode: String = "Robot.XML",
        service: String = "sales", urlEncoded: Bool = true
    ) async throws -> HTTPAnswer {
        var fields = [#""accesstoken":"\#(token)""#, #""version":"2.2""#, #""mode":"\#(mode)""#]
        if let account { fields.append(#""account":"\#(account)""#) }
        fields.append(#""queryInput":"[p=Reporter.properties, \#(query)]""#)
        let json = "{" + fields.joined(separator: ",") + "}"
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let value = urlEncoded ? json.addingPercentEncoding(withAllowedCharacters: allowed)! : json
        return try await send(
            .POST, "\(sandbox.baseURL)/reportservice/\(service)/v1", body: "jsonRequest=" + value,
            headers: [("Content-Type", "application/x-www-form-urlencoded")])
    }

    /// The rows of a (gzip'd) report file, by column name.
    static func records(_ bytes: [UInt8]) throws -> (columns: [String], rows: [ReportRecord]) {
        let reader = try ReportReader(bytes: bytes, file: "answer")
        var rows: [ReportRecord] = []
        while let record = try reader.nextRecord() { rows.append(record) }
        return (reader.header.names, rows)
    }
}
