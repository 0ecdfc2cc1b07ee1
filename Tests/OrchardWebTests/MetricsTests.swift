import Foundation
import HTTPTypes
import Hummingbird
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
                    metrics: PrometheusController(registry: registry, token: nil, snapshot: { snapshot }))
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
                    metrics: PrometheusController(registry: registry, token: nil, snapshot: { snapshot }))
                return try await app.test(.live) { client in
                    try await client.execute(uri: "/metrics", method: .get) { String(buffer: $0.body) }
                }
            }
        }
        try await WebHarness.run(.sqlite, operations: { snapshot }) { harness, client in
            // when
            let owner = Browser(client)
            _ = try await AccountPageTests.submit(
                owner, "/signup", [("email", "ops@example.com"), ("password", AccountPageTests.password)])
            try await harness.promote("ops@example.com")
            let page = try await owner.request("/operator")

            // then
            #expect(metrics.contains("orchard_service_listing_degraded 1"))
            #expect(page.status == .ok)
            #expect(page.text.contains("account listing is degraded"))
            #expect(page.text.contains("has left out 2 of the 3 accounts"))
            #expect(page.text.contains("Nothing is revoked while it lasts"))
        }
    }

    @Test("with ORCHARD_METRICS_TOKEN, /metrics needs it as a bearer token; without, only loopback may scrape")
    func scrapeNeedsToken() async throws {
        let snapshot = OperationsSnapshot(
            jobs: [], accounts: [.init(number: "1234567", lagDays: 1, backfillDone: 1, backfillTotal: 1)],
            serviceTokenDaysLeft: 12, serviceTokenProblem: nil, serviceMessage: nil)
        let token = Secret("a-scrape-token-of-32-characters!")
        try await TestDatabase.withFresh(.sqlite) { fresh in
            try await fresh.withOpen { database in
                let app = buildApplication(
                    settings: Settings(), database: database, logger: TestLogging.logger,
                    metrics: PrometheusController(
                        registry: PrometheusCollectorRegistry(), token: token, snapshot: { snapshot }))
                try await app.test(.live) { client in
                    for header in [
                        nil, "Bearer wrong-token-of-32-characters!!", "Bearer a-scrape-token",
                        "Bearer a-scrape-token-of-32-characters?",
                    ] {
                        let headers: HTTPFields = header.map { [.authorization: $0] } ?? [:]
                        try await client.execute(uri: "/metrics", method: .get, headers: headers) { response in
                            #expect(response.status == .unauthorized, "\(header ?? "no header")")
                            #expect(!String(buffer: response.body).contains("1234567"))
                        }
                    }
                    try await client.execute(
                        uri: "/metrics", method: .get, headers: [.authorization: "Bearer \(token.revealed)"]
                    ) { response in
                        #expect(response.status == .ok)
                        #expect(String(buffer: response.body).contains(#"account="1234567""#))
                    }
                }
            }
        }
        // without a token: loopback only
        let open = PrometheusController(registry: PrometheusCollectorRegistry(), token: nil, snapshot: { snapshot })
        let request = Request(
            head: HTTPRequest(method: .get, scheme: "http", authority: "orchard", path: "/metrics"),
            body: .init(buffer: ByteBuffer()))
        #expect(open.allows(request, peer: "127.0.0.1") && open.allows(request, peer: "::1"))
        #expect(!open.allows(request, peer: "203.0.113.7") && !open.allows(request, peer: nil))
        // a reverse proxy on this host forwards anyone's request: not loopback's
        for header in ["X-Forwarded-For", "Forwarded"] {
            var head = HTTPRequest(method: .get, scheme: "http", authority: "orchard", path: "/metrics")
            head.headerFields[HTTPField.Name(header)!] = header == "Forwarded" ? "for=203.0.113.7" : "203.0.113.7"
            let forwarded = Request(head: head, body: .init(buffer: ByteBuffer()))
            #expect(!open.allows(forwarded, peer: "127.0.0.1"), "\(header)")
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
