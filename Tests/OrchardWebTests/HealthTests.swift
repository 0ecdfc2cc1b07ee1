import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import OrchardCore
import OrchardStorage
import OrchardTestSupport
import Testing

@testable import OrchardWeb

@Suite("Health and readiness over real HTTP")
struct HealthTests {
    @Test("/healthz answers while the process runs", arguments: TestBackend.available)
    func healthz(backend: TestBackend) async throws {
        try await withApplication(backend, migrated: true) { client in
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status == .ok)
                let body = try JSONDecoder().decode([String: String].self, from: Data(response.body.readableBytesView))
                #expect(body["status"] == "ok")
                #expect(body["version"] == OrchardVersion.current)
            }
        }
    }

    @Test("/readyz checks the database and its schema", arguments: TestBackend.available)
    func readyWhenMigrated(backend: TestBackend) async throws {
        try await withApplication(backend, migrated: true) { client in
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .ok)
                let body = try JSONDecoder().decode(Readiness.self, from: Data(response.body.readableBytesView))
                #expect(body.status == "ready")
                #expect(body.database.backend == backend.rawValue)
                #expect(body.database.reachable)
                #expect(body.database.schemaVersion == MigrationRunner().latestVersion)
            }
        }
    }

    @Test("/readyz is 503 when the schema is not migrated", arguments: TestBackend.available)
    func notReadyUnmigrated(backend: TestBackend) async throws {
        try await withApplication(backend, migrated: false) { client in
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                let body = try JSONDecoder().decode(Readiness.self, from: Data(response.body.readableBytesView))
                #expect(body.status == "unavailable")
                #expect(body.database.schemaVersion == 0)
                #expect(body.database.error?.contains("orchard migrate") == true)
            }
        }
    }

    @Test("/readyz is 503 when the database is gone")
    func notReadyWhenDatabaseClosed() async throws {
        try await TestDatabase.withFresh(.sqlite) { fresh in
            // given: a pool that has been shut down stands for a database that cannot be reached
            let database = try await fresh.open()
            _ = try await MigrationRunner(logger: TestLogging.logger).run(on: database)
            try await database.close()
            let app = buildApplication(settings: Settings(), database: database, logger: TestLogging.logger)

            // when / then
            try await app.test(.live) { client in
                try await client.execute(uri: "/readyz", method: .get) { response in
                    #expect(response.status == .serviceUnavailable)
                    let body = try JSONDecoder().decode(Readiness.self, from: Data(response.body.readableBytesView))
                    #expect(!body.database.reachable)
                }
            }
        }
    }

    @Test("the home page is HTML and says whether the instance is ready")
    func homePage() async throws {
        try await withApplication(.sqlite, migrated: true) { client in
            try await client.execute(uri: "/", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/html; charset=utf-8")
                let html = String(buffer: response.body)
                #expect(html.hasPrefix("<!DOCTYPE html>"))
                #expect(html.contains("App Store metrics from Apple"))
                #expect(html.contains("up to date (version \(MigrationRunner().latestVersion))"))
                #expect(html.contains("not set (ORCHARD_SERVICE_APPLE_ID)"))
                #expect(html.contains(#"href="/readyz""#))
            }
        }
    }

    private struct Readiness: Decodable {
        struct Database: Decodable {
            let backend: String
            let reachable: Bool
            let schemaVersion: Int?
            let error: String?
        }
        let status: String
        let database: Database
    }

    private func withApplication(
        _ backend: TestBackend, migrated: Bool, test: String = #function,
        _ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void
    ) async throws {
        try await TestDatabase.withFresh(backend, test: test) { fresh in
            try await fresh.withOpen { database in
                if migrated { _ = try await MigrationRunner(logger: TestLogging.logger).run(on: database) }
                let app = buildApplication(settings: Settings(), database: database, logger: TestLogging.logger)
                try await app.test(.live, body)
            }
        }
    }
}
