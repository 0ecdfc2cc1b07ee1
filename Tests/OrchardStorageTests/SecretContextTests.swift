import Foundation
import OrchardTestSupport
import SQLKit
import Testing

@testable import OrchardStorage

@Suite("Secrets bound to their rows")
struct SecretContextTests {
    static let now = Date(timeIntervalSince1970: 1_700_000_000)

    @Test("a ciphertext copied into another row does not open there", arguments: TestBackend.available)
    func copiedCiphertext(backend: TestBackend) async throws {
        try await withMigrated(backend) { database in
            // given
            let keys = try KeyRing(base64Keys: [SecretBox.generateKey()])
            let tokens = FunnelTokenStore(database: database, keys: keys)
            let secrets = ServiceSecretStore(database: database, keys: keys)
            let owner = try await SecretStorageTests.user(database)
            let first = try await tokens.save(
                userID: owner, token: "first-token", masked: "m1", provenAccounts: [], now: Self.now, lifetime: 60)
            let second = try await tokens.save(
                userID: owner, token: "second-token", masked: "m2", provenAccounts: [], now: Self.now, lifetime: 60)
            try await secrets.set("a", secret: "secret-a", now: Self.now)
            try await secrets.set("b", secret: "secret-b", now: Self.now)

            // when
            try await database.withConnection { connection in
                try await connection.raw(
                    """
                    UPDATE funnel_tokens SET ciphertext = (SELECT ciphertext FROM funnel_tokens WHERE id = \(bind: first.id))
                    WHERE id = \(bind: second.id)
                    """
                ).run()
                try await connection.raw(
                    """
                    UPDATE service_secrets SET ciphertext = (SELECT ciphertext FROM service_secrets WHERE name = 'a')
                    WHERE name = 'b'
                    """
                ).run()
            }

            // then
            let stillFirst = try await tokens.reveal(id: first.id, userID: owner, now: Self.now)
            #expect(stillFirst == "first-token")
            await #expect(throws: SecretBoxError.tampered) {
                try await tokens.reveal(id: second.id, userID: owner, now: Self.now)
            }
            await #expect(throws: SecretBoxError.tampered) { try await secrets.get("b") }
        }
    }

    @Test(
        "migration 4 re-seals secrets sealed before it, bound to their rows, and records the key",
        arguments: TestBackend.available)
    func migrationReseals(backend: TestBackend) async throws {
        try await TestDatabase.withFresh(backend) { fresh in
            try await fresh.withOpen { database in
                // given: a database at version 2 holding secrets sealed without associated data
                let old = try SecretBox(base64Key: SecretBox.generateKey())
                let current = try SecretBox(base64Key: SecretBox.generateKey())
                _ = try await MigrationRunner(
                    migrations: Array(Migrations.all.prefix(while: { $0.version <= 2 })), logger: TestLogging.logger
                ).run(on: database)
                let owner = try await SecretStorageTests.user(database)
                let tokenID = try await Self.insertUnboundToken("legacy-token", box: old, owner: owner, database)
                try await Self.insertUnboundSecret("legacy-secret", name: "s", box: old, database)

                // when
                let report = try await MigrationRunner(
                    keys: KeyRing(current: current, previous: [old]), logger: TestLogging.logger
                ).run(on: database)

                // then
                #expect(report.applied.contains(4))
                let onlyCurrent = KeyRing(current: current)
                let token = try await FunnelTokenStore(database: database, keys: onlyCurrent).reveal(
                    id: tokenID, userID: owner, now: Self.now)
                #expect(token == "legacy-token")
                let secret = try await ServiceSecretStore(database: database, keys: onlyCurrent).get("s")
                #expect(secret == "legacy-secret")
                let recorded = try await SealedKeyRecord.read(database)
                #expect(recorded == current.keyID)
            }
        }
    }

    @Test("migration 4 without the keys fails, rolled back, when there are secrets to re-seal")
    func migrationNeedsKeys() async throws {
        try await TestDatabase.withFresh(.sqlite) { fresh in
            try await fresh.withOpen { database in
                // given
                let old = try SecretBox(base64Key: SecretBox.generateKey())
                _ = try await MigrationRunner(
                    migrations: Array(Migrations.all.prefix(while: { $0.version <= 2 })), logger: TestLogging.logger
                ).run(on: database)
                try await Self.insertUnboundSecret("legacy-secret", name: "s", box: old, database)

                // when
                let error = await #expect(throws: StorageError.self) {
                    try await MigrationRunner(logger: TestLogging.logger).run(on: database)
                }

                // then
                #expect("\(error.map { "\($0)" } ?? "")".contains("needs the master key"))
                // every migration before 4 applied, 4 itself rolled back
                let version = try await MigrationRunner(logger: TestLogging.logger).currentVersion(of: database)
                #expect(version == 3)
            }
        }
    }

    static func insertUnboundToken(_ token: String, box: SecretBox, owner: Int64, _ database: OrchardDatabase)
        async throws -> Int64
    {
        let sealed = try box.seal(token, context: .unbound)
        return try await database.withConnection { connection in
            try await connection.raw(
                """
                INSERT INTO funnel_tokens (user_id, fingerprint, masked, key_id, ciphertext, created_at, usable_until)
                VALUES (\(bind: owner), 'f', 'm', \(bind: sealed.keyID), \(bind: sealed.combined), \(bind: Self.now),
                        \(bind: Self.now + 3_600))
                RETURNING id
                """
            ).first()!.decode(column: "id", as: Int64.self)
        }
    }

    static func insertUnboundSecret(_ secret: String, name: String, box: SecretBox, _ database: OrchardDatabase)
        async throws
    {
        let sealed = try box.seal(secret, context: .unbound)
        try await database.withConnection { connection in
            try await connection.raw(
                """
                INSERT INTO service_secrets (name, key_id, ciphertext, updated_at)
                VALUES (\(bind: name), \(bind: sealed.keyID), \(bind: sealed.combined), \(bind: Self.now))
                """
            ).run()
        }
    }
}
