package import SQLKit

/// The id of the master key the database's secrets are sealed with, kept in `instance_settings`.
///
/// Every process on one database must hold that key: a host that generated a key of its own (no
/// `ORCHARD_MASTER_KEY`, an empty data directory) is refused at start-up instead of sealing new secrets
/// no other host can open.
package enum SealedKeyRecord {
    static let name = "sealed_key_id"

    /// The recorded key id, or nil when none is recorded yet (or the database predates migration 4).
    package static func read(_ database: OrchardDatabase) async throws -> String? {
        try await database.withConnection { connection in
            guard try await hasTable(connection, backend: database.backend) else { return nil }
            return try await read(on: connection)
        }
    }

    /// Records the ring's current key when no key is recorded yet; then checks that the ring holds the
    /// recorded key (the first of several processes starting at once wins). Returns the recorded id.
    @discardableResult
    package static func claim(_ keys: KeyRing, database: OrchardDatabase) async throws -> String {
        let recorded = try await database.withConnection { connection in
            try await connection.raw(
                """
                INSERT INTO instance_settings (name, value) VALUES (\(bind: name), \(bind: keys.current.keyID))
                ON CONFLICT (name) DO NOTHING
                """
            ).run()
            return try await read(on: connection)
        }
        guard let recorded else { throw StorageError.secretsNeedMasterKey }
        guard keys.key(id: recorded) != nil else {
            throw StorageError.masterKeyMismatch(sealedWith: recorded, held: keys.keyIDs)
        }
        return recorded
    }

    /// Records `keyID` as the key every secret is now sealed with; run in the transaction that re-sealed them.
    package static func set(_ keyID: String, on connection: any SQLDatabase) async throws {
        try await connection.raw(
            """
            INSERT INTO instance_settings (name, value) VALUES (\(bind: name), \(bind: keyID))
            ON CONFLICT (name) DO UPDATE SET value = excluded.value
            """
        ).run()
    }

    static func read(on connection: any SQLDatabase) async throws -> String? {
        try await connection.raw("SELECT value FROM instance_settings WHERE name = \(bind: name)").first()?
            .decode(column: "value", as: String.self)
    }

    private static func hasTable(_ connection: any SQLDatabase, backend: OrchardDatabase.Backend) async throws -> Bool {
        let query: SQLQueryString =
            backend == .sqlite
            ? "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'instance_settings'"
            : "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename = 'instance_settings'"
        return try await !connection.raw(query).all().isEmpty
    }
}
