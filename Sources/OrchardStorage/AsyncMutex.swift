/// A first-come, first-served lock for async code: waiters suspend, no thread blocks.
///
/// SQLite allows one writer at a time. Its driver runs each statement on a small thread pool, so
/// two transactions of one process waiting in `BEGIN IMMEDIATE` would each hold a pool thread in
/// SQLite's busy wait, and the transaction they wait for could not run its next statement. Taking
/// this lock first queues a process's writers in Swift instead, before they borrow a connection.
actor AsyncMutex {
    private var isLocked = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func lock() async {
        guard isLocked else {
            isLocked = true
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    func unlock() {
        if waiters.isEmpty {
            isLocked = false
        } else {
            // The lock passes straight to the next waiter.
            waiters.removeFirst().resume()
        }
    }

    /// Runs `body` holding the lock.
    nonisolated func withLock<Result: Sendable>(_ body: () async throws -> Result) async throws -> Result {
        await lock()
        do {
            let result = try await body()
            await unlock()
            return result
        } catch {
            await unlock()
            throw error
        }
    }
}
