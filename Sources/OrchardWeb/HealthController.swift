import Hummingbird
import OrchardCore
import OrchardStorage

/// `/healthz` (the process answers) and `/readyz` (the database answers and is migrated).
struct HealthController: Sendable {
    let database: OrchardDatabase
    let migrations: MigrationRunner

    struct Health: ResponseEncodable {
        let status: String
        let version: String
    }

    struct Readiness: ResponseEncodable {
        let status: String
        let database: DatabaseCheck
    }

    struct DatabaseCheck: Encodable {
        let backend: String
        let reachable: Bool
        let schemaVersion: Int?
        let expectedSchemaVersion: Int
        let error: String?
    }

    func addRoutes(to router: Router<some RequestContext>) {
        router.get(SiteRoute.healthz.pattern) { _, _ in
            Health(status: "ok", version: OrchardVersion.current)
        }
        router.get(SiteRoute.readyz.pattern) { _, _ in
            await readiness()
        }
    }

    /// Ready when a query succeeds and the schema is at the version this build expects.
    func readiness() async -> EditedResponse<Readiness> {
        let expected = migrations.latestVersion
        do {
            let version = try await migrations.currentVersion(of: database)
            let ready = version == expected
            return EditedResponse(
                status: ready ? .ok : .serviceUnavailable,
                response: Readiness(
                    status: ready ? "ready" : "unavailable",
                    database: DatabaseCheck(
                        backend: database.backend.rawValue, reachable: true, schemaVersion: version,
                        expectedSchemaVersion: expected,
                        error: ready ? nil : "schema is at version \(version); run `orchard migrate`")))
        } catch {
            return EditedResponse(
                status: .serviceUnavailable,
                response: Readiness(
                    status: "unavailable",
                    database: DatabaseCheck(
                        backend: database.backend.rawValue, reachable: false, schemaVersion: nil,
                        expectedSchemaVersion: expected, error: OrchardDatabase.describe(error))))
        }
    }
}
