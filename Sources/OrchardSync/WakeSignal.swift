package import Foundation
import Synchronization

/// Wakes an idle worker early: when one of its jobs finishes or queues another, it looks for work at
/// once instead of at the end of its sleep.
package final class WakeSignal: Sendable {
    private struct State {
        var pending = false
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
        /// Waits given up before their waiter registered.
        var abandoned: Set<UInt64> = []
        /// Waiters resumed by a signal, until their wait is given up.
        var finished: Set<UInt64> = []
        var nextID: UInt64 = 0
    }

    private let state = Mutex(State())

    package init() {}

    /// Wakes the waiting worker, or the next one to wait.
    package func signal() {
        let woken = state.withLock { state in
            let waiters = Array(state.waiters.values)
            state.finished.formUnion(state.waiters.keys)
            state.waiters.removeAll()
            if waiters.isEmpty { state.pending = true }
            return waiters
        }
        for waiter in woken { waiter.resume() }
    }

    /// Returns after `seconds`, on a signal, or on cancellation, whichever comes first.
    package func wait(seconds: TimeInterval) async {
        let id = state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await Task.sleep(for: .seconds(max(0, seconds))) }
            group.addTask { await self.waitForSignal(id) }
            await group.next()
            group.cancelAll()
            self.abandon(id)
        }
    }

    private func waitForSignal(_ id: UInt64) async {
        await withCheckedContinuation { continuation in
            let resumeNow = state.withLock { state in
                if state.abandoned.remove(id) != nil { return true }
                if state.pending {
                    state.pending = false
                    state.finished.insert(id)
                    return true
                }
                state.waiters[id] = continuation
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    private func abandon(_ id: UInt64) {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if let waiter = state.waiters.removeValue(forKey: id) { return waiter }
            if state.finished.remove(id) == nil { state.abandoned.insert(id) }
            return nil
        }
        waiter?.resume()
    }
}
