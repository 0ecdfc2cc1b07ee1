import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// The App Store Connect API paths Orchard uses (docs/SANDBOX.md): ES256 JWT bearer auth against
/// registered keys, `X-Rate-Limit` on every answer, `ErrorResponse` errors, `links.next` paging.
struct ConnectAPIController: Sendable {
    let world: SandboxWorld
    let library: ReportLibrary
    let rateLimiter: RateLimiter
    let logger: Logger

    static let rateLimitHeader = HTTPField.Name("X-Rate-Limit")!

    /// A request that passed authentication and the rate limit.
    struct Call: Sendable {
        let key: APIKey
        let request: Request
        let query: FormFields
        let parameters: Parameters

        func filter(_ name: String) -> String? { query["filter[\(name)]"] }
    }

    func addRoutes(to router: Router<some RequestContext>) {
        router.get("/v1/apps") { request, context in
            await authorized(request, context) { call throws(ConnectAPIError) in try apps(call) }
        }
        router.get("/v1/salesReports") { request, context in
            await authorized(request, context) { call throws(ConnectAPIError) in try salesReports(call) }
        }
        router.get("/v1/financeReports") { request, context in
            await authorized(request, context) { call throws(ConnectAPIError) in try financeReports(call) }
        }
        addUserRoutes(to: router)
    }

    /// Authenticates, counts against the key's hourly limit, runs `handler`, and stamps
    /// `X-Rate-Limit` on the answer.
    func authorized(
        _ request: Request, _ context: some RequestContext, body: ByteBuffer? = nil,
        _ handler: (Call) throws(ConnectAPIError) -> Response
    ) async -> Response {
        let now = world.clock.now()
        let bearer = request.headers[.authorization].flatMap { value -> String? in
            value.lowercased().hasPrefix("bearer ")
                ? String(value.dropFirst(7)).trimmingCharacters(in: .whitespaces) : nil
        }
        guard let bearer else {
            return stamp(ConnectAPIError.notAuthorized.response, remaining: rateLimiter.limitPerHour)
        }
        let key: APIKey
        switch JWTVerifier(world: world).verify(bearer, now: now) {
        case .success(let verified):
            key = verified
        case .failure(let rejection):
            logger.info("bearer token refused", metadata: ["reason": "\(rejection)"])
            return stamp(ConnectAPIError.notAuthorized.response, remaining: rateLimiter.limitPerHour)
        }
        let (remaining, allowed) = rateLimiter.record(key: key.keyId, now: now)
        guard allowed else { return stamp(ConnectAPIError.rateLimited.response, remaining: 0) }
        let call = Call(
            key: key, request: request, query: FormFields(request.uri.query ?? ""), parameters: context.parameters)
        do {
            return stamp(try handler(call), remaining: remaining)
        } catch {
            return stamp(error.response, remaining: remaining)
        }
    }

    private func stamp(_ response: Response, remaining: Int) -> Response {
        var response = response
        response.headers[Self.rateLimitHeader] = rateLimiter.header(remaining: remaining)
        return response
    }

    /// `GET /v1/apps`: the apps of the key's accounts; `filter[bundleId|sku|name|id]`, `sort`.
    private func apps(_ call: Call) throws(ConnectAPIError) -> Response {
        var apps = call.key.accounts.compactMap { try? world.account($0) }.flatMap(\.apps)
        for (name, value) in [
            ("bundleId", \SandboxApp.bundleId), ("sku", \SandboxApp.sku), ("name", \SandboxApp.title),
            ("id", \SandboxApp.appleIdentifier),
        ] {
            if let wanted = call.filter(name) {
                let values = Set(wanted.split(separator: ",").map(String.init))
                apps = apps.filter { values.contains($0[keyPath: value]) }
            }
        }
        if let sort = call.query["sort"] {
            let descending = sort.hasPrefix("-")
            let field: KeyPath<SandboxApp, String>
            switch sort.trimmingCharacters(in: CharacterSet(charactersIn: "-")) {
            case "name": field = \.title
            case "bundleId": field = \.bundleId
            case "sku": field = \.sku
            default: throw .invalidParameter("sort", "The sort parameter '\(sort)' is not supported.")
            }
            apps.sort { descending ? $0[keyPath: field] > $1[keyPath: field] : $0[keyPath: field] < $1[keyPath: field] }
        }
        return try APIDocument.page(
            apps, call: call, type: "apps", id: \.appleIdentifier, relationships: AppResourceAttributes.relationships,
            attributes: AppResourceAttributes.init)
    }
}
