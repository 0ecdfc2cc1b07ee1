import Synchronization

/// A value read at most once per `maxAge`: what every page shows but rarely changes (the service
/// identity's health), so a busy server does not read it again for each request. A change made
/// elsewhere shows within `maxAge`; a failed read is not kept.
package final class RecentValue<Value: Sendable>: Sendable {
    private let maxAge: Duration
    private let read: @Sendable () async throws -> Value
    private let clock: @Sendable () -> ContinuousClock.Instant
    private let kept = Mutex<(at: ContinuousClock.Instant, value: Value)?>(nil)

    package init(
        maxAge: Duration, clock: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now },
        read: @escaping @Sendable () async throws -> Value
    ) {
        self.maxAge = maxAge
        self.clock = clock
        self.read = read
    }

    /// The kept value while it is younger than `maxAge`, else a new reading (requests that find it
    /// stale at the same moment each read; the newest reading is kept).
    package func value() async throws -> Value {
        let now = clock()
        if let kept = kept.withLock({ $0 }), now - kept.at < maxAge { return kept.value }
        let value = try await read()
        kept.withLock { current in
            if current.map({ $0.at <= now }) ?? true { current = (now, value) }
        }
        return value
    }
}
