import Synchronization
import Testing

@testable import OrchardSync

/// Politeness towards Apple: a worker's requests in flight, in all and per store account.
@Suite("Request limiter")
struct RequestLimiterTests {
    /// Requests held open until the test lets each one finish.
    final class Held: Sendable {
        private let gates = Mutex<[String: CheckedContinuation<Void, Never>]>([:])
        let started: AsyncStream<String>
        private let starting: AsyncStream<String>.Continuation

        init() { (started, starting) = AsyncStream.makeStream(of: String.self) }

        /// The body of request `name`: says it started, then waits for ``finish(_:)``.
        func request(_ name: String) async {
            await withCheckedContinuation { continuation in
                gates.withLock { $0[name] = continuation }
                starting.yield(name)
            }
        }

        func finish(_ name: String) {
            gates.withLock { $0.removeValue(forKey: name) }?.resume()
        }
    }

    /// Waits until the limiter has seen `count` requests, started or waiting.
    func settle(_ limiter: RequestLimiter, count: Int) async {
        while await limiter.started + limiter.waiting < count { await Task.yield() }
    }

    @Test("one account never has more than its share in flight; another account's request goes past it")
    func perAccountShare() async throws {
        // given: three requests in flight at most, two of them for one account
        let limiter = RequestLimiter(limit: 3, perAccount: 2)
        let held = Held()
        var started = held.started.makeAsyncIterator()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for name in ["a1", "a2", "a3"] {
                group.addTask { try await limiter.run(account: "A") { await held.request(name) } }
            }
            // when: account A asks for three at once
            await settle(limiter, count: 3)
            // then: two run, the third waits, although the worker has room
            #expect(await limiter.started == 2)
            #expect(await limiter.waiting == 1)
            let first = [await started.next(), await started.next()].compactMap { $0 }
            #expect(Set(first).isSubset(of: ["a1", "a2", "a3"]) && first.count == 2)

            // when: account B asks while A is at its share
            group.addTask { try await limiter.run(account: "B") { await held.request("b1") } }
            // then: B's request starts at once, past A's waiting one
            #expect(await started.next() == "b1")
            #expect(await limiter.waiting == 1)

            // when: the worker is full and one of A's requests finishes
            group.addTask { try await limiter.run(account: "C") { await held.request("c1") } }
            await settle(limiter, count: 5)
            #expect(await limiter.waiting == 2)
            held.finish(first[0])
            // then: A's waiting request takes the slot, ahead of C's that came later
            let third = ["a1", "a2", "a3"].first { !first.contains($0) }
            #expect(await started.next() == third)
            #expect(await limiter.waiting == 1)
            #expect(await limiter.peak == 3)

            // and everything finishes once let go
            held.finish("b1")
            #expect(await started.next() == "c1")
            for name in [first[1], third ?? "", "c1"] { held.finish(name) }
            try await group.waitForAll()
        }
        #expect(await limiter.started == 5)
        #expect(await limiter.waiting == 0)
    }
}
