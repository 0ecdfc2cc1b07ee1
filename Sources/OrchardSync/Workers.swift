package import Foundation
package import Logging
package import OrchardStorage
package import ServiceLifecycle

/// Assembles the worker role: the job worker with a handler per job kind, and the schedules of
/// recurring jobs. `orchard worker` runs these alone; `orchard serve` beside the HTTP server.
package func buildWorkers(
    database: OrchardDatabase, keys: KeyRing, now: @escaping @Sendable () -> Date = { Date() }, logger: Logger
) -> [any Service] {
    let queue = JobQueue(database: database)
    let funnelTokens = FunnelTokenStore(database: database, keys: keys)
    let handlers: [String: JobWorker.Handler] = [
        SyncJobKind.eraseFunnelTokens.rawValue: { _ in
            let erased = try await funnelTokens.eraseExpired(now: now())
            if erased > 0 { logger.info("erased funnel tokens past their lifetime", metadata: ["count": "\(erased)"]) }
        }
    ]
    return [
        JobWorker(queue: queue, handlers: handlers, now: now, logger: logger),
        RecurringJob(queue: queue, kind: .eraseFunnelTokens, interval: 60, now: now),
    ]
}
