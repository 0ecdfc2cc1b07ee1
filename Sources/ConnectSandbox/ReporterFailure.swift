import HTTPTypes

/// A Reporter error: Apple's code and message (docs/SANDBOX.md, Reporter) and the HTTP status the
/// sandbox sends it with (401 token, 404 not available / no sales, 400 parameters, 429).
struct ReporterFailure: Error, Sendable, Equatable {
    let code: Int
    let message: String
    let status: HTTPResponse.Status
    var retryAfterSeconds: Int? = nil

    static let malformed = ReporterFailure(
        code: 100, message: "Invalid request. Send a form field jsonRequest holding a JSON object.", status: .badRequest
    )
    static let invalidCommand = ReporterFailure(code: 101, message: "Invalid command.", status: .badRequest)
    static func wrongParameterCount(_ command: String) -> ReporterFailure {
        ReporterFailure(code: 102, message: "Wrong number of parameters for \(command).", status: .badRequest)
    }
    static let tokenExpired = ReporterFailure(
        code: 123, message: "Your Access Token is expired.", status: .unauthorized)
    static let tokenInvalid = ReporterFailure(
        code: 124, message: "Your Access Token is invalid.", status: .unauthorized)
    static let severalAccounts = ReporterFailure(
        code: 214,
        message: "You have access to more than one account. Specify the account number with the account parameter.",
        status: .badRequest)
    static func invalidAccount(status: HTTPResponse.Status = .badRequest) -> ReporterFailure {
        ReporterFailure(code: 215, message: "Invalid account number. Change values and try again.", status: status)
    }
    static let invalidVendor = ReporterFailure(
        code: 200, message: "Invalid vendor number. Change values and try again.", status: .badRequest)
    static let invalidReportType = ReporterFailure(code: 201, message: "Invalid report type.", status: .badRequest)
    static let invalidReportSubType = ReporterFailure(
        code: 202, message: "Invalid report subtype.", status: .badRequest)
    static let invalidTypeCombination = ReporterFailure(
        code: 203, message: "Invalid combination of report type and report subtype.", status: .badRequest)
    static let invalidDateType = ReporterFailure(
        code: 204, message: "Invalid date type for this report.", status: .badRequest)
    static let invalidDate = ReporterFailure(code: 205, message: "Invalid date.", status: .badRequest)
    static let retentionPassed = ReporterFailure(
        code: 205, message: "Reports are available only for past 365 days. Please enter a different date.",
        status: .badRequest)
    static let invalidDateCombination = ReporterFailure(
        code: 206,
        message:
            "Invalid combination of date type and date. Daily and Weekly use YYYYMMDD, Monthly YYYYMM, Yearly YYYY.",
        status: .badRequest)
    static func invalidVersion(latest: String) -> ReporterFailure {
        ReporterFailure(
            code: 207, message: "Invalid report version. The latest version for this report is \(latest).",
            status: .badRequest)
    }
    /// Apple's own sentence (iscreen fixture).
    static let notAvailableYet = ReporterFailure(
        code: 210,
        message:
            "Report is not available yet. Daily reports for the Americas are available by 5 am Pacific Time; Japan, Australia, and New Zealand by 5 am Japan Standard Time; and 5 am Central European Time for all other territories.",
        status: .notFound)
    static let noSales = ReporterFailure(
        code: 213, message: "There were no sales for the date specified.", status: .notFound)
    static func tooManyRequests(retryAfter: Int) -> ReporterFailure {
        ReporterFailure(
            code: 117, message: "Too many requests. Please wait and try again later.", status: .tooManyRequests,
            retryAfterSeconds: retryAfter)
    }
    static let unexpected = "An unexpected error occurred. Try again later."
}
