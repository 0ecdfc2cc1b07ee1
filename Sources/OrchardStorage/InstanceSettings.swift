import SQLKit

/// Small named values the instance keeps about itself in `instance_settings` (the service token's
/// health, warnings already given), shared by every process on the database.
package struct InstanceSettings: Sendable {
    let database: OrchardDatabase

    package init(database: OrchardDatabase) {
        self.database = database
    }

    package func get(_ name: String) async throws -> String? {
        try await database.withConnection { connection in
            try await connection.raw("SELECT value FROM instance_settings WHERE name = \(bind: name)").first()?
                .decode(column: "value", as: String.self)
        }
    }

    package func set(_ name: String, _ value: String) async throws {
        try await database.withWriter { connection in
            try await connection.raw(
                """
                INSERT INTO instance_settings (name, value) VALUES (\(bind: name), \(bind: value))
                ON CONFLICT (name) DO UPDATE SET value = excluded.value
                """
            ).run()
        }
    }

    /// Sets `name` unless it is set already; returns the value it holds afterwards.
    package func setIfAbsent(_ name: String, _ value: String) async throws -> String {
        try await database.withTransaction { connection in
            try await connection.raw(
                "INSERT INTO instance_settings (name, value) VALUES (\(bind: name), \(bind: value)) ON CONFLICT (name) DO NOTHING"
            ).run()
            return try await connection.raw("SELECT value FROM instance_settings WHERE name = \(bind: name)").first()!
                .decode(column: "value", as: String.self)
        }
    }

    package func remove(_ name: String) async throws {
        try await database.withWriter { connection in
            try await connection.raw("DELETE FROM instance_settings WHERE name = \(bind: name)").run()
        }
    }
}
