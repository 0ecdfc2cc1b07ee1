package import Foundation
package import SQLKit

/// The persisted job queue (docs/JOBS.md), the same code on SQLite and PostgreSQL.
///
/// A job is claimed with a lease and a lease token; every later write by its worker (renew,
/// complete, fail, release) names the token and is refused once the lease has passed to another
/// worker or the job was cancelled, so a worker that stalled past its lease cannot overwrite the
/// newer run's outcome. PostgreSQL claims with `FOR UPDATE SKIP LOCKED`, so any number of workers
/// share one queue; SQLite claims inside its single-writer transaction.
package struct JobQueue: Sendable {
    package enum State: String, Sendable, CaseIterable {
        case queued, running, done, dead, cancelled
    }

    /// A claimed job, as its worker holds it.
    package struct Job: Sendable, Equatable {
        package var id: Int64
        package var kind: String
        package var payload: String
        package var storeAccountID: Int64?
        /// Runs so far, this one included.
        package var attempts: Int
        package var maxAttempts: Int
        package var leaseToken: String
    }

    /// The worker's lease on a job has passed to another worker, or the job was cancelled: the
    /// worker must stop and write nothing more.
    package struct LeaseLost: Error, Sendable, Equatable, CustomStringConvertible {
        package var jobID: Int64
        package var description: String { "job \(jobID) is no longer this worker's (lease lapsed or job cancelled)" }
    }

    /// How long a failed job waits before its next attempt.
    package struct Backoff: Sendable {
        package var base: TimeInterval = 30
        package var cap: TimeInterval = 3_600
        /// A number in 0..<1 (injected in tests).
        package var random: @Sendable () -> Double = { Double.random(in: 0..<1) }

        package init(
            base: TimeInterval = 30, cap: TimeInterval = 3_600,
            random: @escaping @Sendable () -> Double = {
                Double.random(in: 0..<1)
            }
        ) {
            self.base = base
            self.cap = cap
            self.random = random
        }

        /// Exponential with equal jitter: half the step, plus up to the other half at random.
        package func delay(afterAttempt attempt: Int) -> TimeInterval {
            let step = min(cap, base * pow(2, Double(max(0, attempt - 1))))
            return step / 2 + step / 2 * random()
        }
    }

    let database: OrchardDatabase
    let backoff: Backoff

    package init(database: OrchardDatabase, backoff: Backoff = Backoff()) {
        self.database = database
        self.backoff = backoff
    }

    /// Queues a job; `nil` when a job with the same de-duplication key is already queued or running.
    @discardableResult
    package func enqueue(
        _ job: some QueueableJob, storeAccountID: Int64? = nil, runAfter: Date, maxAttempts: Int = 8, now: Date
    ) async throws -> Int64? {
        try await database.withTransaction { connection in
            try await Self.enqueue(
                job, storeAccountID: storeAccountID, runAfter: runAfter, maxAttempts: maxAttempts, now: now,
                on: connection)
        }
    }

    /// Queues a job in the caller's transaction: it exists exactly when what asked for it was
    /// committed (an event recorded with the change it tells of).
    @discardableResult
    package static func enqueue(
        _ job: some QueueableJob, storeAccountID: Int64? = nil, runAfter: Date, maxAttempts: Int = 8, now: Date,
        on connection: any SQLDatabase
    ) async throws -> Int64? {
        let (kind, payload, dedupeKey) = (job.kind, job.payload, job.dedupeKey)
        return try await connection.raw(
            """
            INSERT INTO jobs (kind, payload, dedupe_key, store_account_id, run_after, max_attempts, created_at,
                updated_at)
            VALUES (\(bind: kind), \(bind: payload), \(bind: dedupeKey), \(bind: storeAccountID), \(bind: runAfter),
                \(bind: maxAttempts), \(bind: now), \(bind: now))
            ON CONFLICT DO NOTHING
            RETURNING id
            """
        ).first()?.decode(column: "id", as: Int64.self)
    }

    /// Queues `job` to run now: a copy queued for later (a recurring job's next run) is moved to
    /// now instead. `true` when it was queued or moved, `false` when it is due or running already.
    @discardableResult
    package func enqueueNow(_ job: some QueueableJob, now: Date) async throws -> Bool {
        if try await enqueue(job, runAfter: now, now: now) != nil { return true }
        return try await database.withWriter { connection in
            try await connection.raw(
                """
                UPDATE jobs SET run_after = \(bind: now), updated_at = \(bind: now)
                WHERE kind = \(bind: job.kind) AND dedupe_key = \(bind: job.dedupeKey) AND state = 'queued'
                  AND run_after > \(bind: now)
                RETURNING id
                """
            ).first() != nil
        }
    }

    /// Claims a running job whose lease lapsed, else the queued job due first, for `owner`, for
    /// `lease`; `nil` when none is due. A job whose lease lapsed as often as it may run
    /// is parked as dead instead.
    package func claim(owner: String, lease: TimeInterval, now: Date) async throws -> Job? {
        let token = UUID().uuidString
        let backend = database.backend
        return try await database.withTransaction { connection in
            try await connection.raw(
                """
                UPDATE jobs SET state = 'dead', lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL,
                    last_error = 'the worker running it stopped before it finished, every attempt', updated_at = \(bind: now)
                WHERE state = 'running' AND lease_expires_at < \(bind: now) AND attempts >= max_attempts
                """
            ).run()
            // Two picks, each along its own index: a job whose worker stopped (lease lapsed), then
            // the earliest due queued job. One `OR` made SQLite sort every due job at each claim.
            let picks: [SQLQueryString] = [
                """
                SELECT id FROM jobs WHERE state = 'running' AND lease_expires_at < \(bind: now)
                ORDER BY lease_expires_at, id LIMIT 1
                """,
                """
                SELECT id FROM jobs WHERE state = 'queued' AND run_after <= \(bind: now)
                ORDER BY run_after, id LIMIT 1
                """,
            ]
            var claimed: (any SQLRow)?
            for due in picks where claimed == nil {
                let pick: SQLQueryString = backend == .postgres ? due + " FOR UPDATE SKIP LOCKED" : due
                claimed = try await connection.raw(
                    """
                    UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_owner = \(bind: owner),
                        lease_token = \(bind: token), lease_expires_at = \(bind: now.addingTimeInterval(lease)),
                        updated_at = \(bind: now)
                    WHERE id = (
                    """ + pick + ") RETURNING id, kind, payload, store_account_id, attempts, max_attempts"
                ).first()
            }
            guard let row = claimed else { return nil }
            return Job(
                id: try row.decode(column: "id", as: Int64.self), kind: try row.decode(column: "kind", as: String.self),
                payload: try row.decode(column: "payload", as: String.self),
                storeAccountID: try row.decode(column: "store_account_id", as: Int64?.self),
                attempts: try row.decode(column: "attempts", as: Int.self),
                maxAttempts: try row.decode(column: "max_attempts", as: Int.self), leaseToken: token)
        }
    }

    /// Extends the lease while the job runs.
    package func renew(_ job: Job, lease: TimeInterval, now: Date) async throws {
        try await fenced(job) {
            "lease_expires_at = \(bind: now.addingTimeInterval(lease)), updated_at = \(bind: now)"
        }
    }

    /// Marks the job done.
    package func complete(_ job: Job, now: Date) async throws {
        try await fenced(job) {
            """
            state = 'done', lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL, last_error = NULL,
            updated_at = \(bind: now)
            """
        }
    }

    /// Records a failed attempt: queued again after the backoff (or Apple's `Retry-After`), or dead
    /// after its last attempt, keeping `error`. A `permanent` failure is dead at once.
    package func fail(_ job: Job, error: String, retryAfter: TimeInterval? = nil, permanent: Bool = false, now: Date)
        async throws
    {
        if permanent || job.attempts >= job.maxAttempts {
            try await fenced(job) {
                """
                state = 'dead', lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL,
                last_error = \(bind: error), updated_at = \(bind: now)
                """
            }
        } else {
            let delay = max(retryAfter ?? 0, backoff.delay(afterAttempt: job.attempts))
            try await fenced(job) {
                """
                state = 'queued', run_after = \(bind: now.addingTimeInterval(delay)), lease_owner = NULL,
                lease_token = NULL, lease_expires_at = NULL, last_error = \(bind: error), updated_at = \(bind: now)
                """
            }
        }
    }

    /// Gives the job back without counting the attempt (a worker shutting down).
    package func release(_ job: Job, now: Date) async throws {
        try await fenced(job) {
            """
            state = 'queued', attempts = attempts - 1, run_after = \(bind: now), lease_owner = NULL,
            lease_token = NULL, lease_expires_at = NULL, updated_at = \(bind: now)
            """
        }
    }

    /// Gives back every job `owner` still holds, without counting their attempts: a worker whose
    /// handlers did not stop in time at shutdown. A handler that records its outcome afterwards finds
    /// its lease gone (``LeaseLost``). Returns the ids released.
    package func releaseAll(owner: String, now: Date) async throws -> [Int64] {
        try await database.withTransaction { connection in
            try await connection.raw(
                """
                UPDATE jobs SET state = 'queued', attempts = attempts - 1, run_after = \(bind: now), lease_owner = NULL,
                    lease_token = NULL, lease_expires_at = NULL, updated_at = \(bind: now)
                WHERE state = 'running' AND lease_owner = \(bind: owner) RETURNING id
                """
            ).all().map { try $0.decode(column: "id", as: Int64.self) }
        }
    }

    /// Puts the job back until `until` without counting the attempt: it could not run for a reason
    /// outside it (the service token is refused, Apple has not published the report yet).
    package func postpone(_ job: Job, until: Date, reason: String, now: Date) async throws {
        try await fenced(job) {
            """
            state = 'queued', attempts = attempts - 1, run_after = \(bind: until), lease_owner = NULL,
            lease_token = NULL, lease_expires_at = NULL, last_error = \(bind: reason), updated_at = \(bind: now)
            """
        }
    }

    /// Cancels every queued or running job of a store account; returns how many.
    @discardableResult
    package func cancel(storeAccountID: Int64, now: Date) async throws -> Int {
        try await database.withTransaction { connection in
            try await connection.raw(
                """
                UPDATE jobs SET state = 'cancelled', lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL,
                    updated_at = \(bind: now)
                WHERE store_account_id = \(bind: storeAccountID) AND state IN ('queued', 'running')
                RETURNING id
                """
            ).all().count
        }
    }

    /// When the next job falls due (a queued job's time, or a running job's lease end), for an
    /// idle worker's sleep; `nil` when the queue is empty.
    package func nextDue() async throws -> Date? {
        try await database.withConnection { connection in
            let rows = try await connection.raw(
                """
                SELECT MIN(run_after) AS due FROM jobs WHERE state = 'queued'
                UNION ALL SELECT MIN(lease_expires_at) AS due FROM jobs WHERE state = 'running'
                """
            ).all()
            return try rows.compactMap { try $0.decode(column: "due", as: Date?.self) }.min()
        }
    }

    /// The number of jobs per kind and state.
    package func counts() async throws -> [String: [State: Int]] {
        try await database.withConnection { connection in
            var result: [String: [State: Int]] = [:]
            for row in try await connection.raw(
                "SELECT kind, state, COUNT(*) AS n FROM jobs GROUP BY kind, state"
            ).all() {
                let name = try row.decode(column: "state", as: String.self)
                guard let state = State(rawValue: name) else {
                    throw StoredValueError(column: "jobs.state", value: name)
                }
                result[try row.decode(column: "kind", as: String.self), default: [:]][state] =
                    try row.decode(column: "n", as: Int.self)
            }
            return result
        }
    }

    /// A job that used all its attempts, as the operator page lists it.
    package struct DeadJob: Sendable, Equatable {
        package var id: Int64
        package var kind: String
        package var accountNumber: String?
        package var attempts: Int
        package var lastError: String?
        package var updatedAt: Date
    }

    /// The most recent dead jobs, newest first.
    package func dead(limit: Int = 100) async throws -> [DeadJob] {
        try await troubled("jobs.state = 'dead'", limit: limit)
    }

    /// Queued jobs whose last attempt failed (they wait for their next attempt), newest first.
    package func retrying(limit: Int = 100) async throws -> [DeadJob] {
        try await troubled("jobs.state = 'queued' AND jobs.last_error IS NOT NULL", limit: limit)
    }

    private func troubled(_ condition: SQLQueryString, limit: Int) async throws -> [DeadJob] {
        try await database.withConnection { connection in
            try await connection.raw(
                """
                SELECT jobs.id, jobs.kind, store_accounts.number, jobs.attempts, jobs.last_error, jobs.updated_at
                FROM jobs LEFT JOIN store_accounts ON store_accounts.id = jobs.store_account_id
                WHERE
                """ + " " + condition + " ORDER BY jobs.updated_at DESC, jobs.id DESC LIMIT \(bind: limit)"
            ).all().map { row in
                DeadJob(
                    id: try row.decode(column: "id", as: Int64.self),
                    kind: try row.decode(column: "kind", as: String.self),
                    accountNumber: try row.decode(column: "number", as: String?.self),
                    attempts: try row.decode(column: "attempts", as: Int.self),
                    lastError: try row.decode(column: "last_error", as: String?.self),
                    updatedAt: try row.decode(column: "updated_at", as: Date.self))
            }
        }
    }

    /// What retrying a dead job came to.
    package enum RetryOutcome: Sendable, Equatable {
        case queued
        /// The same work is queued or running already (its de-duplication key): nothing to do.
        case alreadyQueued
        case notDead
    }

    /// Queues a dead job again now, with its attempts counted afresh.
    package func retry(id: Int64, now: Date) async throws -> RetryOutcome {
        try await database.withTransaction { connection in
            guard
                let row = try await connection.raw(
                    "SELECT dedupe_key FROM jobs WHERE id = \(bind: id) AND state = 'dead'"
                ).first()
            else { return .notDead }
            if let key = try row.decode(column: "dedupe_key", as: String?.self),
                try await connection.raw(
                    "SELECT 1 AS x FROM jobs WHERE dedupe_key = \(bind: key) AND state IN ('queued', 'running')"
                ).first() != nil
            {
                return .alreadyQueued
            }
            try await connection.raw(
                """
                UPDATE jobs SET state = 'queued', attempts = 0, run_after = \(bind: now), updated_at = \(bind: now)
                WHERE id = \(bind: id) AND state = 'dead'
                """
            ).run()
            return .queued
        }
    }

    /// Runs `UPDATE jobs SET <set> WHERE` the job is still this worker's.
    private func fenced(_ job: Job, _ set: () -> SQLQueryString) async throws {
        let assignments = set()
        let updated = try await database.withTransaction { connection in
            try await connection.raw(
                "UPDATE jobs SET " + assignments
                    + " WHERE id = \(bind: job.id) AND lease_token = \(bind: job.leaseToken) AND state = 'running' RETURNING id"
            ).first()
        }
        guard updated != nil else { throw LeaseLost(jobID: job.id) }
    }
}

/// A job as its producer describes it: the queue stores its kind, its payload and its
/// de-duplication key, all derived from one value (OrchardSync's `SyncJob`).
package protocol QueueableJob: Sendable {
    /// What runs it, as stored in `jobs.kind`.
    var kind: String { get }
    /// Its parameters, as stored in `jobs.payload` (JSON).
    var payload: String { get }
    /// While a job with this key is queued or running, the same job is not queued again.
    var dedupeKey: String? { get }
}
