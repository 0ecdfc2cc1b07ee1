import Foundation
import OrchardCore
import Synchronization
import Testing

@Suite("A value read at most once per period")
struct RecentValueTests {
    struct Refused: Error {}

    final class Source: Sendable {
        let reads = Mutex(0)
        let fails = Mutex(false)
        let clock = Mutex(Date(timeIntervalSince1970: 1_800_000_000))

        func read() throws -> Int {
            if fails.withLock({ $0 }) { throw Refused() }
            return reads.withLock {
                $0 += 1
                return $0
            }
        }

        func advance(_ seconds: TimeInterval) { clock.withLock { $0 += seconds } }
    }

    @Test("kept for its period, read again after it; a failed read is not kept, a clock set back reads again")
    func period() async throws {
        let source = Source()
        let recent = RecentValue(maxAge: 1, now: { source.clock.withLock { $0 } }) {
            try source.read()
        }

        // within the period: one read, however many asks
        #expect(try await recent.value() == 1)
        source.advance(0.999)
        #expect(try await recent.value() == 1)
        #expect(source.reads.withLock { $0 } == 1)

        // at the end of the period: read again, and kept from then
        source.advance(0.001)
        #expect(try await recent.value() == 2)
        source.advance(0.5)
        #expect(try await recent.value() == 2)

        // a failing read after the period: the error, then a new read, not the old value
        source.advance(1)
        source.fails.withLock { $0 = true }
        await #expect(throws: Refused.self) { try await recent.value() }
        source.fails.withLock { $0 = false }
        #expect(try await recent.value() == 3)

        // a clock set back: read again rather than trust a reading from the future
        source.advance(-10)
        #expect(try await recent.value() == 4)
    }
}
