import Foundation
package import Hummingbird
package import OrchardCore
package import OrchardStorage

/// The request context of every Orchard route: who is signed in and how, and the CSRF token the
/// page's forms carry. Filled by ``AuthenticationMiddleware``.
package struct OrchardRequestContext: RequestContext {
    package var coreContext: CoreRequestContextStorage
    /// The signed-in user, by session cookie or bearer token.
    package var user: User?
    /// The user's readable accounts, read with the user (one round trip): the figures' scope.
    package var readable: [MetricsStore.VisibleAccount]?
    /// The session's secret when the user came with the session cookie (never logged or shown).
    var session: String?
    /// True when the request carried `Authorization: Bearer`: no cookie rides along, so no CSRF check.
    var bearer = false
    /// The token forms must send back (`_csrf`) and scripts send as `X-CSRF-Token`.
    var csrfToken = ""
    /// The peer's address, for sign-in throttling.
    let remoteAddress: String?

    package init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress?.ipAddress
    }

    /// Bodies above 1 MiB answer 413.
    package var maxUploadSize: Int { 1 << 20 }

    package var requestDecoder: FormOrJSONDecoder { FormOrJSONDecoder() }

    /// The signed-in user, or 401 (`authentication_required`), or a redirect to sign-in for pages.
    func requireUser() throws(WebError) -> User {
        guard let user else { throw .authenticationRequired }
        return user
    }
}

/// Decodes a body by its content type: HTML forms (`application/x-www-form-urlencoded`) and
/// JSON (`application/json`); anything else is refused, so a cross-site `text/plain` post can never
/// pass for JSON.
package struct FormOrJSONDecoder: RequestDecoder {
    package func decode<T: Decodable>(_ type: T.Type, from request: Request, context: some RequestContext)
        async throws -> T
    {
        let contentType = request.headers[.contentType]?.lowercased() ?? ""
        do {
            if contentType.hasPrefix("application/x-www-form-urlencoded") {
                return try await URLEncodedFormDecoder().decode(type, from: request, context: context)
            }
            if contentType.hasPrefix("application/json") {
                return try await JSONDecoder().decode(type, from: request, context: context)
            }
        } catch let error as any HTTPResponseError {
            throw error
        } catch {
            throw WebError.invalidBody(Self.describe(error))
        }
        throw WebError.unsupportedMediaType
    }

    /// What was wrong with a body, naming the field and never repeating its value.
    static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): "The field \(key.stringValue) is missing."
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            "The field \(context.codingPath.map(\.stringValue).joined(separator: ".")) has the wrong type."
        default: "The body is not valid JSON or form data."
        }
    }
}
