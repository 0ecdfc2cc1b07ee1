import OrchardCore
import Synchronization
import Testing

@Suite("A value read at most once per period")
struct RecentValueTests {
    struct Refused: Error {}

    final class Source: Sendable {
        let reads = Mutex(0)
        let fails = Mutex(false)
        let clock = Mutex(ContinuousClock.now)

        func read() throws -> Int {
            if fails.withLock({ $0 }) { throw Refused() }
            return reads.withLock {
                $0 += 1
                return $0
            }
        }

        func advance(_ duration: Duration) { clock.withLock { $0 += duration } }
    }

    @Test("kept for its period, read again after it; a failed read is not kept")
    func period() async throws {
        let source = Source()
        let recent = RecentValue(maxAge: .seconds(1), clock: { source.clock.withLock { $0 } }) {
            try source.read()
        }

        // within the period: one read, however many asks
        #expect(try await recent.value() == 1)
        source.advance(.milliseconds(999))
        #expect(try await recent.value() == 1)
        #expect(source.reads.withLock { $0 } == 1)

        // at the end of the period: read again, and kept from then
        source.advance(.milliseconds(1))
        #expect(try await recent.value() == 2)
        source.advance(.milliseconds(500))
        #expect(try await recent.value() == 2)

        // a failing read after the period: the error, then a new read, not the old value
        source.advance(.seconds(1))
        source.fails.withLock { $0 = true }
        await #expect(throws: Refused.self) { try await recent.value() }
        source.fails.withLock { $0 = false }
        #expect(try await recent.value() == 3)
    }
}
