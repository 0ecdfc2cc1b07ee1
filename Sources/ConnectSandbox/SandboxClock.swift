package import Foundation
import Synchronization

/// The sandbox's time: the injected base clock, shifted or frozen through the control API so
/// tests can expire tokens and invitations, or make a report available, without waiting.
package final class SandboxClock: Sendable {
    private enum Mode {
        case offset(TimeInterval)
        case frozen(Date)
    }

    private let base: @Sendable () -> Date
    private let mode = Mutex(Mode.offset(0))

    /// A clock following `base` (the real clock by default) until set.
    package init(base: @escaping @Sendable () -> Date = { Date() }) {
        self.base = base
    }

    /// The sandbox's current time.
    package func now() -> Date {
        switch mode.withLock({ $0 }) {
        case .offset(let seconds): return base().addingTimeInterval(seconds)
        case .frozen(let date): return date
        }
    }

    /// Moves the clock to `date`; it keeps running from there unless `frozen`.
    package func set(_ date: Date, frozen: Bool) {
        let offset = date.timeIntervalSince(base())
        mode.withLock { $0 = frozen ? .frozen(date) : .offset(offset) }
    }

    /// Moves the clock forward (or back, for a negative value) by `seconds`.
    package func advance(by seconds: TimeInterval) {
        mode.withLock { mode in
            switch mode {
            case .offset(let offset): mode = .offset(offset + seconds)
            case .frozen(let date): mode = .frozen(date.addingTimeInterval(seconds))
            }
        }
    }

    /// Whether the clock is frozen.
    package var isFrozen: Bool {
        if case .frozen = mode.withLock({ $0 }) { return true }
        return false
    }
}
