import Foundation
import Synchronization

/// Apple's per-key hourly limit over a rolling 60-minute window (docs/SANDBOX.md, App Store Connect API).
package final class RateLimiter: Sendable {
    package let limitPerHour: Int
    private let requests = Mutex<[String: [Date]]>([:])

    package init(limitPerHour: Int = 3500) {
        self.limitPerHour = limitPerHour
    }

    /// Counts a request of `key` at `now`; returns the requests left in the window and whether
    /// this one is allowed.
    func record(key: String, now: Date) -> (remaining: Int, allowed: Bool) {
        requests.withLock { requests in
            let windowStart = now.addingTimeInterval(-3600)
            var times = requests[key, default: []]
            if let firstInside = times.firstIndex(where: { $0 > windowStart }) {
                times.removeFirst(firstInside)
            } else {
                times.removeAll()
            }
            guard times.count < limitPerHour else {
                requests[key] = times
                return (0, false)
            }
            times.append(now)
            requests[key] = times
            return (limitPerHour - times.count, true)
        }
    }

    /// The `X-Rate-Limit` value.
    func header(remaining: Int) -> String {
        "user-hour-lim:\(limitPerHour);user-hour-rem:\(remaining);"
    }
}
