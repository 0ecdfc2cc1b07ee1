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

/// Reads a file, or a byte range of it, with `pread(2)`; never maps or holds the whole file.
final class FileByteSource: ByteSource {
    private let descriptor: Int32
    private var offset: Int
    private let end: Int

    /// Opens `path`, to read bytes `range` (the whole file when `nil`).
    init(path: String, range: Range<Int>? = nil) throws(SourceFailure) {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else {
            throw SourceFailure(reason: .unreadable, message: "cannot open: \(String(cString: strerror(errno)))")
        }
        self.descriptor = descriptor
        self.offset = range?.lowerBound ?? 0
        self.end = range?.upperBound ?? Int.max
    }

    deinit { close(descriptor) }

    /// The size of the file in bytes, or `nil` when it is not a regular file.
    var regularFileSize: Int? {
        var status = stat()
        guard fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFREG else { return nil }
        return Int(status.st_size)
    }

    /// Reads at an absolute offset without moving the read position.
    func read(into buffer: UnsafeMutableRawBufferPointer, at position: Int) throws(SourceFailure) -> Int {
        let count = systemRead(descriptor, buffer.baseAddress!, buffer.count, position)
        guard count >= 0 else {
            throw SourceFailure(reason: .unreadable, message: "cannot read: \(String(cString: strerror(errno)))")
        }
        return count
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(SourceFailure) -> Int {
        guard let base = buffer.baseAddress, buffer.count > 0, offset < end else { return 0 }
        while true {
            let count = systemRead(descriptor, base, min(buffer.count, end - offset), offset)
            if count >= 0 {
                offset += count
                return count
            }
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
private func systemRead(_ descriptor: Int32, _ base: UnsafeMutableRawPointer, _ count: Int, _ offset: Int) -> Int {
    pread(descriptor, base, count, off_t(offset))
}
