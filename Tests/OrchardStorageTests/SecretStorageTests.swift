import Foundation
import OrchardCore
import OrchardTestSupport
import SQLKit
import Testing

@testable import OrchardStorage

@Suite("Secrets at rest")
struct SecretStorageTests {
    @Test("a fingerprint is the lowercase hex SHA-256 stored sessions and tokens were looked up by")
    func fingerprintIsSHA256Hex() {
        // FIPS 180-2's examples: stored hashes must keep matching after any change to the encoding.
        #expect(SecretBox.fingerprint("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SecretBox.fingerprint("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    static let token = "4fbd6016-439d-4cef-a72e-5c465f8343d4"
    static let now = Date(timeIntervalSince1970: 1_700_000_000)

    static func user(_ database: OrchardDatabase, email: String = "a@example.com") async throws -> Int64 {
        try await database.withConnection { connection in
            try await connection.raw(
                "INSERT INTO users (email, password_hash, created_at) VALUES (\(bind: email), 'x', \(bind: Self.now)) RETURNING id"
            ).first()!.decode(column: "id", as: Int64.self)
        }
    }

    @Test(
        "a funnel token is kept encrypted, revealed only to its owner within its lifetime, then erased",
        arguments: TestBackend.available)
    func funnelLifetime(backend: TestBackend) async throws {
        try await withMigrated(backend) { database in
            // given
            let keys = try KeyRing(base64Keys: [SecretBox.generateKey()])
            let store = FunnelTokenStore(database: database, keys: keys)
            let owner = try await Self.user(database)
            let other = try await Self.user(database, email: "b@example.com")

            // when
            let record = try await store.save(
                userID: owner, token: Self.token, masked: "••••43d4", provenAccounts: ["2821955", "42"], now: Self.now,
                lifetime: 3_600)

            // then
            let checked1 = try await store.reveal(id: record.id, userID: owner, now: Self.now)
            #expect(checked1 == Self.token)
            let checked2 = try await store.reveal(id: record.id, userID: other, now: Self.now)
            #expect(checked2 == nil)
            let checked3 = try await store.reveal(id: record.id, userID: owner, now: Self.now + 3_601)
            #expect(checked3 == nil)
            let checked4 = try await store.usable(userID: owner, now: Self.now).map(\.id)
            #expect(checked4 == [record.id])

            // when the lifetime has passed
            let erased = try await store.eraseExpired(now: Self.now + 3_601)

            // then only the fingerprint, masked form and proven accounts remain
            #expect(erased == 1)
            let kept = try #require(try await store.all(userID: owner).first)
            #expect(kept.erasedAt != nil)
            #expect(kept.fingerprint == SecretBox.fingerprint(Self.token))
            #expect(kept.provenAccounts == ["2821955", "42"])
            let ciphertexts = try await database.withConnection {
                try await $0.raw("SELECT COUNT(*) AS n FROM funnel_tokens WHERE ciphertext IS NOT NULL").first()!
                    .decode(column: "n", as: Int.self)
            }
            #expect(ciphertexts == 0)
            let actions = try await AuditLog(database: database).events(userID: owner).map(\.action)
            #expect(actions == ["funnel_token_validated", "funnel_token_erased"])
        }
    }

    @Test("the SQLite file never holds a secret in clear")
    func noClearSecretOnDisk() async throws {
        try await TestDatabase.withFresh(.sqlite) { fresh in
            // given
            try await fresh.withOpen { database in
                _ = try await MigrationRunner(logger: TestLogging.logger).run(on: database)
                let keys = try KeyRing(base64Keys: [SecretBox.generateKey()])
                let owner = try await Self.user(database)
                _ = try await FunnelTokenStore(database: database, keys: keys).save(
                    userID: owner, token: Self.token, masked: "••••43d4", provenAccounts: ["1"], now: Self.now,
                    lifetime: 3_600)
                try await ServiceSecretStore(database: database, keys: keys).set(
                    "service_access_token", secret: "service-secret-0123456789", now: Self.now)
                let checked5 = try await ServiceSecretStore(database: database, keys: keys).get("service_access_token")
                #expect(checked5 == "service-secret-0123456789")
            }

            // when
            let path = try #require(Self.sqlitePath(fresh.url))
            var bytes = Data()
            for suffix in ["", "-wal", "-shm"] {
                bytes += (try? Data(contentsOf: URL(fileURLWithPath: path + suffix))) ?? Data()
            }

            // then
            #expect(bytes.count > 0)
            #expect(bytes.range(of: Data(Self.token.utf8)) == nil)
            #expect(bytes.range(of: Data("service-secret-0123456789".utf8)) == nil)
            #expect(bytes.range(of: Data("••••43d4".utf8)) != nil)
        }
    }

    static func sqlitePath(_ url: DatabaseURL) -> String? {
        switch url {
        case .sqlite(let path): path
        case .postgres: nil
        }
    }

    @Test(
        "rotation re-encrypts every secret and records the new key; the old key no longer opens them",
        arguments: TestBackend.available)
    func rotation(backend: TestBackend) async throws {
        try await withMigrated(backend) { database in
            // given
            let old = KeyRing(current: try SecretBox(base64Key: SecretBox.generateKey()))
            let new = try SecretBox(base64Key: SecretBox.generateKey())
            try await SealedKeyRecord.claim(old, database: database)
            let owner = try await Self.user(database)
            let record = try await FunnelTokenStore(database: database, keys: old).save(
                userID: owner, token: Self.token, masked: "m", provenAccounts: [], now: Self.now, lifetime: 3_600)
            try await ServiceSecretStore(database: database, keys: old).set("k", secret: "v", now: Self.now)

            // when
            let count = try await SecretRotation.rotate(
                database: database, keys: KeyRing(current: new, previous: old.keys), to: new)

            // then
            #expect(count == 2)
            let onlyNew = KeyRing(current: new)
            let checked6 = try await FunnelTokenStore(database: database, keys: onlyNew).reveal(
                id: record.id, userID: owner, now: Self.now)
            #expect(checked6 == Self.token)
            let checked7 = try await ServiceSecretStore(database: database, keys: onlyNew).get("k")
            #expect(checked7 == "v")
            await #expect(throws: SecretBoxError.self) {
                try await ServiceSecretStore(database: database, keys: old).get("k")
            }
            let recorded = try await SealedKeyRecord.read(database)
            #expect(recorded == new.keyID)
        }
    }

    @Test("a tampered ciphertext or a wrong key is an error, never garbage")
    func tamper() throws {
        let box = try SecretBox(base64Key: SecretBox.generateKey())
        var sealed = try box.seal("secret", context: .serviceSecret(name: "a"))
        sealed.combined[sealed.combined.count - 1] ^= 1
        #expect(throws: SecretBoxError.tampered) { try box.open(sealed, context: .serviceSecret(name: "a")) }
        #expect(throws: SecretBoxError.malformedKey) { try SecretBox(base64Key: "c2hvcnQ=") }
        #expect(SecretBox.generateKey() != SecretBox.generateKey())
    }

    @Test("an erased funnel token's ciphertext is gone from the SQLite file and its WAL at once")
    func erasedTokenNotRecoverable() async throws {
        try await TestDatabase.withFresh(.sqlite) { fresh in
            let path = try #require(Self.sqlitePath(fresh.url))
            try await fresh.withOpen { database in
                // given
                _ = try await MigrationRunner(logger: TestLogging.logger).run(on: database)
                let store = FunnelTokenStore(
                    database: database, keys: try KeyRing(base64Keys: [SecretBox.generateKey()]))
                let owner = try await Self.user(database)
                let record = try await store.save(
                    userID: owner, token: Self.token, masked: "••••43d4", provenAccounts: ["1"], now: Self.now,
                    lifetime: 3_600)
                let ciphertext = try await database.withConnection {
                    try await $0.raw("SELECT ciphertext FROM funnel_tokens WHERE id = \(bind: record.id)").first()!
                        .decode(column: "ciphertext", as: Data.self)
                }

                // when
                try await store.erase(id: record.id, userID: owner, now: Self.now)

                // then: while the database is still open, neither the file nor its WAL holds the ciphertext
                var bytes = Data()
                for suffix in ["", "-wal"] {
                    bytes += (try? Data(contentsOf: URL(fileURLWithPath: path + suffix))) ?? Data()
                }
                #expect(bytes.range(of: Data("••••43d4".utf8)) != nil)
                #expect(bytes.range(of: ciphertext) == nil)
                #expect(bytes.range(of: Data(Self.token.utf8)) == nil)
            }
        }
    }

    @Test("SQLite connections zero deleted content")
    func secureDeleteIsOn() async throws {
        try await TestDatabase.withFresh(.sqlite) { fresh in
            try await fresh.withOpen { database in
                // when
                let value = try await database.withConnection {
                    try await $0.raw("PRAGMA secure_delete").first()?.decode(column: "secure_delete", as: Int.self)
                }

                // then
                #expect(value == 1)
            }
        }
    }
}
