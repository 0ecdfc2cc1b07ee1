import HTTPTypes
import Hummingbird

/// An App Store Connect API `ErrorResponse` (docs/SANDBOX.md): `{"errors": [{status, code, title,
/// detail, source?}]}` with the HTTP status in `status` as a string.
struct ConnectAPIError: Error, Sendable {
    struct Source: Sendable, Encodable {
        let parameter: String
    }

    let status: HTTPResponse.Status
    let code: String
    let title: String
    let detail: String?
    var source: Source? = nil
    var retryAfter: Int? = nil

    var response: Response {
        var response = JSONReply.response(Body(errors: [Entry(error: self)]), status: status)
        if let retryAfter { response.headers[.retryAfter] = String(retryAfter) }
        if status == .tooManyRequests {
            response.headers[ConnectAPIController.rateLimitHeader] = "user-hour-lim:3500;user-hour-rem:0;"
        }
        return response
    }

    private struct Body: Encodable {
        let errors: [Entry]
    }

    private struct Entry: Encodable {
        let id: String
        let status: String
        let code: String
        let title: String
        let detail: String?
        let source: Source?

        init(error: ConnectAPIError) {
            id = "sandbox-\(error.code.lowercased())"
            status = String(error.status.code)
            code = error.code
            title = error.title
            detail = error.detail
            source = error.source
        }
    }

    static let notAuthorized = ConnectAPIError(
        status: .unauthorized, code: "NOT_AUTHORIZED", title: "Authentication credentials are missing or invalid.",
        detail:
            "Provide a properly configured and signed bearer token, and make sure that it has not expired. Learn more about Generating Tokens for API Requests https://developer.apple.com/go/?id=api-generating-tokens"
    )
    static let forbidden = ConnectAPIError(
        status: .forbidden, code: "FORBIDDEN_ERROR", title: "This request is forbidden for security reasons",
        detail: "The API key in use does not allow this request")
    static let rateLimited = ConnectAPIError(
        status: .tooManyRequests, code: "RATE_LIMIT_EXCEEDED", title: "The request rate limit has been reached.",
        detail:
            "We've received too many requests for this API. Please wait and try again or slow down your request rate."
    )
    static func unexpected(status: HTTPResponse.Status = .internalServerError) -> ConnectAPIError {
        ConnectAPIError(status: status, code: "UNEXPECTED_ERROR", title: "An unexpected error occurred.", detail: nil)
    }
    static func notFound(_ detail: String) -> ConnectAPIError {
        ConnectAPIError(
            status: .notFound, code: "NOT_FOUND", title: "The specified resource does not exist", detail: detail)
    }
    static func invalidParameter(_ parameter: String, _ detail: String) -> ConnectAPIError {
        ConnectAPIError(
            status: .badRequest, code: "PARAMETER_ERROR.INVALID", title: "A parameter has an invalid value",
            detail: detail, source: Source(parameter: parameter))
    }
    static let invalidCombination = ConnectAPIError(
        status: .badRequest, code: "PARAMETER_ERROR.INVALID.INVALID_COMBINATION",
        title: "Some provided parameters cannot be used in this combination.",
        detail:
            "Invalid combination of date type and date. For daily and weekly reports, use format YYYY-MM-DD. For monthly, use YYYY-MM. For yearly, use YYYY."
    )
    static func missingParameter(_ parameter: String) -> ConnectAPIError {
        ConnectAPIError(
            status: .badRequest, code: "PARAMETER_ERROR.REQUIRED", title: "A required parameter is missing.",
            detail: "The parameter '\(parameter)' is required.", source: Source(parameter: parameter))
    }
}
