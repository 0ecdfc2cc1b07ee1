import OrchardCore
import OrchardStorage

/// What the home page shows: what Orchard is and whether this instance is healthy.
struct HomePage: Sendable {
    struct Model: Sendable, Equatable {
        let version: String
        let databaseBackend: String
        let schemaVersion: Int?
        let expectedSchemaVersion: Int
        let serviceAppleID: String?

        var isDatabaseReady: Bool { schemaVersion == expectedSchemaVersion }
    }

    static func model(database: OrchardDatabase, migrations: MigrationRunner, settings: Settings) async -> Model {
        let schemaVersion = try? await migrations.currentVersion(of: database)
        return Model(
            version: OrchardVersion.current,
            databaseBackend: database.backend.rawValue,
            schemaVersion: schemaVersion,
            expectedSchemaVersion: migrations.latestVersion,
            serviceAppleID: settings.serviceAppleID
        )
    }
}
