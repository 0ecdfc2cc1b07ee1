import Foundation

/// What the App Store Connect API answered instead of data (docs/SANDBOX.md), from its `ErrorResponse`.
public enum ConnectAPIError: Error, Sendable, Equatable, CustomStringConvertible, RetryableError {
    /// The key file, key ID or issuer ID is unusable.
    case invalidKey(String)
    /// 401: the token is missing, malformed, expired, or signed with an unknown or revoked key.
    case notAuthorized(detail: String)
    /// 403: the key's role does not allow the request.
    case forbidden(detail: String)
    /// 404 on a report: a valid request for a day without sales.
    case noSales
    /// 404 on a report: not generated yet; try again later.
    case notAvailableYet(detail: String)
    /// 410 on a report: older than Apple keeps.
    case reportGone(detail: String)
    /// 404 otherwise.
    case notFound(detail: String)
    /// 400/409/422: a parameter or entity was refused; `parameter` names it when Apple did.
    case invalidRequest(status: Int, code: String, detail: String, parameter: String?)
    /// 429 `RATE_LIMIT_EXCEEDED`.
    case rateLimited(retryAfter: Duration?, rateLimit: RateLimit?)
    /// 5xx.
    case appleUnavailable(status: Int, detail: String)
    /// An answer this client does not understand.
    case unexpectedResponse(status: Int, detail: String)
    /// Nothing came back that could be read as an answer.
    case transport(TransportError)

    /// Worth trying again soon.
    public var isTransient: Bool {
        switch self {
        case .rateLimited, .appleUnavailable, .transport: true
        default: false
        }
    }

    /// How long Apple asked to wait, for rate limits.
    public var retryAfter: Duration? {
        if case .rateLimited(let retryAfter, _) = self { return retryAfter }
        return nil
    }

    public var description: String {
        switch self {
        case .invalidKey(let reason): "unusable API key: \(reason)"
        case .notAuthorized(let detail): "not authorized: \(detail)"
        case .forbidden(let detail): "forbidden: \(detail)"
        case .noSales: "there were no sales for the date specified"
        case .notAvailableYet(let detail): "the report is not available yet: \(detail)"
        case .reportGone(let detail): "the report is no longer available: \(detail)"
        case .notFound(let detail): "not found: \(detail)"
        case .invalidRequest(let status, let code, let detail, let parameter):
            "refused (HTTP \(status), \(code)\(parameter.map { ", parameter \($0)" } ?? "")): \(detail)"
        case .rateLimited(let retryAfter, _):
            "rate limit reached\(retryAfter.map { "; retry after \($0.components.seconds) s" } ?? "")"
        case .appleUnavailable(let status, let detail): "Apple is unavailable (HTTP \(status)): \(detail)"
        case .unexpectedResponse(let status, let detail): "unexpected answer (HTTP \(status)): \(detail)"
        case .transport(let error): "could not reach Apple: \(error)"
        }
    }

    /// Apple's `ErrorResponse` document.
    struct ErrorResponse: Decodable {
        struct Entry: Decodable {
            struct Source: Decodable {
                let pointer: String?
                let parameter: String?
            }
            let status: String
            let code: String
            let title: String
            let detail: String?
            let source: Source?
        }
        let errors: [Entry]
    }

    /// Classifies a non-2xx answer; `isReport` tells 404s about sales reports apart.
    static func classify(_ response: TransportResponse, isReport: Bool) -> ConnectAPIError {
        let entry = (try? JSONDecoder().decode(ErrorResponse.self, from: response.body))?.errors.first
        let detail =
            entry.map { $0.detail ?? $0.title }
            ?? String(decoding: response.body.prefix(300), as: UTF8.self).trimmingCharacters(
                in: .whitespacesAndNewlines)
        let code = entry?.code ?? ""
        switch response.status {
        case 401: return .notAuthorized(detail: detail)
        case 403: return .forbidden(detail: detail)
        case 404 where isReport:
            let text = detail.lowercased()
            if text.contains("no sales") { return .noSales }
            if text.contains("not available yet") { return .notAvailableYet(detail: detail) }
            return .notFound(detail: detail)
        case 404: return .notFound(detail: detail)
        case 410: return .reportGone(detail: detail)
        case 429:
            return .rateLimited(
                retryAfter: response.retryAfter, rateLimit: response.header("X-Rate-Limit").flatMap(RateLimit.init))
        case 400, 405...409, 413...422:
            return .invalidRequest(
                status: response.status, code: code, detail: detail,
                parameter: entry?.source?.parameter ?? entry?.source?.pointer)
        case 500...599: return .appleUnavailable(status: response.status, detail: detail)
        default: return .unexpectedResponse(status: response.status, detail: detail)
        }
    }
}

/// Apple's `X-Rate-Limit: user-hour-lim:3500;user-hour-rem:500;` (a rolling 60-minute window per key).
public struct RateLimit: Sendable, Hashable {
    public var limit: Int
    public var remaining: Int

    public init(limit: Int, remaining: Int) {
        self.limit = limit
        self.remaining = remaining
    }

    /// Parses the header; `nil` when either number is missing.
    public init?(header: String) {
        var values: [String: Int] = [:]
        for part in header.split(separator: ";") {
            let pair = part.split(separator: ":", maxSplits: 1)
            guard pair.count == 2, let number = Int(pair[1].trimmingCharacters(in: .whitespaces)) else { continue }
            values[pair[0].trimmingCharacters(in: .whitespaces)] = number
        }
        guard let limit = values["user-hour-lim"], let remaining = values["user-hour-rem"] else { return nil }
        self.init(limit: limit, remaining: remaining)
    }
}
