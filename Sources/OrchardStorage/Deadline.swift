import Foundation
import Synchronization

/// Waits for `work` at most `seconds`, then gives up on it with ``Deadline/Exceeded``.
///
/// For the one database call seen to hang for ever: PostgreSQL's COPY whose connection is cut
/// half-way (a server restart) can leave the driver's continuation unresumed, so neither an answer
/// nor a cancellation ever comes. The work runs in a task of its own that is cancelled and left
/// behind; the caller gets an error and goes on (the job fails, and runs again on a fresh connection).
package enum Deadline {
    /// Who answers first: the work or the timer.
    final class Race: Sendable {
        private let answered = Mutex(false)
        func claim() -> Bool {
            answered.withLock { done in
                defer { done = true }; return !done
            }
        }
    }

    package struct Exceeded: Error, CustomStringConvertible {
        package let what: String
        package let seconds: Double
        package var description: String { "\(what) did not finish within \(Int(seconds)) s: given up" }
    }

    package static func within<Value: Sendable>(
        _ seconds: Double, _ what: String, _ work: @escaping @Sendable () async throws -> Value
    ) async throws -> Value {
        let race = Race()
        return try await withCheckedThrowingContinuation { continuation in
            let task = Task {
                do {
                    let value = try await work()
                    if race.claim() { continuation.resume(returning: value) }
                } catch {
                    if race.claim() { continuation.resume(throwing: error) }
                }
            }
            Task {
                try? await Task.sleep(for: .seconds(seconds))
                if race.claim() {
                    task.cancel()
                    continuation.resume(throwing: Exceeded(what: what, seconds: seconds))
                }
            }
        }
    }
}
