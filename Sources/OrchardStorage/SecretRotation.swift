import Foundation
import SQLKit

/// Re-seals every secret at rest with one key, in one transaction, and records that key's id.
///
/// Crash-safety comes from the order `orchard rotate-key` follows: the new key is durably in the ring
/// (or printed) before this runs, and the old key leaves the ring only after it committed; in between,
/// every row opens with some key of the ring.
package enum SecretRotation {
    /// Re-seals every secret with `target`, opening each with the key of `keys` that sealed it; `beforeCommit`
    /// runs last inside the transaction. Returns how many were re-sealed; changes nothing if any does not open.
    package static func rotate(
        database: OrchardDatabase, keys: KeyRing, to target: SecretBox,
        beforeCommit: @Sendable () async throws -> Void = {}
    ) async throws -> Int {
        try await database.withTransaction { connection in
            let count = try await reseal(on: connection, keys: keys, to: target, sealedUnbound: false)
            try await SealedKeyRecord.set(target.keyID, on: connection)
            try await beforeCommit()
            return count
        }
    }

    /// Re-seals every stored secret on `connection` with `target`; `sealedUnbound` says the rows were sealed
    /// without associated data (before migration 4).
    static func reseal(on connection: any SQLDatabase, keys: KeyRing, to target: SecretBox, sealedUnbound: Bool)
        async throws -> Int
    {
        var count = 0
        let tokens = try await connection.raw(
            "SELECT id, key_id, ciphertext FROM funnel_tokens WHERE ciphertext IS NOT NULL"
        ).all()
        for row in tokens {
            let id = try row.decode(column: "id", as: Int64.self)
            let sealed = try reseal(row, keys: keys, to: target, context: .funnelToken(id: id), sealedUnbound)
            try await connection.raw(
                """
                UPDATE funnel_tokens SET key_id = \(bind: sealed.keyID), ciphertext = \(bind: sealed.combined)
                WHERE id = \(bind: id)
                """
            ).run()
            count += 1
        }
        let secrets = try await connection.raw("SELECT name, key_id, ciphertext FROM service_secrets").all()
        for row in secrets {
            let name = try row.decode(column: "name", as: String.self)
            let sealed = try reseal(row, keys: keys, to: target, context: .serviceSecret(name: name), sealedUnbound)
            try await connection.raw(
                """
                UPDATE service_secrets SET key_id = \(bind: sealed.keyID), ciphertext = \(bind: sealed.combined)
                WHERE name = \(bind: name)
                """
            ).run()
            count += 1
        }
        // Webhook secrets came after secrets were bound to their rows (migration 13 > 4).
        guard !sealedUnbound else { return count }
        let endpoints = try await connection.raw(
            "SELECT id, key_id, secret_ciphertext AS ciphertext FROM webhook_endpoints"
        ).all()
        for row in endpoints {
            let id = try row.decode(column: "id", as: Int64.self)
            let sealed = try reseal(row, keys: keys, to: target, context: WebhookStore.context(id), false)
            try await connection.raw(
                """
                UPDATE webhook_endpoints SET key_id = \(bind: sealed.keyID), secret_ciphertext = \(bind: sealed.combined)
                WHERE id = \(bind: id)
                """
            ).run()
            count += 1
        }
        return count
    }

    private static func reseal(
        _ row: any SQLRow, keys: KeyRing, to target: SecretBox, context: SecretContext, _ sealedUnbound: Bool
    ) throws -> SecretBox.Sealed {
        let sealed = SecretBox.Sealed(
            keyID: try row.decode(column: "key_id", as: String.self),
            combined: try row.decode(column: "ciphertext", as: Data.self))
        let secret = try keys.open(sealed, context: sealedUnbound ? .unbound : context)
        return try target.seal(secret, context: context)
    }
}
