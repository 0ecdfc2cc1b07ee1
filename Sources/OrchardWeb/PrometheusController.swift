import Foundation
import HTTPTypes
import Hummingbird
package import OrchardCore
package import Prometheus

/// `GET /metrics` in Prometheus' text format: what this process recorded (HTTP request durations;
/// with workers, jobs' durations and Apple's answers by code), plus gauges read from the database
/// when scraped (jobs by kind and state, sync lag and backfill progress per account, the service
/// token's days left), so any web process reports the whole deployment.
package struct PrometheusController: Sendable {
    package let registry: PrometheusCollectorRegistry
    package let snapshot: @Sendable () async throws -> OperationsSnapshot
    /// The bearer token a scrape must send (`ORCHARD_METRICS_TOKEN`); without one, only loopback
    /// may scrape. The page names every integrated account, its lag and the service token's days.
    package let token: Secret?

    package init(
        registry: PrometheusCollectorRegistry, token: Secret?,
        snapshot: @escaping @Sendable () async throws -> OperationsSnapshot
    ) {
        self.registry = registry
        self.token = token
        self.snapshot = snapshot
    }

    /// Whether this scrape may read the page: the right bearer token, or loopback when none is set.
    /// A request a proxy forwarded (`X-Forwarded-For`, `Forwarded`) is not loopback's, even when the
    /// proxy runs on this host: it may come from anyone.
    func allows(_ request: Request, peer: String?) -> Bool {
        guard let token else {
            guard let peer, request.headers[HTTPField.Name("X-Forwarded-For")!] == nil,
                request.headers[HTTPField.Name("Forwarded")!] == nil
            else { return false }
            return peer == "::1" || peer.hasPrefix("127.") || peer.hasPrefix("::ffff:127.")
        }
        guard let sent = request.headers[.authorization], sent.lowercased().hasPrefix("bearer ") else { return false }
        let given = Array(sent.dropFirst("bearer ".count).trimmingCharacters(in: .whitespaces).utf8)
        let expected = Array(token.revealed.utf8)
        // Compared in constant time for tokens of the same length.
        guard given.count == expected.count else { return false }
        return zip(given, expected).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }

    func addRoutes(to router: Router<OrchardRequestContext>) {
        router.get(SiteRoute.metrics.pattern) { request, context in
            guard allows(request, peer: context.remoteAddress) else {
                guard token != nil else { throw WebError.notFound }
                var headers = HTTPFields()
                headers[.wwwAuthenticate] = #"Bearer realm="orchard-metrics""#
                return Response(status: .unauthorized, headers: headers)
            }
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            if let snapshot = try? await snapshot() { record(snapshot) }
            return Response(
                status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }
    }

    /// Sets the database-derived gauges.
    func record(_ snapshot: OperationsSnapshot) {
        func gauge(_ name: String, _ help: String, _ labels: [(String, String)], _ value: Double) {
            registry.makeGauge(
                descriptor: MetricNameDescriptor(metricName: name, unitName: "", helpText: help), labels: labels
            ).set(value)
        }
        for job in snapshot.jobs {
            gauge(
                "orchard_jobs", "Jobs in the queue by kind and state", [("kind", job.kind), ("state", job.state)],
                Double(job.count))
        }
        for account in snapshot.accounts {
            let labels = [("account", account.number)]
            if let lag = account.lagDays {
                gauge("orchard_sync_lag_days", "Report days not yet synced, per account", labels, Double(lag))
            }
            gauge(
                "orchard_backfill_reports_done", "Backfill reports done, per account", labels,
                Double(account.backfillDone))
            gauge(
                "orchard_backfill_reports_total", "Backfill reports planned, per account", labels,
                Double(account.backfillTotal))
        }
        gauge(
            "orchard_service_token_configured", "1 when the service Apple ID has a Reporter token", [],
            snapshot.serviceTokenDaysLeft == nil ? 0.0 : 1.0)
        if let days = snapshot.serviceTokenDaysLeft {
            gauge(
                "orchard_service_token_days_left", "Days before the service token's 180 days run out", [], Double(days))
        }
        gauge(
            "orchard_service_listing_degraded",
            "1 while Apple's listing of the service's accounts lost too many at once to be believed (nothing is revoked)",
            [], snapshot.degradedListing == nil ? 0.0 : 1.0)
        gauge(
            "orchard_service_token_refused", "1 when Apple refused the service token (syncing stopped)", [],
            snapshot.serviceTokenProblem == nil ? 0.0 : 1.0)
    }
}

/// A metrics factory over `registry` whose names and label names Prometheus accepts (Hummingbird's
/// `http.server.request.duration` becomes `http_server_request_duration`).
package func prometheusFactory(_ registry: PrometheusCollectorRegistry) -> PrometheusMetricsFactory {
    var factory = PrometheusMetricsFactory(registry: registry)
    factory.nameAndLabelSanitizer = { name, labels in
        func clean(_ text: String) -> String {
            String(text.map { $0.isLetter || $0.isNumber || $0 == "_" ? $0 : "_" })
        }
        return (clean(name), labels.map { (clean($0.0), $0.1) })
    }
    return factory
}
