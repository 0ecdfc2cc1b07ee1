import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import OrchardCore
import OrchardStorage
import OrchardTestSupport
import Prometheus
import Testing

@testable import OrchardWeb

@Suite("Prometheus metrics over real HTTP")
struct MetricsTests {
    @Test("/metrics serves the operations snapshot in Prometheus' text format")
    func metrics() async throws {
        let snapshot = OperationsSnapshot(
            jobs: [.init(kind: "backfill_account", state: "dead", count: 2)],
            accounts: [.init(number: "1234567", lagDays: 1, backfillDone: 30, backfillTotal: 365)],
            serviceTokenDaysLeft: 12, serviceTokenProblem: nil, serviceMessage: "expires in 12 days")
        let registry = PrometheusCollectorRegistry()
        try await TestDatabase.withFresh(.sqlite) { fresh in
            try await fresh.withOpen { database in
                let app = buildApplication(
                    settings: Settings(), database: database, logger: TestLogging.logger,
                    metrics: PrometheusController(registry: registry, snapshot: { snapshot }))
                try await app.test(.live) { client in
                    try await client.execute(uri: "/metrics", method: .get) { response in
                        #expect(response.status == .ok)
                        #expect(response.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
                        let text = String(buffer: response.body)
                        #expect(text.contains(#"orchard_jobs{kind="backfill_account",state="dead"} 2"#))
                        #expect(text.contains(#"orchard_sync_lag_days{account="1234567"} 1"#))
                        #expect(text.contains(#"orchard_backfill_reports_done{account="1234567"} 30"#))
                        #expect(text.contains(#"orchard_backfill_reports_total{account="1234567"} 365"#))
                        #expect(text.contains("orchard_service_token_days_left 12"))
                        #expect(text.contains("orchard_service_token_refused 0"))
                        #expect(text.contains("orchard_service_listing_degraded 0"))
                    }
                }
            }
        }
    }

    @Test("a degraded listing shows in /metrics and, with what it means, on the operator's page")
    func degradedListing() async throws {
        // given: Apple's listing lost two of three accounts at once
        let since = Date(timeIntervalSince1970: 1_781_524_800)
        let snapshot = OperationsSnapshot(
            jobs: [], accounts: [], serviceTokenDaysLeft: 90, serviceTokenProblem: nil, serviceMessage: nil,
            degradedListing: .init(since: since, vanished: 2, accessible: 3))
        let registry = PrometheusCollectorRegistry()
        let metrics = try await TestDatabase.withFresh(.sqlite) { fresh in
            try await fresh.withOpen { database in
                let app = buildApplication(
                    settings: Settings(), database: database, logger: TestLogging.logger,
                    metrics: PrometheusController(registry: registry, snapshot: { snapshot }))
                return try await app.test(.live) { client in
                    try await client.execute(uri: "/metrics", method: .get) { String(buffer: $0.body) }
                }
            }
        }
        try await WebHarness.run(.sqlite, operations: { snapshot }) { _, client in
            // when
            let owner = Browser(client)
            _ = try await AccountPageTests.submit(
                owner, "/signup", [("email", "ops@example.com"), ("password", AccountPageTests.password)])
            let page = try await owner.request("/operator")

            // then
            #expect(metrics.contains("orchard_service_listing_degraded 1"))
            #expect(page.status == .ok)
            #expect(page.text.contains("account listing is degraded"))
            #expect(page.text.contains("has left out 2 of the 3 accounts"))
            #expect(page.text.contains("Nothing is revoked while it lasts"))
        }
    }

    @Test("metric and label names are made acceptable to Prometheus")
    func sanitizer() {
        let factory = prometheusFactory(PrometheusCollectorRegistry())
        let (name, labels) = factory.nameAndLabelSanitizer("http.server.request.duration", [("http.route", "/x")])
        #expect(name == "http_server_request_duration")
        #expect(labels.map(\.0) == ["http_route"])
    }
}
