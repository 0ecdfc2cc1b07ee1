import OrchardTestSupport
import SQLKit
import Testing

@testable import OrchardStorage

@Suite("SQLite connections")
struct SQLiteFileSourceTests {
    @Test("a lock held by another connection is told apart from other errors by its type")
    func busyIsRecognised() async throws {
        try await TestDatabase.withFresh(.sqlite) { fresh in
            // given: two pools on one file, as two processes would have, the first holding the write lock
            let first = try await fresh.open()
            let second = try await fresh.open()
            let errors: (busy: (any Error)?, other: (any Error)?)
            do {
                errors = try await first.withConnection { holder in
                    try await holder.raw("CREATE TABLE probe (x INTEGER)").run()
                    try await holder.raw("BEGIN IMMEDIATE").run()
                    try await holder.raw("INSERT INTO probe VALUES (1)").run()
                    let errors = try await second.withConnection { waiter in
                        // when: the second asks for the lock without waiting for it, and says something wrong
                        try await waiter.raw("PRAGMA busy_timeout = 0").run()
                        var busy: (any Error)? = nil
                        do { try await waiter.raw("BEGIN IMMEDIATE").run() } catch { busy = error }
                        var other: (any Error)? = nil
                        do { try await waiter.raw("SELECT FROM nowhere").run() } catch { other = error }
                        try await waiter.raw("PRAGMA busy_timeout = 10000").run()
                        return (busy, other)
                    }
                    try await holder.raw("ROLLBACK").run()
                    return errors
                }
            } catch {
                try? await first.close()
                try? await second.close()
                throw error
            }
            try await first.close()
            try await second.close()

            // then
            let busy = try #require(errors.busy)
            let other = try #require(errors.other)
            #expect(SQLiteFileSource.isBusy(busy))
            #expect(!SQLiteFileSource.isBusy(other))
            #expect(!SQLiteFileSource.isBusy(CancellationError()))
        }
    }
}
