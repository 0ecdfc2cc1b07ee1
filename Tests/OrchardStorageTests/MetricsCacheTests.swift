import Foundation
import Synchronization
import Testing

@testable import OrchardStorage

/// The metrics cache under load: a question asked by many at once is answered by one computation.
@Suite("Metrics cache")
struct MetricsCacheTests {
    final class Count: Sendable {
        private let value = Mutex(0)
        func add() { value.withLock { $0 += 1 } }
        var total: Int { value.withLock { $0 } }
    }

    @Test("fifty requests for one new question at once make one computation; another key makes its own")
    func coalesces() async throws {
        let cache = MetricsCache()
        let computed = Count()
        let answers = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<50 {
                group.addTask {
                    try await cache.value("summary|v7", weight: { _ in 1 }) {
                        computed.add()
                        // slow enough for every request to ask meanwhile
                        try await Task.sleep(for: .milliseconds(500))
                        return 42
                    }
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(answers == Array(repeating: 42, count: 50))
        #expect(computed.total == 1)
        // kept: asked again, it is not computed again; a new version is
        #expect(
            try await cache.value("summary|v7", weight: { _ in 1 }) {
                computed.add(); return 0
            } == 42)
        #expect(
            try await cache.value("summary|v8", weight: { _ in 1 }) {
                computed.add(); return 43
            } == 43)
        #expect(computed.total == 2)
    }

    @Test("a failed computation is shared by those waiting for it, and the next request tries again")
    func failureNotKept() async throws {
        struct Boom: Error {}
        let cache = MetricsCache()
        await #expect(throws: Boom.self) {
            try await cache.value("k", weight: { (_: Int) in 1 }) { throw Boom() }
        }
        #expect(try await cache.value("k", weight: { _ in 1 }) { 7 } == 7)
    }
}
