package import Foundation
import SQLKit

/// Named secrets of the operator (the service Apple ID's token, API private keys), encrypted at rest.
package struct ServiceSecretStore: Sendable {
    let database: OrchardDatabase
    let box: SecretBox

    package init(database: OrchardDatabase, box: SecretBox) {
        self.database = database
        self.box = box
    }

    package func set(_ name: String, secret: String, now: Date) async throws {
        let sealed = try box.seal(secret)
        try await database.withConnection { connection in
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
        return try box.open(
            .init(
                keyID: try row.decode(column: "key_id", as: String.self),
                combined: try row.decode(column: "ciphertext", as: Data.self)))
    }
}

/// Re-encrypts every secret at rest from one master key to another, in one transaction.
package enum SecretRotation {
    /// Returns how many ciphertexts were re-encrypted; fails, changing nothing, if any does not open
    /// with `old`.
    package static func rotate(database: OrchardDatabase, from old: SecretBox, to new: SecretBox) async throws -> Int {
        try await database.withTransaction { connection in
            var count = 0
            for (table, key) in [("funnel_tokens", "id"), ("service_secrets", "name")] {
                let rows = try await connection.raw(
                    "SELECT \(ident: key) AS k, key_id, ciphertext FROM \(ident: table) WHERE ciphertext IS NOT NULL"
                ).all()
                for row in rows {
                    let sealed = SecretBox.Sealed(
                        keyID: try row.decode(column: "key_id", as: String.self),
                        combined: try row.decode(column: "ciphertext", as: Data.self))
                    let resealed = try new.seal(try old.open(sealed))
                    let update: SQLQueryString =
                        "UPDATE \(ident: table) SET key_id = \(bind: resealed.keyID), ciphertext = \(bind: resealed.combined) WHERE \(ident: key) = "
                    if key == "id" {
                        try await connection.raw(update + "\(bind: try row.decode(column: "k", as: Int64.self))").run()
                    } else {
                        try await connection.raw(update + "\(bind: try row.decode(column: "k", as: String.self))").run()
                    }
                    count += 1
                }
            }
            return count
        }
    }
}
