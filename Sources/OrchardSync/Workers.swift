package import Foundation
package import Logging
import Metrics
package import OrchardStorage
package import ServiceLifecycle

/// Assembles the worker role: the job worker with a handler per job kind, and the schedules of
/// recurring jobs. `orchard worker` runs these alone; `orchard serve` beside the HTTP server.
///
/// `extraHandlers` and `extraRecurring` add other targets' jobs (OrchardApp's notifications) to the
/// same worker and queue; `rates`, when given, is fetched every hour (`refresh_fx_rates`).
package func buildWorkers(
    database: OrchardDatabase, keys: KeyRing, engine: SyncEngine, now: @escaping @Sendable () -> Date = { Date() },
    extraHandlers: [String: JobWorker.Handler] = [:],
    extraRecurring: [(job: any QueueableJob, interval: TimeInterval)] = [], rates: ExchangeRateFeed? = nil,
    logger: Logger
) -> [any Service] {
    let queue = JobQueue(database: database, backoff: .init(base: engine.settings.jobRetryBase))
    let worker = JobWorker(
        queue: queue,
        handlers: syncHandlers(database: database, keys: keys, engine: engine, rates: rates, now: now, logger: logger)
            .merging(extraHandlers) { sync, _ in sync },
        lease: engine.settings.jobLease, concurrency: engine.settings.concurrency, now: now, logger: logger)
    // The schedules wake this process's worker when they queue a job: asleep until its idle cap, it
    // would run an invitation check every 30 s however often it is queued.
    return [
        worker,
        RecurringJob(queue: queue, job: .eraseFunnelTokens, interval: 60, wake: worker.wake, now: now),
        RecurringJob(
            queue: queue, job: .checkInvitations, interval: engine.settings.invitationCheckInterval,
            wake: worker.wake, now: now),
    ]
        // The ECB publishes once a business day: an hourly look finds it within the hour.
        + (rates == nil
            ? [] : [RecurringJob(queue: queue, job: .refreshRates, interval: 3_600, wake: worker.wake, now: now)])
        + extraRecurring.map {
            RecurringJob(queue: queue, queueing: $0.job, interval: $0.interval, wake: worker.wake, now: now)
        }
}

/// The handler of each job kind: the stored job is read back as a ``SyncJob`` (strictly) and run.
package func syncHandlers(
    database: OrchardDatabase, keys: KeyRing, engine: SyncEngine, rates: ExchangeRateFeed? = nil,
    now: @escaping @Sendable () -> Date, logger: Logger
) -> [String: JobWorker.Handler] {
    let funnelTokens = FunnelTokenStore(database: database, keys: keys)
    let sessions = SessionStore(database: database)
    let accounts = StoreAccountStore(database: database)
    @Sendable func run(_ job: SyncJob) async throws {
        switch job {
        case .eraseFunnelTokens:
            let erased = try await funnelTokens.eraseExpired(now: now())
            if erased > 0 { logger.info("erased funnel tokens past their lifetime", metadata: ["count": "\(erased)"]) }
            // Expired browser sessions and login tokens go too: a stolen database holds no stale ones.
            let expired = try await sessions.removeExpired(now: now())
            if expired.sessions + expired.tokens > 0 {
                logger.info(
                    "removed expired sessions and login tokens",
                    metadata: ["sessions": "\(expired.sessions)", "tokens": "\(expired.tokens)"])
            }
        case .checkInvitations: try await engine.checkInvitations()
        case .backfillAccount(let number): try await engine.backfill(accountNumber: number)
        case .syncAccount(let number): try await engine.syncAccount(accountNumber: number)
        case .purgeAccount(let number): try await engine.purge(accountNumber: number)
        case .syncReport(let identity): try await engine.syncReport(identity)
        case .syncFinance(let number): try await engine.syncFinance(accountNumber: number)
        case .refreshRates:
            guard let rates else { return }
            do {
                try await rates.refresh()
            } catch let failure as ExchangeRateFeed.Failure {
                // The ECB unreachable or answering oddly is outside Orchard: the next hour asks again.
                throw JobPostponed(until: now().addingTimeInterval(3_600), reason: failure.description)
            }
        }
    }
    return Dictionary(
        uniqueKeysWithValues: SyncJob.Kind.allCases.map { kind in
            (
                kind.rawValue,
                { @Sendable stored in
                    let started = ContinuousClock.now
                    var outcome = "done"
                    defer {
                        Metrics.Timer(
                            label: "orchard_job_duration_seconds",
                            dimensions: [("kind", kind.rawValue), ("outcome", outcome)]
                        )
                        .recordNanoseconds((ContinuousClock.now - started).nanoseconds)
                    }
                    let job = try SyncJob(stored)
                    do {
                        try await run(job)
                    } catch {
                        outcome = error is JobPostponed ? "postponed" : "failed"
                        // An account's daily sync, backfill or purge keeps its last error for the dashboard.
                        if outcome == "failed", !(error is CancellationError), job.jobKind != .syncReport,
                            let number = job.accountNumber
                        {
                            try? await accounts.recordSyncError(number: number, String(describing: error))
                        }
                        throw error
                    }
                }
            )
        })
}

extension Duration {
    var nanoseconds: Int64 {
        components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000
    }
}
