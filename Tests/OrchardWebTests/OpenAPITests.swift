import AppStoreConnect
import AsyncHTTPClient
import ConnectSandbox
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import OrchardApp
import OrchardCore
import OrchardMail
import OrchardStorage
import OrchardTestSupport
import Testing

@testable import OrchardWeb

@Suite("The OpenAPI document")
struct OpenAPITests {
    @Test("describes every /api/v1 route the router has, and nothing it does not have")
    func matchesRoutes() async throws {
        try await TestDatabase.withFresh(.sqlite) { fresh in
            try await fresh.withOpen { database in
                let keys = try KeyRing(base64Keys: [SecretBox.generateKey()])
                let router = buildRouter(
                    settings: Settings(), database: database, migrations: MigrationRunner(), metrics: nil,
                    passwords: PasswordHasher(cost: 4),
                    funnel: FunnelDependencies(
                        reporter: ReporterClient(transport: .asyncHTTPClient(.shared)), keys: keys),
                    notifications: Notifications(
                        database: database, keys: keys,
                        mail: MailSetup(
                            publicURL: URL(string: "http://orchard.test")!, from: MailAddress("orchard@orchard.test")!,
                            transport: nil, description: "none"),
                        sender: WebhookSender(http: NotificationDeliveryTests.http, allowPrivate: true),
                        now: { Date() }),
                    operations: nil, health: nil, now: { Date() })
                let registered = Set(
                    router.routes.map { "\($0.method.rawValue.lowercased()) \($0.path.description)" }
                        .filter { $0.contains(" /api/v1/") }
                        .map {
                            $0.replacingOccurrences(of: "/api/v1", with: "").replacingOccurrences(
                                of: ":id", with: "{id}")
                        })
                let documented = Set(OpenAPIDocument.operations.map { "\($0.method) \($0.path)" })
                #expect(registered == documented)
                // every event a webhook can receive is described with its data
                let types = Set(EventType.allCases.filter { $0 != .test }.map(\.rawValue))
                #expect(Set(OpenAPIDocument.eventData.map(\.type)) == types)
                #expect(registered.count >= 15)
            }
        }
    }

    @Test("is served as JSON with the version, paths and the bearer scheme")
    func served() async throws {
        try await WebHarness.run(.sqlite) { _, client in
            let response = try await Browser(client).request("/api/v1/openapi.json")
            #expect(response.status == .ok)
            let json = try #require(response.json)
            #expect(json["openapi"] as? String == "3.1.0")
            let paths = try #require(json["paths"] as? [String: Any])
            #expect(paths["/asc/integrations"] != nil)
            #expect(
                ((paths["/auth/signup"] as? [String: Any])?["post"] as? [String: Any])?["security"] as? [Any] != nil)
        }
    }
}
