public import Foundation

/// One HTTP exchange, as the clients see it: small enough to fake in tests, real over AsyncHTTPClient.
public struct HTTPTransport: Sendable {
    /// Sends a request and returns the whole response, or throws a `TransportError`.
    public var send: @Sendable (TransportRequest) async throws(TransportError) -> TransportResponse

    public init(send: @escaping @Sendable (TransportRequest) async throws(TransportError) -> TransportResponse) {
        self.send = send
    }
}

/// An HTTP request. Its `description` never shows headers or body, which carry secrets.
public struct TransportRequest: Sendable, CustomStringConvertible {
    public enum Method: String, Sendable {
        case get = "GET"
        case post = "POST"
    }

    public var method: Method
    public var url: URL
    public var headers: [(name: String, value: String)]
    public var body: Data?
    /// How long the whole exchange may take before it fails with `TransportError.timedOut`.
    public var timeout: Duration

    public init(
        method: Method, url: URL, headers: [(name: String, value: String)] = [], body: Data? = nil,
        timeout: Duration = .seconds(60)
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
    }

    public var description: String { "\(method.rawValue) \(url.path)" }
}

/// An HTTP response with its whole body.
public struct TransportResponse: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: Data

    public init(status: Int, headers: [(name: String, value: String)] = [], body: Data = Data()) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The first header with this name, compared case-insensitively as HTTP requires.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    /// `Retry-After` in seconds, when the server sent one as a number.
    public var retryAfter: Duration? {
        guard let text = header("Retry-After")?.trimmingCharacters(in: .whitespaces), let seconds = Int(text),
            seconds >= 0
        else { return nil }
        return .seconds(seconds)
    }
}

/// Failures below HTTP: nothing came back that could be read as an answer.
public enum TransportError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No answer within the request's timeout.
    case timedOut
    /// The connection could not be made or broke off.
    case connectionFailed(String)
    /// The answer was larger than the client accepts.
    case responseTooLarge(limit: Int)

    public var description: String {
        switch self {
        case .timedOut: "no answer within the timeout"
        case .connectionFailed(let reason): "connection failed: \(reason)"
        case .responseTooLarge(let limit): "the answer is larger than \(limit) bytes"
        }
    }
}
