import Foundation
import OrchardCore
import OrchardTestSupport
import SQLKit
import Testing

@testable import OrchardStorage

@Suite("Integration status changes")
struct IntegrationCompareAndSetTests {
    @Test("two checks applying the same event at once move each integration once", arguments: TestBackend.available)
    func onceUnderRace(backend: TestBackend) async throws {
        try await TestDatabase.withFresh(backend) { fresh in
            let database = try await fresh.open(maxConnections: 4)
            do {
                // given: three users' pending integrations of one account
                _ = try await MigrationRunner(logger: TestLogging.logger).run(on: database)
                let now = Date(timeIntervalSince1970: 1_700_000_000)
                try await StoreAccountStore(database: database).register(
                    number: "123", name: "Juniper", vendors: [], now: now)
                let store = IntegrationStore(database: database)
                for index in 1...3 {
                    let user = try await database.withConnection { connection in
                        try await connection.raw(
                            """
                            INSERT INTO users (email, password_hash, created_at)
                            VALUES (\(bind: "u\(index)@example.com"), 'x', \(bind: now)) RETURNING id
                            """
                        ).first()!.decode(column: "id", as: Int64.self)
                    }
                    _ = try await store.create(userID: user, accountNumber: "123", now: now)
                }

                // when: four checks see the account at once
                let changed = try await withThrowingTaskGroup(of: Int.self) { group in
                    for _ in 0..<4 {
                        group.addTask {
                            try await store.apply(.serviceSeesAccount, accountNumber: "123", reason: nil, now: now)
                                .count
                        }
                    }
                    return try await group.reduce(0, +)
                }

                // then: three changes in all, and three audit entries
                #expect(changed == 3)
                let audited = try await database.withConnection { connection in
                    try await connection.raw(
                        "SELECT COUNT(*) AS n FROM audit_log WHERE action = 'integration_active'"
                    ).first()!.decode(column: "n", as: Int.self)
                }
                #expect(audited == 3)
                #expect(try await store.list(accountNumber: "123").allSatisfy { $0.status == .active })
                try await database.close()
            } catch {
                try? await database.close()
                throw error
            }
        }
    }
}
