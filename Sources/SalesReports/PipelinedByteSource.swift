import Foundation

/// Runs another source (a gzip decompressor) on a thread of its own, a few chunks ahead of the
/// reader, so decompressing and parsing use two cores: reading a `.txt.gz` then costs about
/// as much as decompressing it.
///
/// At most `depth` chunks go round between the two threads: filled ones to the reader through one
/// ``ThreadChannel``, read ones back to the producer through another. When the reader goes away,
/// the producer stops at its next hand-over.
final class PipelinedByteSource: ByteSource {
    private let filled: ThreadChannel<Chunk, SourceFailure>
    private let spare: ThreadChannel<Chunk, Never>
    private var current: Chunk?
    private var offset = 0

    init(_ source: any ByteSource, chunkSize: Int = 1 << 20, depth: Int = 4) {
        filled = ThreadChannel(capacity: depth)
        spare = ThreadChannel(capacity: depth)
        let producer = Producer(source: source, filled: filled, spare: spare, chunkSize: chunkSize, depth: depth)
        let thread = Thread { producer.run() }
        thread.name = "orchard.gunzip"
        thread.start()
    }

    deinit {
        filled.cancel()
        spare.finish()
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(SourceFailure) -> Int {
        while true {
            if let chunk = current, offset < chunk.count {
                let count = min(buffer.count, chunk.count - offset)
                buffer.baseAddress!.copyMemory(from: chunk.bytes.baseAddress! + offset, byteCount: count)
                offset += count
                return count
            }
            if let chunk = current {
                // Never waits: there are no more than `depth` chunks, and `spare` holds that many.
                _ = spare.send(chunk)
                current = nil
            }
            guard let chunk = try filled.receive() else { return 0 }
            current = chunk
            offset = 0
        }
    }

    /// A buffer handed between the threads.
    final class Chunk: @unchecked Sendable {
        let bytes: UnsafeMutableRawBufferPointer
        var count = 0

        init(size: Int) { bytes = .allocate(byteCount: size, alignment: 16) }
        deinit { bytes.deallocate() }
    }

    /// Owns the wrapped source on the producer thread.
    final class Producer: @unchecked Sendable {
        private let source: any ByteSource
        private let filled: ThreadChannel<Chunk, SourceFailure>
        private let spare: ThreadChannel<Chunk, Never>
        private let chunkSize: Int
        private let depth: Int

        init(
            source: any ByteSource, filled: ThreadChannel<Chunk, SourceFailure>, spare: ThreadChannel<Chunk, Never>,
            chunkSize: Int, depth: Int
        ) {
            self.source = source
            self.filled = filled
            self.spare = spare
            self.chunkSize = chunkSize
            self.depth = depth
        }

        func run() {
            var made = 0
            while !filled.isCancelled {
                let chunk: Chunk
                if made < depth {
                    chunk = Chunk(size: chunkSize)
                    made += 1
                } else {
                    // Waits for the reader to be done with a chunk; `nil` when the reader has gone.
                    guard let recycled = spare.receive() else { return }
                    chunk = recycled
                }
                do {
                    chunk.count = try source.read(into: chunk.bytes)
                } catch {
                    filled.finish(throwing: error)
                    return
                }
                guard chunk.count > 0 else {
                    filled.finish()
                    return
                }
                guard filled.send(chunk) else { return }
            }
        }
    }
}
