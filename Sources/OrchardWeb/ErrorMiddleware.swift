import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// Turns every error into the answer its caller can use: the JSON error of docs/API.md (Errors) under
/// `/api/`, a page everywhere else. Unknown routes are 404, bodies over the limit 413, and an
/// unexpected error is a 500 that names no internals (the log keeps its type and request id).
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = OrchardRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        do {
            return try await next(request, context)
        } catch {
            let answer = Self.answer(for: error, context: context)
            let api = request.uri.path.hasPrefix(SiteRoute.apiPrefix)
            if case .authenticationRequired = answer, !api, request.method == .get {
                return Redirect.to(SiteRoute.signIn(next: Self.localPath(request)).path)
            }
            var response =
                api
                ? JSONError(code: answer.code, message: answer.message).response(status: answer.status)
                : ErrorPage.response(for: answer, context: context)
            if case .tooManyAttempts(let seconds) = answer { response.headers[.retryAfter] = String(seconds) }
            if case .checkedRecently(let seconds) = answer { response.headers[.retryAfter] = String(seconds) }
            return response
        }
    }

    /// The ``WebError`` an error means to its caller.
    static func answer(for error: any Error, context: Context) -> WebError {
        if let answer = WebError(useCase: error) { return answer }
        switch error {
        case let error as WebError: return error
        case let error as any HTTPResponseError where error.status == .notFound: return .notFound
        case let error as any HTTPResponseError where error.status == .contentTooLarge: return .bodyTooLarge
        case let error as any HTTPResponseError where error.status == .methodNotAllowed: return .notFound
        case let error as HTTPError where (400..<500).contains(error.status.code):
            return .invalidBody(error.body ?? "The request is not valid.")
        default:
            context.logger.error(
                "request failed", metadata: ["error.type": "\(String(reflecting: type(of: error)))"])
            return .internalError
        }
    }

    /// The path and query of a request, for `?next=`.
    static func localPath(_ request: Request) -> String {
        request.uri.query.map { "\(request.uri.path)?\($0)" } ?? request.uri.path
    }
}

/// `{"error": {"code": ..., "message": ...}}`.
struct JSONError: Encodable {
    struct Body: Encodable {
        let code: String
        let message: String
    }
    let error: Body

    init(code: String, message: String) {
        error = Body(code: code, message: message)
    }

    func response(status: HTTPResponse.Status) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let data = (try? encoder.encode(self)) ?? Data()
        return Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// A 303 to a local path.
enum Redirect {
    static func to(_ path: String, headers extra: HTTPFields = [:]) -> Response {
        var headers: HTTPFields = [.location: path]
        headers.append(contentsOf: extra)
        return Response(status: .seeOther, headers: headers)
    }
}
