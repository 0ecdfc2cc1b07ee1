import SQLKit

/// Binds every secret at rest to where it belongs, and records which master key sealed them.
///
/// Before this migration a ciphertext authenticated nothing but itself, so one copied into another row
/// opened there. Each is re-sealed with the current master key and its place (`SecretContext`) as AES-GCM
/// associated data. `instance_settings.sealed_key_id` records the key, so a process with another key is
/// refused at start-up (`SealedKeyRecord`). Re-sealing needs the keys: on a database holding secrets the
/// migration fails, rolled back, unless the runner was given them; on one without, it needs none.
struct ReSealSecretsWithContext: KeyedMigration {
    let version = 4
    let name = "re-seal secrets bound to their rows; record the master key's id"

    func prepare(on database: any SQLDatabase, ddl: DDL, keys: KeyRing?) async throws {
        try await database.execute([
            """
            CREATE TABLE instance_settings (
                name \(ddl.text) PRIMARY KEY,
                value \(ddl.text) NOT NULL
            )
            """
        ])
        let stored =
            try await database.raw(
                """
                SELECT (SELECT COUNT(*) FROM funnel_tokens WHERE ciphertext IS NOT NULL)
                    + (SELECT COUNT(*) FROM service_secrets) AS n
                """
            ).first()?.decode(column: "n", as: Int.self) ?? 0
        guard stored > 0 else { return }
        guard let keys else { throw StorageError.secretsNeedMasterKey }
        _ = try await SecretRotation.reseal(on: database, keys: keys, to: keys.current, sealedUnbound: true)
        try await SealedKeyRecord.set(keys.current.keyID, on: database)
    }
}
