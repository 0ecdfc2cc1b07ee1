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

    @Test(
        "a refused token is tried again after an hour and setting it again retries at once; Apple's yes resumes syncing",
        arguments: TestBackend.available)
    func refusalRetested(backend: TestBackend) async throws {
        try await SyncHarness.with(backend) { harness in
            // given: a pending integration, and Apple wrongly refusing the (good) service token once
            let (account, _) = try harness.sandbox.makeAccountWithUser(name: "Acme", apps: 1, historyDays: 3)
            let user = try await harness.user("u@example.com")
            _ = try await harness.integrate(userID: user, account: account)
            try harness.inviteService(into: account)
            let credential = try #require(try await harness.service.credential(now: harness.clock.now))
            try await harness.service.recordRefusal(
                .invalidToken, of: credential, now: harness.clock.now, logger: TestLogging.logger)
            #expect(try await harness.service.status(now: harness.clock.now).problem == "invalid")

            // when / then: within the hour the token is not used; nothing turns active
            harness.clock.advance(by: ServiceIdentity.retestInterval - 1)
            await #expect(throws: JobPostponed.self) { try await harness.engine.checkInvitations() }
            #expect(try await harness.integrations.list(userID: user).map(\.status) == [.pending])

            // when / then: an hour after the refusal it is tried again; Apple accepts it, syncing resumes
            harness.clock.advance(by: 1)
            #expect(try await harness.engine.checkInvitations().activated == [String(account.number)])
            #expect(try await harness.service.status(now: harness.clock.now).problem == nil)

            // when / then: refused again, the operator sets the same token again: it is tried at once
            try await harness.service.recordRefusal(
                .invalidToken, of: credential, now: harness.clock.now, logger: TestLogging.logger)
            await #expect(throws: JobPostponed.self) { try await harness.engine.checkInvitations() }
            try await ServiceTokenStore(database: harness.database, keys: harness.keys).set(
                credential.token.secret, expires: nil, now: harness.clock.now)
            #expect(try await harness.service.status(now: harness.clock.now).problem == nil)
            try await harness.engine.checkInvitations()

            // and a token Apple really refuses stays refused when tried again an hour later
            _ = try harness.sandbox.world.generateToken(appleId: SyncHarness.serviceAppleID)
            await #expect(throws: JobPostponed.self) { try await harness.engine.checkInvitations() }
            harness.clock.advance(by: ServiceIdentity.retestInterval)
            await #expect(throws: JobPostponed.self) { try await harness.engine.checkInvitations() }
            #expect(try await harness.service.status(now: harness.clock.now).problem == "invalid")
        }
    }
}
