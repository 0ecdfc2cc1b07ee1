import Foundation
import OrchardCore
import OrchardTestSupport
import SQLKit
import SalesReports
import Testing

@testable import OrchardStorage

@Suite("Store accounts and integrations")
struct AccountAndIntegrationTests {
    static let now = Date(timeIntervalSince1970: 1_700_000_000)

    @Test(
        "an account is stored once; each user has an integration to it; removal cascades",
        arguments: TestBackend.available)
    func lifecycle(backend: TestBackend) async throws {
        try await withMigrated(backend) { database in
            // given
            let accounts = StoreAccountStore(database: database)
            let integrations = IntegrationStore(database: database)
            let alice = try await SecretStorageTests.user(database, email: "alice@example.com")
            let bob = try await SecretStorageTests.user(database, email: "bob@example.com")
            try await accounts.register(number: "2821955", name: "Example Corp", vendors: ["85442109"], now: Self.now)
            try await accounts.register(number: "2821955", name: "Example Corp.", vendors: [], now: Self.now)

            // when
            let first = try await integrations.create(userID: alice, accountNumber: "2821955", now: Self.now)
            _ = try await integrations.create(userID: bob, accountNumber: "2821955", now: Self.now)
            let activated = try await integrations.apply(
                .serviceSeesAccount, accountNumber: "2821955", reason: nil, now: Self.now)
            let removed = try await integrations.apply(
                .serviceLostAccess, accountNumber: "2821955", reason: "the service user was removed from the account",
                now: Self.now + 60)

            // then
            let account = try #require(try await accounts.find(number: "2821955"))
            // a second registration changes nothing: the name and vendors stay as first stored
            #expect(account.name == "Example Corp")
            #expect(account.vendors == ["85442109"])
            #expect(first.status == .pending)
            #expect(activated.map(\.status) == [.active, .active])
            #expect(removed.map(\.userID) == [alice, bob])
            let bobs = try await integrations.list(userID: bob)
            #expect(bobs.map(\.status) == [.removed])
            #expect(bobs.first?.statusReason == "the service user was removed from the account")
            #expect(bobs.first?.activatedAt == Self.now)
        }
    }

    @Test("a second integration of the same account by the same user is refused", arguments: TestBackend.available)
    func duplicate(backend: TestBackend) async throws {
        try await withMigrated(backend) { database in
            let user = try await SecretStorageTests.user(database)
            try await StoreAccountStore(database: database).register(number: "1", name: "A", vendors: [], now: Self.now)
            let integrations = IntegrationStore(database: database)
            _ = try await integrations.create(userID: user, accountNumber: "1", now: Self.now)
            await #expect(throws: IntegrationStore.Failure.alreadyIntegrated(accountNumber: "1")) {
                try await integrations.create(userID: user, accountNumber: "1", now: Self.now)
            }
            await #expect(throws: IntegrationStore.Failure.unknownAccount(accountNumber: "2")) {
                try await integrations.create(userID: user, accountNumber: "2", now: Self.now)
            }
        }
    }

    @Test("a user deletes only their own integration; the account stays for others", arguments: TestBackend.available)
    func deletion(backend: TestBackend) async throws {
        try await withMigrated(backend) { database in
            let alice = try await SecretStorageTests.user(database, email: "alice@example.com")
            let bob = try await SecretStorageTests.user(database, email: "bob@example.com")
            try await StoreAccountStore(database: database).register(number: "1", name: "A", vendors: [], now: Self.now)
            let integrations = IntegrationStore(database: database)
            let alices = try await integrations.create(userID: alice, accountNumber: "1", now: Self.now)
            _ = try await integrations.create(userID: bob, accountNumber: "1", now: Self.now)
            let checked1 = try await integrations.delete(id: alices.id, userID: bob, now: Self.now)
            #expect(checked1 == nil)
            let checked2 = try await integrations.delete(id: alices.id, userID: alice, now: Self.now)
            #expect(checked2?.lastOfAccount == false)
            let checked3 = try await integrations.list(accountNumber: "1").map(\.userID)
            #expect(checked3 == [bob])
            let checked4 = try await StoreAccountStore(database: database).find(number: "1")
            #expect(checked4 != nil && checked4?.unusedSince == nil)

            // the last user's removal marks the account unused; a new integration uses it again
            let bobs = try #require(try await integrations.list(userID: bob).first)
            let last = try await integrations.delete(id: bobs.id, userID: bob, now: Self.now + 60)
            #expect(last?.lastOfAccount == true)
            #expect(try await StoreAccountStore(database: database).find(number: "1")?.unusedSince == Self.now + 60)
            _ = try await integrations.create(userID: alice, accountNumber: "1", now: Self.now + 120)
            #expect(try await StoreAccountStore(database: database).find(number: "1")?.unusedSince == nil)
        }
    }

    @Test(
        "Finish creates every selected integration in one transaction: one refused, none is made, not even its store account",
        arguments: TestBackend.available)
    func finishAllOrNothing(backend: TestBackend) async throws {
        try await withMigrated(backend) { database in
            let alice = try await SecretStorageTests.user(database, email: "alice@example.com")
            let accounts = StoreAccountStore(database: database)
            let integrations = IntegrationStore(database: database)
            try await accounts.register(number: "2", name: "B", vendors: [], now: Self.now)
            _ = try await integrations.create(userID: alice, accountNumber: "2", now: Self.now)

            // when: accounts 1 (new) and 2 (integrated already) are finished together
            await #expect(throws: IntegrationStore.Failure.alreadyIntegrated(accountNumber: "2")) {
                try await integrations.create(
                    userID: alice,
                    accounts: [
                        .init(number: "1", name: "A", vendors: ["80000001"], proof: "token ••••abcd sees it"),
                        .init(number: "2", name: "B", vendors: [], proof: "token ••••abcd sees it"),
                    ], now: Self.now)
            }

            // then: nothing of account 1 exists, and no proof was recorded for it
            #expect(try await accounts.find(number: "1") == nil)
            #expect(try await integrations.list(userID: alice).map(\.accountNumber) == ["2"])
            let events = try await AuditLog(database: database).events(userID: alice)
            #expect(!events.contains { $0.action == "ownership_proved" })

            // and: both new, both are made
            let made = try await integrations.create(
                userID: alice,
                accounts: [
                    .init(number: "1", name: "A", vendors: [], proof: "p"),
                    .init(number: "3", name: "C", vendors: [], proof: "p"),
                ], now: Self.now)
            #expect(made.map(\.accountNumber) == ["1", "3"])
        }
    }

    @Test(
        "a daily sync is queued only while the account is behind, read again as it is queued",
        arguments: TestBackend.available)
    func syncQueuedWhileBehind(backend: TestBackend) async throws {
        try await withMigrated(backend) { database in
            // given: an account synced through the 4th, and a scheduler that read it then
            let accounts = StoreAccountStore(database: database)
            let account = try await accounts.register(number: "3", name: "C", vendors: [], now: Self.now)
            let fourth = try #require(ReportDate("2026-06-04"))
            let fifth = try #require(ReportDate("2026-06-05"))
            try await accounts.recordSync(number: "3", through: fourth, now: Self.now)
            let job = TestJob(kind: "sync_account", dedupeKey: "sync:3")

            // when: another worker's sync finishes the 5th before the scheduler queues
            try await accounts.recordSync(number: "3", through: fifth, now: Self.now)
            let stale = try await accounts.queueSyncIfBehind(job, accountID: account.id, latest: fifth, now: Self.now)

            // then: nothing is queued; an account still behind is
            #expect(stale == nil)
            let sixth = try #require(ReportDate("2026-06-06"))
            let behind = try await accounts.queueSyncIfBehind(job, accountID: account.id, latest: sixth, now: Self.now)
            #expect(behind != nil)
            #expect(try await JobQueue(database: database).counts()["sync_account"]?[.queued] == 1)
        }
    }
}
