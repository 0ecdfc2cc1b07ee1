import Foundation
import OrchardCore
import OrchardTestSupport
import SQLKit
import Testing

@testable import OrchardStorage

/// A revoked account's data is deleted after its retention; nothing else ever is.
@Suite("Account purge")
struct AccountPurgeTests {
    func facts(_ database: OrchardDatabase) async throws -> Int {
        try await database.withConnection {
            try await $0.raw("SELECT COUNT(*) AS n FROM sales_facts").first()?.decode(column: "n", as: Int.self) ?? -1
        }
    }

    @Test(
        "a purge deletes nothing of an account that is accessible, and a revoked one's data once",
        arguments: TestBackend.available)
    func onlyRevoked(backend: TestBackend) async throws {
        try await withMigrated(backend) { database in
            try await withTemporaryDirectory { directory in
                // given: an account with a report's facts, accessible
                _ = try await MetricsStoreTests.prepare(database, in: directory)
                let accounts = StoreAccountStore(database: database)
                let purge = AccountPurge(database: database, archive: nil)
                let now = MetricsStoreTests.now
                _ = try await accounts.markAccessible(number: "1", now: now)
                let stored = try await facts(database)
                #expect(stored > 0)

                // when / then: a purge of it (one queued before access came back) deletes nothing
                #expect(try await purge.purge(number: "1", now: now) == nil)
                #expect(try await facts(database) == stored)
                #expect(try await accounts.find(number: "1")?.purgedAt == nil)

                // when / then: revoked, it is purged, once
                #expect(try await accounts.revoke(number: "1", now: now))
                let result = try #require(try await purge.purge(number: "1", now: now))
                #expect(result.facts == stored)
                #expect(try await facts(database) == 0)
                #expect(try await accounts.find(number: "1")?.purgedAt == now)
                #expect(try await purge.purge(number: "1", now: now) == nil)
            }
        }
    }
}
