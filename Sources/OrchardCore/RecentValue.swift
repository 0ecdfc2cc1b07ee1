package import Foundation
import Synchronization

/// A value read at most once per `maxAge`: what every page shows but rarely changes (the service
/// identity's health, the newest exchange rate's day), so a busy server does not read it again for
/// each request. A change made elsewhere shows within `maxAge`; a failed read is not kept, and a
/// clock set back reads again.
package final class RecentValue<Value: Sendable>: Sendable {
    private let maxAge: TimeInterval
    private let read: @Sendable () async throws -> Value
    private let now: @Sendable () -> Date
    private let kept = Mutex<(at: Date, value: Value)?>(nil)

    package init(
        maxAge: TimeInterval, now: @escaping @Sendable () -> Date = { Date() },
        read: @escaping @Sendable () async throws -> Value
    ) {
        self.maxAge = maxAge
        self.now = now
        self.read = read
    }

    /// The kept value while it is younger than `maxAge`, else a new reading (requests that find it
    /// stale at the same moment each read; the last reading is kept).
    package func value() async throws -> Value {
        let time = now()
        if let kept = kept.withLock({ $0 }) {
            let age = time.timeIntervalSince(kept.at)
            if age >= 0, age < maxAge { return kept.value }
        }
        let value = try await read()
        kept.withLock { $0 = (time, value) }
        return value
    }
}
