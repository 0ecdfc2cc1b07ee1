import Foundation

/// A bounded queue that hands values from a thread of its own (a parser or a decompressor, which
/// block on file reads) to one consumer, with back-pressure: a producer waits while `capacity`
/// values are unread.
///
/// The consumer takes values in one of two ways: ``receive()`` blocks its thread (for a consumer
/// that is itself a thread of its own), ``next()`` suspends (for Swift concurrency, whose few
/// threads must never block). The producer ends the stream with ``finish(throwing:)``: the consumer
/// gets the buffered values, then `nil` or the error. The consumer gives up with ``cancel()``: the
/// buffered values are dropped and every ``send(_:)``, waiting or not, returns `false`.
package final class ThreadChannel<Element: Sendable, Failure: Error>: @unchecked Sendable {
    private let condition = NSCondition()
    private let capacity: Int
    // Guarded by `condition`.
    private var buffer: [Element] = []
    private var ending: Result<Void, Failure>?
    private var waiter: CheckedContinuation<Result<Element?, Failure>, Never>?
    private var cancelled = false

    /// - Parameter capacity: how many values may wait unread (at least one).
    package init(capacity: Int) {
        precondition(capacity > 0, "a channel holds at least one value")
        self.capacity = capacity
    }

    /// Producer: hands over one value, waiting while the buffer is full; `false` when the consumer
    /// has gone (stop producing) or the stream was finished. It blocks the calling thread, so call
    /// it from a thread of its own, or where the buffer is known to have room.
    package func send(_ element: Element) -> Bool {
        condition.lock()
        while buffer.count >= capacity && !cancelled { condition.wait() }
        guard !cancelled, ending == nil else {
            condition.unlock()
            return false
        }
        if let waiter {
            // A suspended consumer finds the buffer empty: it takes the value straight away.
            self.waiter = nil
            condition.unlock()
            waiter.resume(returning: .success(element))
        } else {
            buffer.append(element)
            condition.broadcast()
            condition.unlock()
        }
        return true
    }

    /// Producer: no more values; `error` reaches the consumer after the buffered values.
    /// Later calls change nothing.
    package func finish(throwing error: Failure? = nil) {
        condition.lock()
        guard ending == nil else {
            condition.unlock()
            return
        }
        let ending: Result<Void, Failure> = error.map { .failure($0) } ?? .success(())
        self.ending = ending
        let waiter = self.waiter
        self.waiter = nil
        condition.broadcast()
        condition.unlock()
        waiter?.resume(returning: ending.map { _ -> Element? in nil })
    }

    /// Producer: `true` once the consumer has gone.
    package var isCancelled: Bool {
        condition.lock()
        defer { condition.unlock() }
        return cancelled
    }

    /// Consumer on a thread of its own: the next value, waiting for it; `nil` at the end (or once
    /// cancelled), or the producer's error.
    package func receive() throws(Failure) -> Element? {
        condition.lock()
        while buffer.isEmpty && ending == nil && !cancelled { condition.wait() }
        if !buffer.isEmpty {
            let element = buffer.removeFirst()
            condition.broadcast()
            condition.unlock()
            return element
        }
        let ending = cancelled ? .success(()) : self.ending!
        condition.unlock()
        try ending.get()
        return nil
    }

    /// Consumer in Swift concurrency: the next value, suspending (never blocking) until there is
    /// one; `nil` at the end, or the producer's error. One consumer at a time; it does not end
    /// when its task is cancelled: the consumer's code calls ``cancel()``.
    package func next() async throws(Failure) -> Element? {
        let result = await withCheckedContinuation {
            (continuation: CheckedContinuation<Result<Element?, Failure>, Never>) in
            condition.lock()
            if !buffer.isEmpty {
                let element = buffer.removeFirst()
                condition.broadcast()
                condition.unlock()
                continuation.resume(returning: .success(element))
            } else if let ending {
                condition.unlock()
                continuation.resume(returning: ending.map { _ -> Element? in nil })
            } else if cancelled {
                condition.unlock()
                continuation.resume(returning: .success(nil))
            } else {
                precondition(waiter == nil, "a channel has one consumer")
                waiter = continuation
                condition.unlock()
            }
        }
        return try result.get()
    }

    /// Consumer: gives up. Drops the buffered values and makes the producer's `send` return
    /// `false`, at once if it is waiting for room.
    package func cancel() {
        condition.lock()
        cancelled = true
        buffer.removeAll()
        condition.broadcast()
        condition.unlock()
    }
}
