import Foundation
import Synchronization
import Testing

@testable import SalesReports

/// The channel between a thread of its own and its consumer, blocking or suspending, and the gzip
/// pipeline built on it.
@Suite struct ThreadChannelTests {
    struct Broken: Error, Equatable {}

    /// Starts `body` on a new thread (never one of Swift concurrency's).
    static func onThread(_ body: @escaping @Sendable () -> Void) {
        Thread.detachNewThread(body)
    }

    /// Runs the blocking `body` on a thread of its own and awaits its result, so that no test holds
    /// one of the few threads every test's tasks share.
    static func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread { continuation.resume(with: Result { try body() }) }
        }
    }

    /// Waits (on the calling thread) until `condition` holds, for up to five seconds.
    static func eventually(_ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(5)
        while !condition() {
            if Date() > deadline { return false }
            usleep(1_000)
        }
        return true
    }

    /// A counter shared with another thread.
    final class Counter: Sendable {
        private let value = Atomic(0)
        var count: Int { value.load(ordering: .sequentiallyConsistent) }
        func add() { value.add(1, ordering: .sequentiallyConsistent) }
    }

    @Test func aBlockingConsumerGetsEveryValueInOrderThenNil() async throws {
        // given
        let channel = ThreadChannel<Int, Never>(capacity: 1)
        Self.onThread {
            for value in 0..<1_000 { _ = channel.send(value) }
            channel.finish()
        }

        // when
        let (received, after) = try await Self.blocking {
            var received: [Int] = []
            while let value = channel.receive() { received.append(value) }
            return (received, channel.receive())
        }

        // then
        #expect(received == Array(0..<1_000))
        #expect(after == nil)
    }

    @Test func aSuspendingConsumerGetsEveryValueInOrderThenNil() async throws {
        // given
        let channel = ThreadChannel<Int, Never>(capacity: 2)
        Self.onThread {
            for value in 0..<1_000 { _ = channel.send(value) }
            channel.finish()
        }

        // when
        var received: [Int] = []
        while let value = await channel.next() { received.append(value) }

        // then
        #expect(received == Array(0..<1_000))
        #expect(await channel.next() == nil)
    }

    @Test func theProducerWaitsWhileCapacityValuesAreUnread() async throws {
        // given
        let channel = ThreadChannel<Int, Never>(capacity: 2)
        let sent = Counter()
        Self.onThread {
            for value in 0..<3 {
                _ = channel.send(value)
                sent.add()
            }
            channel.finish()
        }

        // when
        let (sentWhileFull, sentAfterOneRead, received) = try await Self.blocking {
            _ = Self.eventually { sent.count == 2 }
            usleep(50_000)
            let sentWhileFull = sent.count
            let first = channel.receive()
            _ = Self.eventually { sent.count == 3 }
            let sentAfterOneRead = sent.count
            return (sentWhileFull, sentAfterOneRead, [first, channel.receive(), channel.receive(), channel.receive()])
        }

        // then
        #expect(sentWhileFull == 2)
        #expect(sentAfterOneRead == 3)
        #expect(received == [0, 1, 2, nil])
    }

    @Test func theProducersErrorComesAfterTheBufferedValues() async {
        // given
        let blocking = ThreadChannel<Int, Broken>(capacity: 4)
        let suspending = ThreadChannel<Int, Broken>(capacity: 4)
        for channel in [blocking, suspending] {
            _ = channel.send(1)
            _ = channel.send(2)
            channel.finish(throwing: Broken())
        }

        // when: nothing is left to wait for, so receiving here does not block
        let fromReceive = [try? blocking.receive(), try? blocking.receive()]
        let receiveError = #expect(throws: Broken.self) { try blocking.receive() }
        var fromNext: [Int?] = []
        fromNext.append(try? await suspending.next())
        fromNext.append(try? await suspending.next())
        let nextError = await #expect(throws: Broken.self) { try await suspending.next() }

        // then
        #expect(fromReceive == [1, 2])
        #expect(receiveError == Broken())
        #expect(fromNext == [1, 2])
        #expect(nextError == Broken())
    }

    @Test func aSuspendedConsumerWakesForAValueAndForTheEnd() async throws {
        // given
        let channel = ThreadChannel<Int, Broken>(capacity: 1)
        Self.onThread {
            usleep(20_000)
            _ = channel.send(7)
            usleep(20_000)
            channel.finish(throwing: Broken())
        }

        // when
        let value = try await channel.next()
        let error = await #expect(throws: Broken.self) { try await channel.next() }

        // then
        #expect(value == 7)
        #expect(error == Broken())
    }

    @Test func cancellingReleasesAProducerWaitingForRoom() async throws {
        // given
        let channel = ThreadChannel<Int, Never>(capacity: 1)
        let outcome = ThreadChannel<Bool, Never>(capacity: 1)
        let sent = Counter()
        Self.onThread {
            _ = channel.send(1)
            sent.add()
            _ = outcome.send(channel.send(2))
        }

        // when
        let secondSend = try await Self.blocking {
            _ = Self.eventually { sent.count == 1 }
            usleep(20_000)
            channel.cancel()
            return outcome.receive()
        }

        // then
        #expect(secondSend == false)
        #expect(channel.isCancelled)
        #expect(channel.send(3) == false)
        #expect(channel.receive() == nil)
    }

    @Test func nothingIsSentAfterTheEnd() {
        // given
        let channel = ThreadChannel<Int, Never>(capacity: 2)
        channel.finish()

        // when
        let accepted = channel.send(1)

        // then
        #expect(!accepted)
        #expect(channel.receive() == nil)
    }

    @Test func thePipelineGivesTheSourcesBytesInOrder() async throws {
        // given: more chunks than the pipeline's depth, read in odd sizes
        let bytes = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }

        // when
        let (read, afterTheEnd) = try await Self.blocking {
            let source = PipelinedByteSource(
                MemoryByteSource(bytes, chunkSizes: { 999 }), chunkSize: 4_096, depth: 2)
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1_234, alignment: 1)
            defer { buffer.deallocate() }
            var read: [UInt8] = []
            while true {
                let count = try source.read(into: buffer)
                if count == 0 { break }
                read += buffer.prefix(count)
            }
            return (read, try source.read(into: buffer))
        }

        // then
        #expect(read == bytes)
        #expect(afterTheEnd == 0)
    }

    @Test func thePipelineHandsOnTheSourcesFailure() async throws {
        // when
        let (read, message) = try await Self.blocking {
            let source = PipelinedByteSource(FailingSource(bytesBeforeFailure: 10_000), chunkSize: 4_096, depth: 2)
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 4_096, alignment: 1)
            defer { buffer.deallocate() }
            var read = 0
            do throws(SourceFailure) {
                while true {
                    let count = try source.read(into: buffer)
                    if count == 0 { return (read, nil as String?) }
                    read += count
                }
            } catch {
                return (read, error.message)
            }
        }

        // then
        #expect(read == 10_000)
        #expect(message == "broken")
    }

    @Test func aReaderThatGoesAwayStopsTheProducerThread() async throws {
        // given: an endless source, its producer thread waiting for room
        let released = Counter()

        // when
        let (firstRead, stopped) = try await Self.blocking {
            var source: PipelinedByteSource? = PipelinedByteSource(
                EndlessSource(onRelease: { released.add() }), chunkSize: 1_024, depth: 2)
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 100, alignment: 1)
            defer { buffer.deallocate() }
            let firstRead = try source?.read(into: buffer)
            source = nil
            return (firstRead, Self.eventually { released.count == 1 })
        }

        // then: the producer thread ends and lets go of the source
        #expect(firstRead == 100)
        #expect(stopped)
    }
}

/// Gives `bytesBeforeFailure` zero bytes, then fails.
private final class FailingSource: ByteSource {
    private var left: Int

    init(bytesBeforeFailure: Int) { left = bytesBeforeFailure }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(SourceFailure) -> Int {
        guard left > 0 else { throw SourceFailure(reason: .unreadable, message: "broken") }
        let count = min(left, buffer.count)
        buffer.baseAddress!.initializeMemory(as: UInt8.self, repeating: 0, count: count)
        left -= count
        return count
    }
}

/// Never ends; says when it is released.
private final class EndlessSource: ByteSource {
    private let onRelease: @Sendable () -> Void

    init(onRelease: @escaping @Sendable () -> Void) { self.onRelease = onRelease }

    deinit { onRelease() }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(SourceFailure) -> Int {
        buffer.baseAddress!.initializeMemory(as: UInt8.self, repeating: 1, count: buffer.count)
        return buffer.count
    }
}
