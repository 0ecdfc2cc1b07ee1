package import Foundation
package import Logging
import Metrics
package import OrchardStorage
package import ServiceLifecycle

/// Assembles the worker role: the job worker with a handler per job kind, and the schedules of
/// recurring jobs. `orchard worker` runs these alone; `orchard serve` beside the HTTP server.
package func buildWorkers(
    database: OrchardDatabase, keys: KeyRing, engine: SyncEngine, now: @escaping @Sendable () -> Date = { Date() },
    logger: Logger
) -> [any Service] {
    let queue = JobQueue(database: database, backoff: .init(base: engine.settings.jobRetryBase))
    let worker = JobWorker(
        queue: queue,
        handlers: syncHandlers(database: database, keys: keys, engine: engine, now: now, logger: logger),
        lease: engine.settings.jobLease, concurrency: engine.settings.concurrency, now: now, logger: logger)
    // The schedules wake this process's worker when they queue a job: asleep until its idle cap, it
    // would run an invitation check every 30 s however often it is queued.
    return [
        worker,
        RecurringJob(queue: queue, kind: .eraseFunnelTokens, interval: 60, wake: worker.wake, now: now),
        RecurringJob(
            queue: queue, kind: .checkInvitations, interval: engine.settings.invitationCheckInterval,
            wake: worker.wake, now: now),
    ]
}

/// The handler of each job kind.
package func syncHandlers(
    database: OrchardDatabase, keys: KeyRing, engine: SyncEngine, now: @escaping @Sendable () -> Date, logger: Logger
) -> [String: JobWorker.Handler] {
    let funnelTokens = FunnelTokenStore(database: database, keys: keys)
    let accounts = StoreAccountStore(database: database)
    /// Runs an account's job, keeping its last error on the account for the dashboard.
    func forAccount(_ body: @escaping @Sendable (SyncEngine, String) async throws -> Void) -> JobWorker.Handler {
        { @Sendable job in
            let number = try AccountJob.decode(job.payload).account
            do {
                try await body(engine, number)
            } catch let error where !(error is JobPostponed) && !(error is CancellationError) {
                try? await accounts.recordSyncError(number: number, String(describing: error))
                throw error
            }
        }
    }
    let handlers: [SyncJobKind: JobWorker.Handler] = [
        .eraseFunnelTokens: { _ in
            let erased = try await funnelTokens.eraseExpired(now: now())
            if erased > 0 { logger.info("erased funnel tokens past their lifetime", metadata: ["count": "\(erased)"]) }
        },
        .checkInvitations: { _ in try await engine.checkInvitations() },
        .backfillAccount: forAccount { try await $0.backfill(accountNumber: $1) },
        .syncAccount: forAccount { try await $0.syncAccount(accountNumber: $1) },
        .purgeAccount: forAccount { try await $0.purge(accountNumber: $1) },
        .syncReport: { job in
            try await engine.syncReport(try JSONDecoder().decode(ReportJob.self, from: Data(job.payload.utf8)))
        },
    ]
    return Dictionary(
        uniqueKeysWithValues: handlers.map { kind, handler in
            (
                kind.rawValue,
                { @Sendable job in
                    let started = ContinuousClock.now
                    var outcome = "done"
                    defer {
                        Metrics.Timer(
                            label: "orchard_job_duration_seconds",
                            dimensions: [("kind", kind.rawValue), ("outcome", outcome)]
                        )
                        .recordNanoseconds((ContinuousClock.now - started).nanoseconds)
                    }
                    do {
                        try await handler(job)
                    } catch {
                        outcome = error is JobPostponed ? "postponed" : "failed"
                        throw error
                    }
                }
            )
        })
}

/// The payload of an account's job.
package struct AccountJob: Codable, Sendable {
    package var account: String

    package init(account: String) {
        self.account = account
    }

    package var json: String { jobPayload(self) }

    static func decode(_ payload: String) throws -> AccountJob {
        try JSONDecoder().decode(AccountJob.self, from: Data(payload.utf8))
    }
}

/// A job's payload as stored in `jobs.payload`.
func jobPayload(_ value: some Encodable) -> String {
    String(decoding: (try? JSONEncoder().encode(value)) ?? Data("{}".utf8), as: UTF8.self)
}

extension Duration {
    var nanoseconds: Int64 {
        components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000
    }
}
