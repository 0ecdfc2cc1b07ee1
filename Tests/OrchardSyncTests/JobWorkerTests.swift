import AppStoreConnect
import AsyncHTTPClient
import Foundation
import Logging
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
        "a recurring job wakes the idle worker when it queues, instead of waiting for the idle cap",
        .timeLimit(.minutes(1)))
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

    @Test("the recurring erasure job erases funnel tokens past their lifetime", arguments: TestBackend.available)
    func erasesFunnelTokens(backend: TestBackend) async throws {
        try await withMigrated(backend) { database in
            // given: a user's funnel token whose hour is over
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
            let record = try await tokens.save(
                userID: userID, token: "4fbd6016-439d-4cef-a72e-5c465f8343d4", masked: "4fbd…43d4",
                provenAccounts: ["123"], now: Self.start, lifetime: 3_600)
            let later = Self.start.addingTimeInterval(3_601)
            let engine = SyncEngine(
                database: database,
                reporter: ReporterClient(
                    baseURL: URL(string: "http://127.0.0.1:9")!, transport: .asyncHTTPClient(.shared)),
                service: ServiceIdentity(database: database, keys: keys, configuredToken: nil),
                settings: SyncSettings(), rawStore: nil, now: { later }, logger: TestLogging.logger)
            let services = buildWorkers(
                database: database, keys: keys, engine: engine, now: { later }, logger: TestLogging.logger)
            let worker = try #require(services.compactMap { $0 as? JobWorker }.first)
            let schedule = try #require(services.compactMap { $0 as? RecurringJob }.first)

            // when
            #expect(try await schedule.schedule() != nil)
            #expect(try await schedule.schedule() == nil)
            #expect(try await worker.runNext())

            // then
            #expect(try await tokens.reveal(id: record.id, userID: userID, now: later) == nil)
            #expect(try await JobQueue(database: database).counts()["erase_funnel_tokens"] == [.done: 1])
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
