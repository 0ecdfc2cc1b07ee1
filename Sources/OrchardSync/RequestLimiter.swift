import Foundation

/// Politeness towards Apple (docs/JOBS.md, Workers): at most `limit` requests in flight in this worker, at most
/// `perAccount` of them for one store account, and a pause for every request when Apple rate-limits
/// the service identity. Waiters are served in arrival order, skipping those whose account is at
/// its limit.
package actor RequestLimiter {
    private struct Waiter {
        var id: UInt64
        var account: String
        var continuation: CheckedContinuation<Void, any Error>
    }

    package let limit: Int
    package let perAccount: Int
    private var inFlight = 0
    private var inFlightByAccount: [String: Int] = [:]
    private var waiters: [Waiter] = []
    private var nextID: UInt64 = 0
    private var pausedUntil: ContinuousClock.Instant?
    /// The most requests seen in flight at once, for tests and the benchmark.
    package private(set) var peak = 0
    /// Requests started so far.
    package private(set) var started = 0
    /// Requests waiting for a slot now.
    package var waiting: Int { waiters.count }

    package init(limit: Int, perAccount: Int) {
        self.limit = max(1, limit)
        self.perAccount = max(1, perAccount)
    }

    /// Runs `body` once a slot is free for `account`.
    package func run<Result: Sendable>(
        account: String, _ body: @Sendable () async throws -> Result
    ) async throws -> Result {
        try await acquire(account: account)
        defer { release(account: account) }
        return try await body()
    }

    /// Holds every new request back for `duration` (Apple's `Retry-After`, or a minute).
    package func pause(for duration: Duration) {
        let until = ContinuousClock.now + duration
        if pausedUntil.map({ $0 < until }) ?? true { pausedUntil = until }
    }

    private func acquire(account: String) async throws {
        while let until = pausedUntil, until > .now {
            try await Task.sleep(until: until, clock: .continuous)
        }
        try Task.checkCancellation()
        // Every waiter is held by its account's share (a release starts all it can), so a request
        // that fits now goes ahead without queueing behind them.
        if canStart(account) {
            start(account)
            return
        }
        nextID += 1
        let id = nextID
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                waiters.append(Waiter(id: id, account: account, continuation: continuation))
            }
        } onCancel: {
            Task { await self.cancel(id) }
        }
    }

    private func release(account: String) {
        inFlight -= 1
        inFlightByAccount[account, default: 1] -= 1
        if inFlightByAccount[account] == 0 { inFlightByAccount[account] = nil }
        var index = 0
        while index < waiters.count, inFlight < limit {
            if canStart(waiters[index].account) {
                let waiter = waiters.remove(at: index)
                start(waiter.account)
                waiter.continuation.resume()
            } else {
                index += 1
            }
        }
    }

    private func canStart(_ account: String) -> Bool {
        inFlight < limit && inFlightByAccount[account, default: 0] < perAccount
    }

    private func start(_ account: String) {
        inFlight += 1
        inFlightByAccount[account, default: 0] += 1
        peak = max(peak, inFlight)
        started += 1
    }

    private func cancel(_ id: UInt64) {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return }
        waiters.remove(at: index).continuation.resume(throwing: CancellationError())
    }
}
