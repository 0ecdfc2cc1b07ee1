package import Foundation
import Synchronization

/// A clock moved by hand, for tests and benchmarks that share one time between Orchard and the
/// sandbox without sleeping.
package final class ManualClock: Sendable {
    private let date: Mutex<Date>

    package init(_ start: Date) {
        date = Mutex(start)
    }

    package var now: Date { date.withLock { $0 } }

    package func advance(by seconds: TimeInterval) {
        date.withLock { $0 += seconds }
    }

    package func set(_ moment: Date) {
        date.withLock { $0 = moment }
    }
}
