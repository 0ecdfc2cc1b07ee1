import Foundation

/// Hands values from a thread of its own (a parser, which may block on file reads and on its
/// decompressor) to an async consumer, with back-pressure: the producer thread waits while
/// `capacity` values are unread; the consumer suspends without blocking a cooperative thread.
final class ThreadChannel<Element: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private let capacity: Int
    // Guarded by `condition`.
    private var buffer: [Element] = []
    private var ending: Result<Void, any Error>?
    private var waiter: CheckedContinuation<Element?, any Error>?
    private var cancelled = false

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// Producer: hands over one value, waiting while the buffer is full; `false` when the
    /// consumer has gone (stop producing).
    func send(_ element: Element) -> Bool {
        condition.lock()
        while buffer.count >= capacity && !cancelled { condition.wait() }
        if cancelled {
            condition.unlock()
            return false
        }
        if let waiter {
            self.waiter = nil
            condition.unlock()
            waiter.resume(returning: element)
        } else {
            buffer.append(element)
            condition.unlock()
        }
        return true
    }

    /// Producer: no more values; `error` is thrown to the consumer after the buffered values.
    func finish(throwing error: (any Error)? = nil) {
        condition.lock()
        ending = error.map { .failure($0) } ?? .success(())
        let waiter = self.waiter
        self.waiter = nil
        condition.unlock()
        if let waiter {
            switch ending! {
            case .success: waiter.resume(returning: nil)
            case .failure(let error): waiter.resume(throwing: error)
            }
        }
    }

    /// Producer: `true` once the consumer has gone.
    var isCancelled: Bool {
        condition.lock()
        defer { condition.unlock() }
        return cancelled
    }

    /// Consumer: the next value, `nil` at the end, or the producer's error.
    func next() async throws -> Element? {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Element?, any Error>) in
            condition.lock()
            if !buffer.isEmpty {
                let element = buffer.removeFirst()
                condition.signal()
                condition.unlock()
                continuation.resume(returning: element)
            } else if let ending {
                condition.unlock()
                switch ending {
                case .success: continuation.resume(returning: nil)
                case .failure(let error): continuation.resume(throwing: error)
                }
            } else {
                waiter = continuation
                condition.unlock()
            }
        }
    }

    /// Consumer: stops the producer at its next `send` and drops what is buffered.
    func cancel() {
        condition.lock()
        cancelled = true
        buffer.removeAll()
        condition.broadcast()
        condition.unlock()
    }
}

/// A value the producer thread waits for (set once by the consumer), or `nil` if the consumer
/// gives up first.
final class ThreadGate<Value: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private var value: Value?
    private var closed = false

    func open(with value: Value) {
        condition.lock()
        self.value = value
        condition.broadcast()
        condition.unlock()
    }

    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }

    /// Blocks the calling (non-cooperative) thread until the value is given or the gate closes.
    func wait() -> Value? {
        condition.lock()
        defer { condition.unlock() }
        while value == nil && !closed { condition.wait() }
        return closed ? nil : value
    }
}
