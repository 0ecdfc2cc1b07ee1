package import HTTPTypes
package import OrchardCore

/// Every failure a web route answers with: its HTTP status, the stable `code` of the JSON error
/// (DESIGN.md 8.2) and the sentence a person reads, on a page or in `message`.
package enum WebError: Error, Equatable, Sendable {
    case authenticationRequired
    case notFound
    case csrfFailed
    case invalidBody(String)
    case bodyTooLarge
    case unsupportedMediaType
    case invalidCredentials
    case tooManyAttempts(retryAfter: Int)
    case emailTaken
    case credential(CredentialProblem)
    case operatorOnly
    /// Something Orchard did not expect; the log has the details, the answer none.
    case internalError

    package var status: HTTPResponse.Status {
        switch self {
        case .authenticationRequired, .invalidCredentials: .unauthorized
        case .notFound: .notFound
        case .csrfFailed, .operatorOnly: .forbidden
        case .invalidBody: .badRequest
        case .bodyTooLarge: .contentTooLarge
        case .unsupportedMediaType: .unsupportedMediaType
        case .tooManyAttempts: .tooManyRequests
        case .emailTaken: .conflict
        case .credential: .unprocessableContent
        case .internalError: .internalServerError
        }
    }

    package var code: String {
        switch self {
        case .authenticationRequired: "authentication_required"
        case .notFound: "not_found"
        case .csrfFailed: "csrf_failed"
        case .invalidBody: "invalid_body"
        case .bodyTooLarge: "body_too_large"
        case .unsupportedMediaType: "unsupported_media_type"
        case .invalidCredentials: "invalid_credentials"
        case .tooManyAttempts: "too_many_attempts"
        case .emailTaken: "email_taken"
        case .credential(.invalidEmail): "invalid_email"
        case .credential(.weakPassword): "weak_password"
        case .operatorOnly: "operator_only"
        case .internalError: "internal_error"
        }
    }

    package var message: String {
        switch self {
        case .authenticationRequired: "Sign in to continue."
        case .notFound: "There is nothing here."
        case .csrfFailed: "This form has expired. Reload the page and try again."
        case .invalidBody(let detail): detail
        case .bodyTooLarge: "The body is larger than 1 MiB."
        case .unsupportedMediaType: "Send JSON (application/json) or a form (application/x-www-form-urlencoded)."
        case .invalidCredentials: "That e-mail address and password do not match an account."
        case .tooManyAttempts(let seconds):
            "Too many failed sign-ins. Try again in \(seconds < 60 ? "\(seconds) seconds" : "\((seconds + 59) / 60) minutes")."
        case .emailTaken: "An account with this e-mail address exists already. Sign in instead."
        case .credential(let problem): problem.message
        case .operatorOnly: "Only an operator of this Orchard can open this page."
        case .internalError: "Something went wrong on our side. Try again; if it keeps happening, tell the operator."
        }
    }
}
