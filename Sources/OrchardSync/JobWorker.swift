package import Foundation
package import Logging
package import OrchardStorage
import ServiceLifecycle
import Synchronization

/// A failure a job handler can describe to the queue: when to try again (Apple's `Retry-After`),
/// or that trying again cannot help.
package protocol JobFailure: Error {
    var retryAfter: TimeInterval? { get }
    var isPermanent: Bool { get }
}

/// A job that could not run for a reason outside it (the service token is refused, Apple has not
/// published the report yet): it waits until `until` without using up an attempt.
package struct JobPostponed: Error, CustomStringConvertible {
    package var until: Date
    package var reason: String

    package init(until: Date, reason: String) {
        self.until = until
        self.reason = reason
    }

    package var description: String { reason }
}

/// Runs queued jobs as a ServiceLifecycle service (docs/JOBS.md): claims jobs due with a
/// lease, up to `concurrency` at once, renews each lease while its handler runs, records the outcome,
/// and sleeps until the next job is due (at most `idleCap`) when there is none, waking early when
/// one of its jobs finishes. On graceful shutdown the running handlers are cancelled and their jobs
/// released to be run again, not counted as failed.
package struct JobWorker: Service {
    package typealias Handler = @Sendable (JobQueue.Job) async throws -> Void

    let queue: JobQueue
    let handlers: [String: Handler]
    /// Who holds a job's lease, as the operator reads it in `jobs.lease_owner`: the host, the process
    /// and a random part (`web-1:4242:1a2b3c4d`), so a job held by a process that died is traced to it.
    static func defaultOwner() -> String {
        "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier):\(UUID().uuidString.prefix(8))"
    }

    let owner: String
    let lease: TimeInterval
    let idleCap: TimeInterval
    let concurrency: Int
    /// How long handlers get to stop at shutdown before their jobs are released without them.
    let shutdownGrace: Double
    let now: @Sendable () -> Date
    let logger: Logger
    let wake = WakeSignal()

    package init(
        queue: JobQueue, handlers: [String: Handler], owner: String = JobWorker.defaultOwner(),
        lease: TimeInterval = 120, idleCap: TimeInterval = 30, concurrency: Int = 1, shutdownGrace: Double = 12,
        now: @escaping @Sendable () -> Date = { Date() }, logger: Logger = Logger(label: "orchard.worker")
    ) {
        self.queue = queue
        self.handlers = handlers
        self.owner = owner
        self.lease = lease
        self.idleCap = idleCap
        self.concurrency = max(1, concurrency)
        self.shutdownGrace = shutdownGrace
        self.now = now
        self.logger = logger
    }

    package func run() async throws {
        logger.info(
            "worker started",
            metadata: ["owner": "\(owner)", "kinds": "\(handlers.keys.sorted())", "concurrency": "\(concurrency)"])
        let running = RunningJobs()
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    // A claim answered after shutdown began is still a claim: it is not
                    // abandoned half-way, and the job is released at once.
                    if running.count < concurrency,
                        let job = try await Self.uncancelled({
                            try await queue.claim(owner: owner, lease: lease, now: now())
                        })
                    {
                        if Task.isCancelled {
                            try? await Self.uncancelled { try await queue.release(job, now: now()) }
                            break
                        }
                        running.start(job.id) {
                            await run(job)
                            wake.signal()
                        }
                        continue
                    }
                    if running.count >= concurrency {
                        await wake.wait(seconds: idleCap)
                        continue
                    }
                    let due = try await queue.nextDue()
                    await wake.wait(
                        seconds: min(idleCap, max(0.05, (due ?? .distantFuture).timeIntervalSince(now()))))
                } catch is CancellationError {
                    break
                } catch {
                    // The database is unreachable or busy: wait, then try again.
                    logger.warning("cannot reach the job queue", metadata: ["error": "\(error)"])
                    await wake.wait(seconds: idleCap)
                }
            }
        }
        await stop(running)
        logger.info("worker stopped", metadata: ["owner": "\(owner)"])
    }

    /// Cancels the running handlers and waits up to ``shutdownGrace`` for each to record its job's
    /// outcome (released, or done when it had finished). A handler stuck on a call that never answers
    /// (a database connection cut during a server restart can leave one unanswered, cancellation
    /// included) does not hold the process: its job is released by owner in one statement, within
    /// a deadline of its own, and the handler is left behind when the process exits.
    private func stop(_ running: RunningJobs) async {
        running.cancelAll()
        let unwound = ContinuousClock.now + .seconds(shutdownGrace)
        while running.count > 0, ContinuousClock.now < unwound {
            try? await Task.sleep(for: .milliseconds(50))
        }
        let stuck = running.jobIDs
        guard !stuck.isEmpty else { return }
        let owner = owner
        let queue = queue
        let now = now
        do {
            try await Deadline.within(shutdownGrace, "releasing the jobs of \(owner)") {
                try await Self.settle { _ = try await queue.releaseAll(owner: owner, now: now()) }
            }
            logger.warning(
                "jobs did not stop in time; released for another worker",
                metadata: ["owner": "\(owner)", "jobs": "\(stuck.sorted())", "seconds": "\(shutdownGrace)"])
        } catch {
            logger.error(
                "jobs did not stop in time and could not be released; their leases run out",
                metadata: ["owner": "\(owner)", "jobs": "\(stuck.sorted())", "error": "\(error)"])
        }
    }

    /// Claims and runs the job due first; `false` when none is due.
    package func runNext() async throws -> Bool {
        guard let job = try await queue.claim(owner: owner, lease: lease, now: now()) else { return false }
        await run(job)
        return true
    }

    private func run(_ job: JobQueue.Job) async {
        let metadata: Logger.Metadata = ["job": "\(job.id)", "kind": "\(job.kind)", "attempt": "\(job.attempts)"]
        guard let handler = handlers[job.kind] else {
            try? await queue.fail(job, error: "no handler for jobs of kind '\(job.kind)'", permanent: true, now: now())
            logger.error("job kind unknown", metadata: metadata)
            return
        }
        do {
            // The handler and the lease's renewal run side by side; losing the lease (taken over, or
            // the account's jobs cancelled) cancels the handler.
            try await withThrowingTaskGroup(of: Bool.self) { group in
                group.addTask {
                    try await handler(job)
                    return true
                }
                group.addTask { try await renewLease(of: job, metadata: metadata) }
                while let finished = try await group.next() {
                    if finished {
                        group.cancelAll()
                        break
                    }
                }
            }
            // The work is done: recorded as done even when shutdown began meanwhile.
            try await Self.settle { try await queue.complete(job, now: now()) }
            logger.debug("job done", metadata: metadata)
        } catch is JobQueue.LeaseLost {
            logger.warning("job taken over or cancelled; its outcome is not recorded", metadata: metadata)
        } catch let postponed as JobPostponed where !Task.isCancelled {
            logger.info(
                "job postponed",
                metadata: metadata.merging(["until": "\(postponed.until)", "reason": "\(postponed.reason)"]) { $1 })
            do {
                try await Self.settle {
                    try await queue.postpone(job, until: postponed.until, reason: postponed.reason, now: now())
                }
            } catch {
                logger.warning("job outcome not recorded", metadata: metadata.merging(["error": "\(error)"]) { $1 })
            }
        } catch  where Task.isCancelled {
            // Shutting down: whatever the handler threw on its way out, the job runs again elsewhere.
            try? await Self.settle { try await queue.release(job, now: now()) }
            logger.info("job released at shutdown", metadata: metadata)
        } catch {
            let failure = error as? any JobFailure
            logger.warning("job failed", metadata: metadata.merging(["error": "\(error)"]) { $1 })
            do {
                let message = String(describing: error)
                try await Self.settle {
                    try await queue.fail(
                        job, error: message, retryAfter: failure?.retryAfter, permanent: failure?.isPermanent ?? false,
                        now: now())
                }
            } catch {
                logger.warning("job outcome not recorded", metadata: metadata.merging(["error": "\(error)"]) { $1 })
            }
        }
    }

    /// Runs `write` outside the current task's cancellation: at shutdown the worker's tasks are
    /// cancelled, and a database call made from one of them is cancelled before it is sent, so the
    /// job would stay `running`, held by a process that is gone, until its lease ran out.
    static func uncancelled<Value: Sendable>(_ write: @escaping @Sendable () async throws -> Value) async throws
        -> Value
    {
        try await Task { try await write() }.value
    }

    /// Records a job's outcome (done, failed, postponed, released): outside cancellation, and tried
    /// up to five times over about 7 s, since the first use of a pooled connection after a database
    /// restart fails, and SQLite's write lock may be held by another process meanwhile. Each write
    /// checks the lease, so a second try never records twice; a lost lease is not tried again.
    static func settle(_ write: @escaping @Sendable () async throws -> Void) async throws {
        try await uncancelled {
            for attempt in 1... {
                do {
                    return try await write()
                } catch let lost as JobQueue.LeaseLost {
                    throw lost
                } catch {
                    if attempt >= 5 { throw error }
                    try? await Task.sleep(for: .milliseconds(250 << (attempt - 1)))
                }
            }
        }
    }

    /// Renews the lease three times per lease until cancelled; throws ``JobQueue/LeaseLost`` when the
    /// job is no longer this worker's. Other errors (a busy or unreachable database) are retried at
    /// the next renewal, while the lease still has two thirds to run.
    private func renewLease(of job: JobQueue.Job, metadata: Logger.Metadata) async throws -> Bool {
        while true {
            try await Task.sleep(for: .seconds(lease / 3))
            do {
                try await queue.renew(job, lease: lease, now: now())
            } catch let lost as JobQueue.LeaseLost {
                throw lost
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                logger.warning(
                    "lease not renewed; trying again", metadata: metadata.merging(["error": "\(error)"]) { $1 })
            }
        }
    }
}

/// Queues a recurring job every `interval` (de-duplicated: skipped while one is queued or running),
/// and wakes `wake`'s worker when it queued one.
package struct RecurringJob: Service {
    let queue: JobQueue
    let job: any QueueableJob
    let interval: TimeInterval
    let wake: WakeSignal?
    let now: @Sendable () -> Date

    package init(
        queue: JobQueue, job: SyncJob, interval: TimeInterval, wake: WakeSignal? = nil,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.init(queue: queue, queueing: job, interval: interval, wake: wake, now: now)
    }

    /// Any target's job (OrchardApp's notification checks).
    package init(
        queue: JobQueue, queueing job: any QueueableJob, interval: TimeInterval, wake: WakeSignal? = nil,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.queue = queue
        self.job = job
        self.interval = interval
        self.wake = wake
        self.now = now
    }

    package func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                _ = try? await schedule()
                try? await Task.sleep(for: .seconds(interval))
            }
        }
    }

    /// Queues the job now, unless one is already queued or running.
    @discardableResult
    package func schedule() async throws -> Int64? {
        let time = now()
        let queued = try await queue.enqueue(job, runAfter: time, now: time)
        if queued != nil { wake?.signal() }
        return queued
    }
}

/// The jobs a worker is running, read by its claim loop and changed by the jobs' tasks.
/// The handlers a worker runs: unstructured tasks, so that one that never returns cannot keep the
/// worker from stopping. Each run has a key of its own: the same job may run twice at once in one
/// worker (its lease lapsed during a database outage and the worker claimed it again while the
/// first run was still recording its outcome).
final class RunningJobs: Sendable {
    private struct State {
        var next = 0
        var runs: [Int: (job: Int64, task: Task<Void, Never>)] = [:]
    }

    private let state = Mutex(State())

    var count: Int { state.withLock { $0.runs.count } }
    var jobIDs: [Int64] { state.withLock { $0.runs.values.map(\.job) } }

    /// Runs `body` for job `id` in a task of its own, forgotten when it returns.
    func start(_ id: Int64, _ body: @escaping @Sendable () async -> Void) {
        state.withLock { state in
            let key = state.next
            state.next += 1
            state.runs[key] = (
                id,
                Task {
                    await body()
                    self.state.withLock { _ = $0.runs.removeValue(forKey: key) }
                }
            )
        }
    }

    func cancelAll() {
        for run in state.withLock({ Array($0.runs.values) }) { run.task.cancel() }
    }
}
