import Foundation
import OrchardCore
import OrchardStorage
import OrchardTestSupport
import SQLKit
import Testing

/// `orchard rotate-key` killed at each step (`ORCHARD_TEST_FAILPOINT`), then every secret opened with the keys
/// the operator has: the key file, or ORCHARD_MASTER_KEY plus the key the command printed.
/// One case at a time: each starts a debug-built `orchard` that loads the 135,770 shipped rates into a
/// fresh database (about 3 CPU-seconds); twelve at once took the whole machine from the rest of the
/// suite for tens of seconds.
@Suite("orchard rotate-key survives a crash at every step", .serialized)
struct RotateKeyCommandTests {
    static let now = Date()
    static let token = "4fbd6016-439d-4cef-a72e-5c465f8343d4"
    static let serviceSecret = "service-secret-0123456789"

    struct Seeded {
        var userID: Int64
        var tokenID: Int64
    }

    @Test(
        "with master.key: after the ring write, before the commit, after the commit",
        arguments: TestBackend.available, ["after-ring-write", "before-commit", "after-commit"])
    func keyFile(backend: TestBackend, failpoint: String) async throws {
        try SummarizeCommandTests.requireExecutable()
        try await TestDatabase.withFresh(backend) { fresh in
            try await withTemporaryDirectory { directory in
                // given
                let (keys, _) = try MasterKeyFile.load(configured: nil, dataDirectory: directory.path)
                let seeded = try await Self.seed(fresh, keys: keys)
                let environment = ["ORCHARD_DATA_DIR": directory.path]

                // when
                let crashed = try await Self.rotateKey(fresh.url, environment, failpoint: failpoint)

                // then
                #expect(crashed.status == 86, "\(crashed.stderr)")
                let ring = try MasterKeyFile.read(MasterKeyFile.path(dataDirectory: directory.path))
                try await Self.expectEverySecretOpens(fresh, keys: ring, seeded)

                // when run again to completion
                let finished = try await Self.rotateKey(fresh.url, environment)

                // then
                #expect(finished.status == 0, "\(finished.stderr)")
                let final = try MasterKeyFile.read(MasterKeyFile.path(dataDirectory: directory.path))
                #expect(final.keyIDs.count == 1)
                #expect(final.current.keyID != keys.current.keyID)
                try await Self.expectEverySecretOpens(fresh, keys: final, seeded)
            }
        }
    }

    @Test(
        "with ORCHARD_MASTER_KEY: after the key is printed, before the commit, after the commit",
        arguments: TestBackend.available, ["after-key-print", "before-commit", "after-commit"])
    func configuredKey(backend: TestBackend, failpoint: String) async throws {
        try SummarizeCommandTests.requireExecutable()
        try await TestDatabase.withFresh(backend) { fresh in
            try await withTemporaryDirectory { directory in
                // given
                let old = SecretBox.generateKey()
                let seeded = try await Self.seed(fresh, keys: try KeyRing(base64Keys: [old]))
                let environment = ["ORCHARD_DATA_DIR": directory.path, "ORCHARD_MASTER_KEY": old]

                // when
                let crashed = try await Self.rotateKey(fresh.url, environment, failpoint: failpoint)

                // then the printed key and the old key open everything
                #expect(crashed.status == 86, "\(crashed.stderr)")
                let lines = crashed.stdout.split(separator: "\n").map(String.init)
                let key = lines.first { (try? SecretBox(base64Key: $0)) != nil }
                let printed = try #require(key)
                try await Self.expectEverySecretOpens(fresh, keys: try KeyRing(base64Keys: [printed, old]), seeded)
                #expect(!FileManager.default.fileExists(atPath: MasterKeyFile.path(dataDirectory: directory.path)))

                // when the operator sets the printed key first and runs it again
                let finished = try await Self.rotateKey(
                    fresh.url, ["ORCHARD_DATA_DIR": directory.path, "ORCHARD_MASTER_KEY": "\(printed),\(old)"])

                // then the printed key alone opens everything
                #expect(finished.status == 0, "\(finished.stderr)")
                try await Self.expectEverySecretOpens(fresh, keys: try KeyRing(base64Keys: [printed]), seeded)
            }
        }
    }

    @Test("a process whose key is not the database's is refused, naming both key ids and neither key")
    func mismatchRefused() async throws {
        try SummarizeCommandTests.requireExecutable()
        try await TestDatabase.withFresh(.sqlite) { fresh in
            try await withTemporaryDirectory { directory in
                // given
                let sealedWith = SecretBox.generateKey()
                _ = try await Self.seed(fresh, keys: try KeyRing(base64Keys: [sealedWith]))
                let other = SecretBox.generateKey()

                // when
                let result = try await Self.rotateKey(
                    fresh.url, ["ORCHARD_DATA_DIR": directory.path, "ORCHARD_MASTER_KEY": other])

                // then
                #expect(result.status == 78)
                #expect(result.stderr.contains(try SecretBox(base64Key: sealedWith).keyID))
                #expect(result.stderr.contains(try SecretBox(base64Key: other).keyID))
                #expect(!result.stderr.contains(sealedWith) && !result.stderr.contains(other))
            }
        }
    }

    @Test("a host without a key is refused on a database that records one, and generates none")
    func noKeyNoGeneration() async throws {
        try SummarizeCommandTests.requireExecutable()
        try await TestDatabase.withFresh(.sqlite) { fresh in
            try await withTemporaryDirectory { directory in
                // given
                let sealedWith = SecretBox.generateKey()
                _ = try await Self.seed(fresh, keys: try KeyRing(base64Keys: [sealedWith]))

                // when
                let result = try await Self.rotateKey(fresh.url, ["ORCHARD_DATA_DIR": directory.path])

                // then
                #expect(result.status == 78)
                #expect(result.stderr.contains(try SecretBox(base64Key: sealedWith).keyID))
                #expect(!FileManager.default.fileExists(atPath: MasterKeyFile.path(dataDirectory: directory.path)))
            }
        }
    }

    static func seed(_ fresh: TestDatabase, keys: KeyRing) async throws -> Seeded {
        try await fresh.withOpen { database in
            _ = try await MigrationRunner(keys: keys, logger: TestLogging.logger).run(on: database)
            try await SealedKeyRecord.claim(keys, database: database)
            let userID = try await database.withConnection { connection in
                try await connection.raw(
                    "INSERT INTO users (email, password_hash, created_at) VALUES ('a@example.com', 'x', \(bind: Self.now)) RETURNING id"
                ).first()!.decode(column: "id", as: Int64.self)
            }
            let record = try await FunnelTokenStore(database: database, keys: keys).save(
                userID: userID, token: Self.token, masked: "m", provenAccounts: [], now: Self.now, lifetime: 3_600)
            try await ServiceSecretStore(database: database, keys: keys).set(
                "service_access_token", secret: Self.serviceSecret, now: Self.now)
            return Seeded(userID: userID, tokenID: record.id)
        }
    }

    static func expectEverySecretOpens(_ fresh: TestDatabase, keys: KeyRing, _ seeded: Seeded) async throws {
        try await fresh.withOpen { database in
            try await SealedKeyRecord.claim(keys, database: database)
            let token = try await FunnelTokenStore(database: database, keys: keys).reveal(
                id: seeded.tokenID, userID: seeded.userID, now: Self.now)
            #expect(token == Self.token)
            let secret = try await ServiceSecretStore(database: database, keys: keys).get("service_access_token")
            #expect(secret == Self.serviceSecret)
        }
    }

    /// Runs the built `orchard rotate-key` on `url` with only the given Orchard settings in its environment.
    static func rotateKey(_ url: DatabaseURL, _ settings: [String: String], failpoint: String? = nil) async throws -> (
        status: Int32, stdout: String, stderr: String
    ) {
        var environment = ProcessInfo.processInfo.environment.filter {
            !$0.key.hasPrefix("ORCHARD_") && $0.key != "DATABASE_URL"
        }
        environment.merge(settings) { $1 }
        environment["ORCHARD_TEST_FAILPOINT"] = failpoint
        return try await SummarizeCommandTests.run(
            ["rotate-key", "--database-url", Self.text(of: url)], environment: environment)
    }

    static func text(of url: DatabaseURL) -> String {
        switch url {
        case .sqlite(let path): "sqlite://\(path)"
        case .postgres(let url): url
        }
    }
}
