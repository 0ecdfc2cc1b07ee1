/// When and how long to wait before trying a request again.
///
/// Only transient failures are retried: timeouts, broken connections, Apple's 5xx and rate
/// limits. Invalid or expired credentials, bad parameters and "no sales" are answers, never retried.
public struct RetryPolicy: Sendable {
    /// The most attempts of one request, the first included.
    public var maxAttempts: Int
    /// The wait before the second attempt; doubled for each further one.
    public var baseDelay: Duration
    /// The longest wait between attempts, `Retry-After` included.
    public var maxDelay: Duration
    /// A random fraction in `0..<1`, for jitter; injectable so tests are deterministic.
    public var random: @Sendable () -> Double
    /// Waits; injectable so tests do not sleep.
    public var sleep: @Sendable (Duration) async throws -> Void

    public init(
        maxAttempts: Int = 4,
        baseDelay: Duration = .milliseconds(500),
        maxDelay: Duration = .seconds(60),
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    ) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.random = random
        self.sleep = sleep
    }

    /// One attempt only.
    public static let none = RetryPolicy(maxAttempts: 1)

    /// The wait after failed attempt number `attempt` (1-based): the server's `Retry-After` when it
    /// gave one, else exponential backoff with "equal jitter" (half fixed, half random).
    public func delay(afterAttempt attempt: Int, retryAfter: Duration?) -> Duration {
        if let retryAfter { return min(retryAfter, maxDelay) }
        let exponential = baseDelay * (1 << min(attempt - 1, 20))
        let capped = min(exponential, maxDelay)
        return capped / 2 + (capped / 2) * random()
    }

    /// Runs `operation` until it succeeds, fails for good, or attempts run out; `onRetry` sees each
    /// transient failure before the wait. A cancelled wait ends the retries with the last failure.
    func run<Result, Failure: RetryableError>(
        _ operation: () async throws(Failure) -> Result,
        onRetry: (Failure) -> Void = { _ in }
    ) async throws(Failure) -> Result {
        var attempt = 1
        while true {
            do {
                return try await operation()
            } catch let failure {
                guard failure.isTransient, attempt < maxAttempts else { throw failure }
                onRetry(failure)
                do {
                    try await sleep(delay(afterAttempt: attempt, retryAfter: failure.retryAfter))
                } catch {
                    throw failure
                }
                attempt += 1
            }
        }
    }
}

/// An error that says whether trying again soon may help, and after how long the server asked.
protocol RetryableError: Error {
    var isTransient: Bool { get }
    var retryAfter: Duration? { get }
}
