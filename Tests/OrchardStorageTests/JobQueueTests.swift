import Foundation
import OrchardCore
import OrchardTestSupport
import SQLKit
import Synchronization
import Testing

@testable import OrchardStorage

/// The job queue (docs/JOBS.md) on both databases: de-duplication, leases fenced by their
/// token, retries with backoff, dead jobs, cancellation per store account, concurrent claims.
@Suite("Job queue")
struct JobQueueTests {
    static let start = Date(timeIntervalSince1970: 1_700_000_000)

    static func queue(_ database: OrchardDatabase) -> JobQueue {
        // No jitter: a failed first attempt waits exactly half of the 30 s step.
        JobQueue(database: database, backoff: .init(base: 30, cap: 3_600, random: { 0 }))
    }

    static func state(of id: Int64, _ database: OrchardDatabase) async throws -> (String, String?) {
        try await database.withConnection { connection in
            let row = try await connection.raw("SELECT state, last_error FROM jobs WHERE id = \(bind: id)").first()!
            return (
                try row.decode(column: "state", as: String.self), try row.decode(column: "last_error", as: String?.self)
            )
        }
    }

    @Test("a job queued or running with a key is not queued twice", arguments: TestBackend.available)
    func deduplicates(backend: TestBackend) async throws {
        try await withMigrated(backend) { database in
            // given
            let queue = Self.queue(database)
            let first = try await queue.enqueue(
                kind: "sync_report", dedupeKey: "1/2023-07-18", runAfter: Self.start, now: Self.start)

            // when
            let queuedTwice = try await queue.enqueue(
                kind: "sync_report", dedupeKey: "1/2023-07-18", runAfter: Self.start, now: Self.start)
            let job = try #require(try await queue.claim(owner: "w1", lease: 60, now: Self.start))
            let runningTwice = try await queue.enqueue(
                kind: "sync_report", dedupeKey: "1/2023-07-18", runAfter: Self.start, now: Self.start)
            try await queue.complete(job, now: Self.start)
            let afterDone = try await queue.enqueue(
                kind: "sync_report", dedupeKey: "1/2023-07-18", runAfter: Self.start, now: Self.start)

            // then
            #expect(first != nil)
            #expect(queuedTwice == nil)
            #expect(runningTwice == nil)
            #expect(afterDone != nil && afterDone != first)
        }
    }

    @Test("a lapsed lease passes the job on and fences the stale worker out", arguments: TestBackend.available)
    func leaseFencing(backend: TestBackend) async throws {
        try await withMigrated(backend) { database in
            // given: worker 1 claims for a minute and stalls
            let queue = Self.queue(database)
            let id = try #require(
                try await queue.enqueue(kind: "backfill_account", runAfter: Self.start, now: Self.start))
            let stale = try #require(try await queue.claim(owner: "w1", lease: 60, now: Self.start))
            #expect(try await queue.claim(owner: "w2", lease: 60, now: Self.start.addingTimeInterval(59)) == nil)

            // when: its lease lapses and worker 2 claims the job
            let fresh = try #require(
                try await queue.claim(owner: "w2", lease: 60, now: Self.start.addingTimeInterval(61)))

            // then
            #expect(fresh.id == id)
            #expect(fresh.attempts == 2)
            await #expect(throws: JobQueue.LeaseLost(jobID: id)) {
                try await queue.complete(stale, now: Self.start.addingTimeInterval(62))
            }
            await #expect(throws: JobQueue.LeaseLost(jobID: id)) {
                try await queue.renew(stale, lease: 60, now: Self.start.addingTimeInterval(62))
            }
            try await queue.renew(fresh, lease: 60, now: Self.start.addingTimeInterval(100))
            #expect(try await queue.claim(owner: "w3", lease: 60, now: Self.start.addingTimeInterval(130)) == nil)
            try await queue.complete(fresh, now: Self.start.addingTimeInterval(131))
            #expect(try await Self.state(of: id, database).0 == "done")
        }
    }

    @Test(
        "a failed job waits out its backoff or Retry-After, and is dead after its last attempt",
        arguments: TestBackend.available)
    func retriesThenDead(backend: TestBackend) async throws {
        try await withMigrated(backend) { database in
            // given
            let queue = Self.queue(database)
            let id = try #require(
                try await queue.enqueue(kind: "sync_report", runAfter: Self.start, maxAttempts: 3, now: Self.start))

            // when / then: the first failure waits 15 s (half of the 30 s step, no jitter)
            let first = try #require(try await queue.claim(owner: "w", lease: 60, now: Self.start))
            try await queue.fail(first, error: "HTTP 500", now: Self.start)
            #expect(try await queue.claim(owner: "w", lease: 60, now: Self.start.addingTimeInterval(14)) == nil)
            #expect(try await queue.nextDue() == Self.start.addingTimeInterval(15))
            let second = try #require(
                try await queue.claim(owner: "w", lease: 60, now: Self.start.addingTimeInterval(15)))
            #expect(second.attempts == 2)

            // Apple's Retry-After wins over a shorter backoff
            try await queue.fail(second, error: "HTTP 429", retryAfter: 120, now: Self.start.addingTimeInterval(15))
            #expect(try await queue.claim(owner: "w", lease: 60, now: Self.start.addingTimeInterval(134)) == nil)
            let third = try #require(
                try await queue.claim(owner: "w", lease: 60, now: Self.start.addingTimeInterval(135)))

            // the last attempt's failure parks the job as dead, its error kept
            try await queue.fail(third, error: "HTTP 503 again", now: Self.start.addingTimeInterval(136))
            #expect(try await queue.claim(owner: "w", lease: 60, now: Self.start.addingTimeInterval(100_000)) == nil)
            let (state, error) = try await Self.state(of: id, database)
            #expect(state == "dead")
            #expect(error == "HTTP 503 again")
            #expect(try await queue.counts()["sync_report"] == [.dead: 1])
        }
    }

    @Test(
        "a worker that dies on every attempt leaves a dead job, not an endless loop", arguments: TestBackend.available)
    func lapsedTooOften(backend: TestBackend) async throws {
        try await withMigrated(backend) { database in
            // given
            let queue = Self.queue(database)
            let id = try #require(
                try await queue.enqueue(kind: "sync_report", runAfter: Self.start, maxAttempts: 2, now: Self.start))

            // when: two claims whose workers never come back
            _ = try #require(try await queue.claim(owner: "w1", lease: 10, now: Self.start))
            _ = try #require(try await queue.claim(owner: "w2", lease: 10, now: Self.start.addingTimeInterval(11)))
            let third = try await queue.claim(owner: "w3", lease: 10, now: Self.start.addingTimeInterval(22))

            // then
            #expect(third == nil)
            #expect(try await Self.state(of: id, database).0 == "dead")
        }
    }

    @Test("removing an account cancels its jobs, running ones included", arguments: TestBackend.available)
    func cancelPerAccount(backend: TestBackend) async throws {
        try await withMigrated(backend) { database in
            // given
            let queue = Self.queue(database)
            let account = try await StoreAccountStore(database: database).register(
                number: "123", name: "Juniper", vendors: ["9"], now: Self.start)
            let other = try await StoreAccountStore(database: database).register(
                number: "456", name: "Other", vendors: ["8"], now: Self.start)
            for day in 1...3 {
                try await queue.enqueue(
                    kind: "sync_report", dedupeKey: "123/\(day)", storeAccountID: account.id, runAfter: Self.start,
                    now: Self.start)
            }
            let kept = try #require(
                try await queue.enqueue(
                    kind: "sync_report", storeAccountID: other.id, runAfter: Self.start.addingTimeInterval(1),
                    now: Self.start))
            let running = try #require(try await queue.claim(owner: "w", lease: 60, now: Self.start))

            // when
            let cancelled = try await queue.cancel(storeAccountID: account.id, now: Self.start)

            // then
            #expect(cancelled == 3)
            await #expect(throws: JobQueue.LeaseLost(jobID: running.id)) {
                try await queue.complete(running, now: Self.start)
            }
            let next = try await queue.claim(owner: "w", lease: 60, now: Self.start.addingTimeInterval(2))
            #expect(next?.id == kept)
        }
    }

    @Test("a job released at shutdown runs again without losing an attempt", arguments: TestBackend.available)
    func release(backend: TestBackend) async throws {
        try await withMigrated(backend) { database in
            // given
            let queue = Self.queue(database)
            try await queue.enqueue(kind: "check_invitations", runAfter: Self.start, now: Self.start)
            let job = try #require(try await queue.claim(owner: "w1", lease: 60, now: Self.start))

            // when
            try await queue.release(job, now: Self.start)
            let again = try await queue.claim(owner: "w2", lease: 60, now: Self.start)

            // then
            #expect(again?.id == job.id)
            #expect(again?.attempts == 1)
        }
    }

    @Test("workers claiming at once never get the same job", arguments: TestBackend.available)
    func concurrentClaims(backend: TestBackend) async throws {
        try await TestDatabase.withFresh(backend) { fresh in
            let database = try await fresh.open(maxConnections: 6)
            do {
                // given
                _ = try await MigrationRunner(logger: TestLogging.logger).run(on: database)
                let queue = Self.queue(database)
                for index in 0..<60 {
                    try await queue.enqueue(
                        kind: "sync_report", payload: "{\"n\":\(index)}", runAfter: Self.start, now: Self.start)
                }

                // when: eight workers claim and complete until nothing is due
                let claimed = try await withThrowingTaskGroup(of: [Int64].self) { group in
                    for worker in 0..<8 {
                        group.addTask {
                            var mine: [Int64] = []
                            while let job = try await queue.claim(owner: "w\(worker)", lease: 600, now: Self.start) {
                                mine.append(job.id)
                                try await queue.complete(job, now: Self.start)
                            }
                            return mine
                        }
                    }
                    return try await group.reduce(into: []) { $0 += $1 }
                }

                // then
                #expect(claimed.count == 60)
                #expect(Set(claimed).count == 60)
                #expect(try await queue.counts()["sync_report"] == [.done: 60])
                try await database.close()
            } catch {
                try? await database.close()
                throw error
            }
        }
    }
}
