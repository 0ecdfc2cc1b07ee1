#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A producer of bytes read in chunks: a file, memory, or a decompressor over another source.
protocol ByteSource: AnyObject {
    /// Fills up to `buffer.count` bytes and returns how many; 0 only at the end.
    /// Throws ``SourceFailure`` when the bytes cannot be produced.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(SourceFailure) -> Int
}

/// Why a source failed, before the reader adds file and line.
struct SourceFailure: Error {
    var reason: ReportError.Reason
    var message: String
}

/// Reads a file with `read(2)`; never maps or holds the whole file.
final class FileByteSource: ByteSource {
    private let descriptor: Int32

    init(path: String) throws(SourceFailure) {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else {
            throw SourceFailure(reason: .unreadable, message: "cannot open: \(String(cString: strerror(errno)))")
        }
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(SourceFailure) -> Int {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        while true {
            let count = systemRead(descriptor, base, buffer.count)
            if count >= 0 { return count }
            if errno == EINTR { continue }
            throw SourceFailure(reason: .unreadable, message: "cannot read: \(String(cString: strerror(errno)))")
        }
    }
}

/// Serves bytes from memory, at most `maximumChunk` at a time (tests use small chunks to cut
/// rows at every possible place).
final class MemoryByteSource: ByteSource {
    private let bytes: [UInt8]
    private var offset = 0
    private let chunkSizes: () -> Int

    init(_ bytes: [UInt8], chunkSizes: @escaping () -> Int = { Int.max }) {
        self.bytes = bytes
        self.chunkSizes = chunkSizes
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(SourceFailure) -> Int {
        let count = min(buffer.count, bytes.count - offset, max(1, chunkSizes()))
        guard count > 0 else { return 0 }
        bytes.withUnsafeBytes { source in
            buffer.baseAddress!.copyMemory(from: source.baseAddress! + offset, byteCount: count)
        }
        offset += count
        return count
    }
}

@inline(__always)
private func systemRead(_ descriptor: Int32, _ base: UnsafeMutableRawPointer, _ count: Int) -> Int {
    read(descriptor, base, count)
}
