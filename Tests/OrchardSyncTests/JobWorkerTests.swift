import AppStoreConnect
import AsyncHTTPClient
import Foundation
import Logging
import OrchardCore
import OrchardStorage
import OrchardTestSupport
import SQLKit
import Synchronization
import Testing

@testable import OrchardSync

/// The worker over the real queue on both databases, with an injected clock.
@Suite("Job worker")
struct JobWorkerTests {
    static let start = Date(timeIntervalSince1970: 1_700_000_000)

    struct AppleSaysWait: JobFailure {
        var retryAfter: TimeInterval? { 300 }
        var isPermanent: Bool { false }
    }

    struct ReportTooOld: JobFailure {
        var retryAfter: TimeInterval? { nil }
        var isPermanent: Bool { true }
    }

    @Test(
        "a job runs, a failing one waits for Apple's Retry-After, a hopeless one is dead at once",
        arguments: TestBackend.available)
    func outcomes(backend: TestBackend) async throws {
        try await withMigrated(backend) { database in
            // given
            let queue = JobQueue(database: database)
            let ran = Mutex<[String]>([])
            let worker = JobWorker(
                queue: queue,
                handlers: [
                    "ok": { job in ran.withLock { $0.append(job.kind) } },
                    "wait": { _ in throw AppleSaysWait() },
                    "hopeless": { _ in throw ReportTooOld() },
                ], now: { Self.start }, logger: TestLogging.logger)
            for kind in ["ok", "wait", "hopeless", "unknown"] {
                try await queue.enqueue(kind: kind, runAfter: Self.start, now: Self.start)
            }

            // when
            var runs = 0
            while try await worker.runNext() { runs += 1 }

            // then
            #expect(runs == 4)
            #expect(ran.withLock { $0 } == ["ok"])
            let counts = try await queue.counts()
            #expect(counts["ok"] == [.done: 1])
            #expect(counts["wait"] == [.queued: 1])
            #expect(counts["hopeless"] == [.dead: 1])
            #expect(counts["unknown"] == [.dead: 1])
            #expect(try await queue.nextDue() == Self.start.addingTimeInterval(300))
        }
    }

    @Test(
        "stopped while its jobs run, the worker releases every one: its own task is cancelled, not the release",
        arguments: TestBackend.available)
    func releasedAtShutdown(backend: TestBackend) async throws {
        try await withMigrated(backend) { database in
            // given: two jobs whose handlers run until they are cancelled
            let queue = JobQueue(database: database)
            let started = AsyncStream.makeStream(of: Void.self)
            let worker = JobWorker(
                queue: queue,
                handlers: [
                    "long": { _ in
                        started.continuation.yield()
                        try await Task.sleep(for: .seconds(3_600))
                    }
                ], concurrency: 2, now: { Self.start }, logger: TestLogging.logger)
            for index in 0..<2 {
                _ = try await queue.enqueue(
                    kind: "long", dedupeKey: "long:\(index)", runAfter: Self.start, now: Self.start)
            }

            // when: both run, then the worker's task is cancelled (what SIGTERM does to it)
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await worker.run() }
                var running = started.stream.makeAsyncIterator()
                for _ in 0..<2 { await running.next() }
                let during = try await queue.counts()["long"]
                #expect(during == [.running: 2])
                tasks.cancelAll()
            }

            // then: both are queued again for another worker, none held by this one
            #expect(try await queue.counts()["long"] == [.queued: 2])
        }
    }

    @Test(
        "a handler that never returns, cancelled or not, does not keep the worker from stopping: its job is released without it",
        arguments: TestBackend.available)
    func stuckHandlerReleased(backend: TestBackend) async throws {
        try await withMigrated(backend) { database in
            // given: a handler stuck on a call that answers neither its result nor its cancellation
            // (what a database connection cut during a server restart can do)
            let queue = JobQueue(database: database)
            let stuck = Mutex<[CheckedContinuation<Void, Never>]>([])
            let started = AsyncStream.makeStream(of: Void.self)
            let worker = JobWorker(
                queue: queue,
                handlers: [
                    "stuck": { _ in
                        await withCheckedContinuation { continuation in
                            stuck.withLock { $0.append(continuation) }
                            started.continuation.yield()
                        }
                    }
                ], shutdownGrace: 0.5, now: { Self.start }, logger: TestLogging.logger)
            _ = try await queue.enqueue(kind: "stuck", runAfter: Self.start, now: Self.start)

            // when: it runs, then the worker is stopped
            let stopped = Mutex(false)
            let run = Task {
                try? await worker.run()
                stopped.withLock { $0 = true }
            }
            var running = started.stream.makeAsyncIterator()
            await running.next()
            run.cancel()

            // then: the worker stopped (within 30 s of its cancellation, however loaded the machine;
            // without the grace period it waits for the handler for ever), and the job is queued
            // again for another worker
            let cancelled = ContinuousClock.now
            while !stopped.withLock({ $0 }), ContinuousClock.now - cancelled < .seconds(30) {
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(stopped.withLock { $0 }, "the worker did not stop within 30 s of its cancellation")
            #expect(try await queue.counts()["stuck"] == [.queued: 1])
            // The abandoned handler, answered at last, finds its lease gone: the job stays queued.
            for continuation in stuck.withLock({ $0 }) { continuation.resume() }
            try await Task.sleep(for: .milliseconds(200))
            #expect(try await queue.counts()["stuck"] == [.queued: 1])
        }
    }

    @Test("two runs of one job in one worker (its lease lapsed and it claimed the job again) are both tracked")
    func sameJobTwice() async throws {
        // given: one job started twice, the first run ending before the second
        let running = RunningJobs()
        let (first, endFirst) = AsyncStream.makeStream(of: Void.self)
        let (second, endSecond) = AsyncStream.makeStream(of: Void.self)
        running.start(7) { for await _ in first {} }
        running.start(7) { for await _ in second {} }
        #expect(running.count == 2)

        // when: the first run ends
        endFirst.finish()
        while running.count > 1 { try await Task.sleep(for: .milliseconds(10)) }

        // then: the second is still there for shutdown to cancel and wait for
        #expect(running.jobIDs == [7])
        endSecond.finish()
        while running.count > 0 { try await Task.sleep(for: .milliseconds(10)) }
    }

    @Test(
        "a recurring job wakes the idle worker when it queues, instead of waiting for the idle cap",
        .timeLimit(.minutes(3)))
    func recurringJobWakesTheWorker() async throws {
        try await withMigrated(.sqlite) { database in
            // given: a worker that would sleep an hour when idle and a schedule, on one hand-moved clock.
            // What the worker does arrives in order on `events`: it reads the clock to claim a job and,
            // finding none, to size its sleep; it logs "job done" once a job's outcome is recorded.
            let clock = ManualClock(Self.start)
            let (events, event) = AsyncStream.makeStream(of: WorkerEvent.self)
            let queue = JobQueue(database: database)
            let ran = Mutex(0)
            let worker = JobWorker(
                queue: queue, handlers: [SyncJob.Kind.checkInvitations.rawValue: { _ in ran.withLock { $0 += 1 } }],
                idleCap: 3_600,
                now: {
                    event.yield(.clockRead)
                    return clock.now
                },
                logger: Logger(label: "job-worker-test") { _ in JobDoneSignal(event: event) })
            let schedule = RecurringJob(
                queue: queue, job: .checkInvitations, interval: 0.2, wake: worker.wake, now: { clock.now })

            // when: three times, once the worker has found nothing to claim and gone to sleep, the schedule
            // queues the job; the clock moves on by the interval once the job is done
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await worker.run() }
                var next = events.makeAsyncIterator()
                for _ in 0..<3 {
                    for _ in 0..<2 { #expect(await next.next() == .clockRead) }
                    let queued = try await schedule.schedule()
                    #expect(queued != nil)
                    while let seen = await next.next(), seen != .jobDone {}
                    clock.advance(by: 0.2)
                }
                tasks.cancelAll()
            }

            // then: three runs; an unwoken worker would still be in its hour's sleep (and the time limit fail it)
            #expect(ran.withLock { $0 } == 3)
        }
    }

    @Test(
        "the recurring erasure job erases the ciphertext of funnel tokens past their lifetime, and only theirs",
        arguments: TestBackend.available)
    func erasesFunnelTokens(backend: TestBackend) async throws {
        try await withMigrated(backend) { database in
            // given: a user's funnel token whose hour is over, and one saved half an hour later, still usable
            let keys = try KeyRing(base64Keys: [SecretBox.generateKey()])
            _ = try await SealedKeyRecord.claim(keys, database: database)
            let userID = try await database.withConnection { connection in
                try await connection.raw(
                    """
                    INSERT INTO users (email, password_hash, created_at) VALUES ('a@example.com', 'x', \(bind: Self.start))
                    RETURNING id
                    """
                ).first()!.decode(column: "id", as: Int64.self)
            }
            let tokens = FunnelTokenStore(database: database, keys: keys)
            let over = try await tokens.save(
                userID: userID, token: "4fbd6016-439d-4cef-a72e-5c465f8343d4", masked: "4fbd…43d4",
                provenAccounts: ["123"], now: Self.start, lifetime: 3_600)
            let live = try await tokens.save(
                userID: userID, token: "9c0e4a52-1b7f-4d0e-8f59-2a6b1d3c7e90", masked: "9c0e…7e90",
                provenAccounts: ["456"], now: Self.start.addingTimeInterval(1_800), lifetime: 3_600)
            let later = Self.start.addingTimeInterval(3_601)
            let engine = SyncEngine(
                database: database,
                reporter: ReporterClient(
                    baseURL: URL(string: "http://127.0.0.1:9")!, transport: .asyncHTTPClient(.shared)),
                service: ServiceIdentity(database: database, keys: keys, configuredToken: nil),
                settings: SyncSettings(), archive: nil, now: { later }, logger: TestLogging.logger)
            let services = buildWorkers(
                database: database, keys: keys, engine: engine, now: { later }, logger: TestLogging.logger)
            let worker = try #require(services.compactMap { $0 as? JobWorker }.first)
            let schedule = try #require(services.compactMap { $0 as? RecurringJob }.first)

            // when: the schedule queues the job (once) and the worker runs it through the real handler
            #expect(try await schedule.schedule() != nil)
            #expect(try await schedule.schedule() == nil)
            #expect(try await worker.runNext())

            // then: the stored row of the token past its lifetime has no ciphertext and says when it was
            // erased; the other keeps its ciphertext and still opens
            let rows = try await database.withConnection { connection in
                try await connection.raw("SELECT id, key_id, ciphertext, erased_at FROM funnel_tokens ORDER BY id")
                    .all().map { row in
                        (
                            id: try row.decode(column: "id", as: Int64.self),
                            keyID: try row.decode(column: "key_id", as: String?.self),
                            ciphertext: try row.decode(column: "ciphertext", as: Data?.self),
                            erasedAt: try row.decode(column: "erased_at", as: Date?.self)
                        )
                    }
            }
            #expect(rows.map(\.id) == [over.id, live.id])
            #expect(rows[0].ciphertext == nil)
            #expect(rows[0].keyID == nil)
            #expect(rows[0].erasedAt == later)
            #expect(rows[1].ciphertext?.isEmpty == false)
            #expect(rows[1].keyID != nil)
            #expect(rows[1].erasedAt == nil)
            #expect(
                try await tokens.reveal(id: live.id, userID: userID, now: later)
                    == "9c0e4a52-1b7f-4d0e-8f59-2a6b1d3c7e90")
            let erasures = try await AuditLog(database: database).events(userID: userID)
                .filter { $0.action == "funnel_token_erased" }
            #expect(erasures.map(\.detail) == ["token 4fbd…43d4 erased; it proved accounts 123"])
            #expect(try await JobQueue(database: database).counts()["erase_funnel_tokens"] == [.done: 1])
        }
    }

    /// How a running job stops being its worker's.
    enum LeaseLoss: String, Sendable, CaseIterable {
        /// Its lease lapsed and another worker claimed it.
        case takenOver
        /// Its account's jobs were cancelled (the account was revoked).
        case cancelled
    }

    @Test(
        "a worker that loses its lease mid-job cancels the handler and records nothing",
        arguments: TestBackend.available, LeaseLoss.allCases)
    func leaseLost(backend: TestBackend, loss: LeaseLoss) async throws {
        try await withMigrated(backend) { database in
            // given: an account's job, claimed by a worker whose handler runs until it is cancelled (10 s at
            // most). Its clock stands still, as a stalled worker's would; its lease of 0.3 s is renewed every
            // 0.1 s of real time, so the renewal notices the loss within a tenth of a second.
            let queue = JobQueue(database: database)
            let account = try await StoreAccountStore(database: database).register(
                number: "123", name: "Acme", vendors: ["9"], now: Self.start)
            try await queue.enqueue(
                SyncJob.syncAccount("123"), storeAccountID: account.id, runAfter: Self.start, now: Self.start)
            let (started, starting) = AsyncStream.makeStream(of: Void.self)
            let ending = Mutex<String?>(nil)
            let lease: TimeInterval = 0.3
            let stalled = JobWorker(
                queue: queue,
                handlers: [
                    SyncJob.Kind.syncAccount.rawValue: { _ in
                        starting.yield()
                        do {
                            // Long enough that a takeover delayed by a loaded machine still comes first.
                            try await Task.sleep(for: .seconds(60))
                            ending.withLock { $0 = "finished" }
                        } catch {
                            ending.withLock { $0 = "cancelled" }
                            throw error
                        }
                    }
                ], owner: "stalled", lease: lease, now: { Self.start }, logger: TestLogging.logger)
            async let ran = stalled.runNext()
            var handlerStarted = started.makeAsyncIterator()
            await handlerStarted.next()

            // when: another worker, past the lease, takes the job over and finishes it; or the job is cancelled
            let later = Self.start.addingTimeInterval(lease + 1)
            switch loss {
            case .takenOver:
                let other = JobWorker(
                    queue: queue, handlers: [SyncJob.Kind.syncAccount.rawValue: { _ in }], owner: "other",
                    now: { later }, logger: TestLogging.logger)
                // On PostgreSQL a claim skips a row locked by the stalled worker's renewal at that moment
                // (`SKIP LOCKED`); a real worker claims it at its next poll, so does this one.
                var claimed = false
                for _ in 0..<200 where !claimed {
                    claimed = try await other.runNext()
                    if !claimed { try await Task.sleep(for: .milliseconds(5)) }
                }
                #expect(claimed)
            case .cancelled:
                #expect(try await queue.cancel(storeAccountID: account.id, now: later) == 1)
            }

            // then: the stalled worker's handler is cancelled at its next renewal, long before its 60 s
            let waiting = ContinuousClock.now
            #expect(try await ran)
            // (well before the handler's 60 s: a loaded machine, both databases' suites at once, has
            // taken 7.7 s to get there, so the bound only tells cancelled from finished)
            #expect(ContinuousClock.now - waiting < .seconds(30))
            #expect(ending.withLock { $0 } == "cancelled")
            // and the job is as the other worker or the cancellation left it: no failure, release or retry
            let job = try await database.withConnection { connection in
                try await connection.raw("SELECT state, attempts, lease_owner, last_error FROM jobs").all().map { row in
                    (
                        state: try row.decode(column: "state", as: String.self),
                        attempts: try row.decode(column: "attempts", as: Int.self),
                        owner: try row.decode(column: "lease_owner", as: String?.self),
                        error: try row.decode(column: "last_error", as: String?.self)
                    )
                }
            }
            #expect(job.count == 1)
            #expect(job.first?.state == (loss == .takenOver ? "done" : "cancelled"))
            #expect(job.first?.attempts == (loss == .takenOver ? 2 : 1))
            #expect(job.first?.owner == nil)
            #expect(job.first?.error == nil)
        }
    }
}

/// What the worker under test did, in order.
private enum WorkerEvent: Equatable {
    /// It read the injected clock.
    case clockRead
    /// It logged "job done": the job's outcome is recorded, so the schedule may queue the next one
    /// (a job still running would be de-duplicated).
    case jobDone
}

/// Passes the worker's "job done" log lines on as ``WorkerEvent/jobDone``.
private struct JobDoneSignal: LogHandler {
    let event: AsyncStream<WorkerEvent>.Continuation
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        if event.message.description == "job done" { self.event.yield(.jobDone) }
    }
}
