package import Foundation
import SQLKit

/// Named secrets of the operator (the service Apple ID's token, API private keys), encrypted at rest,
/// each bound to its name.
package struct ServiceSecretStore: Sendable {
    let database: OrchardDatabase
    let keys: KeyRing

    package init(database: OrchardDatabase, keys: KeyRing) {
        self.database = database
        self.keys = keys
    }

    package func set(_ name: String, secret: String, now: Date) async throws {
        let sealed = try keys.seal(secret, context: .serviceSecret(name: name))
        try await database.withWriter { connection in
            try await connection.raw(
                """
                INSERT INTO service_secrets (name, key_id, ciphertext, updated_at)
                VALUES (\(bind: name), \(bind: sealed.keyID), \(bind: sealed.combined), \(bind: now))
                ON CONFLICT (name) DO UPDATE SET key_id = excluded.key_id, ciphertext = excluded.ciphertext,
                    updated_at = excluded.updated_at
                """
            ).run()
        }
    }

    package func get(_ name: String) async throws -> String? {
        let row = try await database.withConnection { connection in
            try await connection.raw("SELECT key_id, ciphertext FROM service_secrets WHERE name = \(bind: name)")
                .first()
        }
        guard let row else { return nil }
        return try keys.open(
            .init(
                keyID: try row.decode(column: "key_id", as: String.self),
                combined: try row.decode(column: "ciphertext", as: Data.self)),
            context: .serviceSecret(name: name))
    }
}
