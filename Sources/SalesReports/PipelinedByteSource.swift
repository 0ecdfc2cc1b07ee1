import Dispatch

/// Runs another source (a gzip decompressor) on its own thread, a few chunks ahead of the
/// reader, so decompressing and parsing use two cores: reading a `.txt.gz` then costs about
/// as much as decompressing it.
final class PipelinedByteSource: ByteSource {
    private let pipe: Pipe
    private var current: Chunk?
    private var offset = 0

    init(_ source: any ByteSource, chunkSize: Int = 1 << 20, depth: Int = 4) {
        pipe = Pipe(depth: depth)
        let pipe = self.pipe
        let producer = Producer(source: source)
        DispatchQueue.global().async {
            producer.run(into: pipe, chunkSize: chunkSize)
        }
    }

    deinit {
        pipe.cancel()
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
                pipe.recycle(chunk)
                current = nil
            }
            switch pipe.take() {
            case .bytes(let chunk):
                current = chunk
                offset = 0
            case .end:
                return 0
            case .failure(let failure):
                throw failure
            }
        }
    }

    /// A buffer handed between the threads.
    final class Chunk: @unchecked Sendable {
        let bytes: UnsafeMutableRawBufferPointer
        var count = 0

        init(size: Int) { bytes = .allocate(byteCount: size, alignment: 16) }
        deinit { bytes.deallocate() }
    }

    enum Item {
        case bytes(Chunk)
        case end
        case failure(SourceFailure)
    }

    /// A bounded queue of filled chunks and a pool of empty ones, guarded by semaphores.
    final class Pipe: @unchecked Sendable {
        // Semaphores start at 0 and are signalled up: libdispatch traps when a semaphore is
        // released below its initial value.
        private let lock = DispatchSemaphore(value: 0)
        private let filled = DispatchSemaphore(value: 0)
        private let empty = DispatchSemaphore(value: 0)
        private var items: [Item] = []
        private var spare: [Chunk] = []
        private(set) var isCancelled = false

        init(depth: Int) {
            lock.signal()
            for _ in 0..<depth { empty.signal() }
        }

        /// Producer: waits for room; `nil` when the reader has gone.
        func reserve(size: Int) -> Chunk? {
            empty.wait()
            lock.wait()
            defer { lock.signal() }
            guard !isCancelled else { return nil }
            return spare.popLast() ?? Chunk(size: size)
        }

        func put(_ item: Item) {
            lock.wait()
            items.append(item)
            lock.signal()
            filled.signal()
        }

        /// Reader: the next item, waiting for it.
        func take() -> Item {
            filled.wait()
            lock.wait()
            defer { lock.signal() }
            return items.removeFirst()
        }

        func recycle(_ chunk: Chunk) {
            lock.wait()
            spare.append(chunk)
            lock.signal()
            empty.signal()
        }

        func cancel() {
            lock.wait()
            isCancelled = true
            lock.signal()
            empty.signal()
        }
    }

    /// Owns the wrapped source on the producer thread.
    final class Producer: @unchecked Sendable {
        private let source: any ByteSource

        init(source: any ByteSource) { self.source = source }

        func run(into pipe: Pipe, chunkSize: Int) {
            while let chunk = pipe.reserve(size: chunkSize) {
                do {
                    chunk.count = try source.read(into: chunk.bytes)
                } catch {
                    pipe.put(.failure(error))
                    return
                }
                guard chunk.count > 0 else {
                    pipe.put(.end)
                    return
                }
                pipe.put(.bytes(chunk))
            }
        }
    }
}
