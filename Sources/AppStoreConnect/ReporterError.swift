import Foundation

/// What Apple's Reporter answered instead of data, classified as docs/REPORTS.md (Reporter's error codes) says: by
/// `<Error><Code>` when present, else by message text, else by HTTP status.
public enum ReporterError: Error, Sendable, Equatable, CustomStringConvertible, RetryableError {
    /// The token is wrong or was revoked (code 124, "Your Access Token is invalid.").
    case invalidToken
    /// The token aged out after 180 days (code 123).
    case expiredToken
    /// The report is not generated yet (code 210); try again later.
    case notAvailableYet(message: String)
    /// A valid request for a day without sales (code 213).
    case noSales
    /// The token sees several accounts; pass one (code 214).
    case accountRequired
    /// The account number is not one the token sees (code 215).
    case invalidAccount
    /// The vendor number is not one of the account's (codes 200, 300).
    case invalidVendor
    /// Report type, subtype, date type or date rejected (codes 201-208, 101-102), or a request the
    /// client refused to send.
    case invalidParameters(code: Int?, message: String)
    /// The report is older than Apple keeps (code 205 with Apple's "available only for past 365
    /// days"): gone for good, never worth a retry.
    case reportTooOld(message: String)
    /// Too many requests (code 117, HTTP 429); wait `retryAfter` when Apple said.
    case rateLimited(retryAfter: Duration?)
    /// Apple failed on its side (HTTP 5xx, "An unexpected error occurred").
    case appleUnavailable(status: Int, message: String)
    /// An answer this client does not understand.
    case unexpectedResponse(status: Int, code: Int?, message: String)
    /// Nothing came back that could be read as an answer.
    case transport(TransportError)

    /// Worth trying again soon: Apple's faults, rate limits, broken connections.
    public var isTransient: Bool {
        switch self {
        case .rateLimited, .appleUnavailable, .transport: true
        default: false
        }
    }

    /// The version Apple names as the latest when it refuses the one asked for ("... The latest
    /// version for this report is 1_4."), `nil` for any other answer.
    public var latestVersion: String? {
        guard case .invalidParameters(_, let message) = self,
            let range = message.range(of: "latest version for this report is ", options: .caseInsensitive)
        else { return nil }
        let version = message[range.upperBound...].prefix { $0.isNumber || $0 == "_" }
        let parts = version.split(separator: "_", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ !$0.isEmpty && $0.count <= 3 }) else { return nil }
        return String(version)
    }

    /// How long Apple asked to wait, for rate limits.
    public var retryAfter: Duration? {
        if case .rateLimited(let retryAfter) = self { return retryAfter }
        return nil
    }

    public var description: String {
        switch self {
        case .invalidToken: "the access token is invalid or was revoked"
        case .expiredToken: "the access token has expired"
        case .notAvailableYet(let message): "the report is not available yet: \(message)"
        case .noSales: "there were no sales for the date specified"
        case .accountRequired: "the token sees several accounts; specify the account number"
        case .invalidAccount: "the account number is not one this token can see"
        case .invalidVendor: "the vendor number is not valid for this account"
        case .reportTooOld(let message): "the report is older than Apple keeps: \(message)"
        case .invalidParameters(let code, let message):
            "invalid report parameters\(code.map { " (code \($0))" } ?? ""): \(message)"
        case .rateLimited(let retryAfter):
            "Apple is rate limiting requests\(retryAfter.map { "; retry after \($0.components.seconds) s" } ?? "")"
        case .appleUnavailable(let status, let message): "Apple is unavailable (HTTP \(status)): \(message)"
        case .unexpectedResponse(let status, let code, let message):
            "unexpected answer from Apple (HTTP \(status)\(code.map { ", code \($0)" } ?? "")): \(message)"
        case .transport(let error): "could not reach Apple: \(error)"
        }
    }

    /// The same error with any echo of `token` in Apple's message replaced by its masked form.
    func redacting(_ token: ReporterAccessToken) -> ReporterError {
        guard !token.secret.isEmpty else { return self }
        func clean(_ text: String) -> String { text.replacingOccurrences(of: token.secret, with: token.masked) }
        switch self {
        case .notAvailableYet(let message): return .notAvailableYet(message: clean(message))
        case .invalidParameters(let code, let message): return .invalidParameters(code: code, message: clean(message))
        case .reportTooOld(let message): return .reportTooOld(message: clean(message))
        case .appleUnavailable(let status, let message):
            return .appleUnavailable(status: status, message: clean(message))
        case .unexpectedResponse(let status, let code, let message):
            return .unexpectedResponse(status: status, code: code, message: clean(message))
        default: return self
        }
    }

    /// Classifies an answer that is not a report or a success document.
    static func classify(status: Int, body: Data, retryAfter: Duration?) -> ReporterError {
        let parsed = ReporterXML.errorBody(body)
        let message = parsed.message ?? ""
        if let code = parsed.code, let error = fromCode(code, message: message, status: status, retryAfter: retryAfter)
        {
            return error
        }
        if let error = fromMessage(message, status: status, retryAfter: retryAfter) { return error }
        switch status {
        case 401, 403: return .invalidToken
        case 429: return .rateLimited(retryAfter: retryAfter)
        case 500...599: return .appleUnavailable(status: status, message: message)
        default: return .unexpectedResponse(status: status, code: parsed.code, message: String(message.prefix(300)))
        }
    }

    private static func fromCode(_ code: Int, message: String, status: Int, retryAfter: Duration?) -> ReporterError? {
        switch code {
        case 123: .expiredToken
        case 124, 125, 132, 108: .invalidToken
        case 210: .notAvailableYet(message: message)
        case 213: .noSales
        case 214: .accountRequired
        case 215: .invalidAccount
        case 200, 300: .invalidVendor
        case 205 where Self.saysTooOld(message): .reportTooOld(message: message)
        case 100...102, 201...208: .invalidParameters(code: code, message: message)
        case 117: .rateLimited(retryAfter: retryAfter)
        default: nil
        }
    }

    /// Apple's wording for a date past its retention: "Reports are available only for past 365 days."
    private static func saysTooOld(_ message: String) -> Bool {
        let text = message.lowercased()
        return text.contains("available only for past") || text.contains("only for the past")
    }

    private static func fromMessage(_ message: String, status: Int, retryAfter: Duration?) -> ReporterError? {
        let text = message.lowercased()
        if text.contains("access token is expired") || text.contains("access token has expired") {
            return .expiredToken
        }
        if text.contains("access token is invalid") { return .invalidToken }
        if text.contains("not available yet") { return .notAvailableYet(message: message) }
        if text.contains("no sales") { return .noSales }
        if saysTooOld(message) { return .reportTooOld(message: message) }
        if text.contains("more than one account") || text.contains("specify an account") { return .accountRequired }
        if text.contains("too many requests") { return .rateLimited(retryAfter: retryAfter) }
        if text.contains("unexpected error") { return .appleUnavailable(status: status, message: message) }
        return nil
    }
}
