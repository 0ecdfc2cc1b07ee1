import AppStoreConnect
import ConnectSandbox
import Foundation
import OrchardCore
import OrchardStorage
import OrchardSync
import OrchardTestSupport
import SalesReports
import Testing

@Suite("Service identity")
struct ServiceIdentityTests {
    @Test(
        "the operator is warned 30, 14 and 3 days before the token's 180 days run out", arguments: TestBackend.available
    )
    func warnings(backend: TestBackend) async throws {
        try await withMigrated(backend) { database in
            let keys = try KeyRing(base64Keys: [SecretBox.generateKey()])
            _ = try await SealedKeyRecord.claim(keys, database: database)
            let service = ServiceIdentity(database: database, keys: keys, configuredToken: nil)
            let start = SyncHarness.start
            #expect(try await service.status(now: start).configured == false)
            #expect(try await service.status(now: start).message?.contains("orchard service set-token") == true)
            try await ServiceTokenStore(database: database, keys: keys).set(
                "token-value-1234", expires: nil, now: start)
            let day: TimeInterval = 86_400
            let expected: [(TimeInterval, Int?)] = [
                (0, nil), (148, nil), (149, 30), (164, 30), (165, 14), (175, 14), (176, 3), (179, 3), (181, 0),
            ]
            for (elapsed, warning) in expected {
                let status = try await service.status(now: start.addingTimeInterval(elapsed * day + 60))
                #expect(status.warning == warning, "after \(elapsed) days")
                #expect((status.message != nil) == (warning != nil), "after \(elapsed) days")
            }
        }
    }

    @Test("a token from the environment counts its 180 days from when the database first saw it")
    func environmentToken() async throws {
        try await withMigrated(.sqlite) { database in
            let keys = try KeyRing(base64Keys: [SecretBox.generateKey()])
            let start = SyncHarness.start
            let service = ServiceIdentity(database: database, keys: keys, configuredToken: Secret("env-token-5678"))
            #expect(try await service.status(now: start).daysLeft == 180)
            #expect(try await service.status(now: start.addingTimeInterval(10 * 86_400)).daysLeft == 170)
            let replaced = ServiceIdentity(database: database, keys: keys, configuredToken: Secret("env-token-9999"))
            #expect(try await replaced.status(now: start.addingTimeInterval(10 * 86_400)).daysLeft == 180)
        }
    }
}
