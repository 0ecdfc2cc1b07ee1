import HTTPTypes
import Hummingbird
import NIOCore

/// Applies injected faults to Apple's paths: Reporter (`/reportservice/`) answers in its own
/// words, the App Store Connect API (`/v1/`) with `ErrorResponse` JSON.
struct FaultMiddleware<Context: RequestContext>: RouterMiddleware {
    let faults: FaultInjector

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let path = request.uri.path
        let isReporter = path.hasPrefix("/reportservice/")
        guard isReporter || path.hasPrefix("/v1/") else { return try await next(request, context) }
        let decision = faults.decide()
        if decision.latencyMs > 0 { try await Task.sleep(for: .milliseconds(decision.latencyMs)) }
        switch decision.refusal {
        case .timeout:
            // hang past the client's timeout; a client still waiting gets a gateway timeout
            try? await Task.sleep(for: .milliseconds(Int(faults.settings.timeoutSeconds * 1000)))
            return isReporter
                ? ReporterReply.serverError(status: .gatewayTimeout)
                : ConnectAPIError.unexpected(status: .gatewayTimeout).response
        case .serverError:
            return isReporter ? ReporterReply.serverError() : ConnectAPIError.unexpected().response
        case .rateLimit:
            let seconds = faults.settings.retryAfterSeconds
            var response =
                isReporter
                ? ReporterReply.failure(.tooManyRequests(retryAfter: seconds), mode: .robotXML)
                : ConnectAPIError.rateLimited.response
            response.headers[.retryAfter] = String(seconds)
            return response
        case nil:
            return try await FaultInjector.$pendingDamage.withValue(decision.damage) {
                try await next(request, context)
            }
        }
    }
}
