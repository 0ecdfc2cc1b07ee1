import CZlib

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A consumer of written bytes: a file, memory, or a compressor in front of another sink.
protocol ByteSink: AnyObject {
    func write(_ bytes: UnsafeRawBufferPointer) throws(SourceFailure)
    func finish() throws(SourceFailure)
}

/// Collects bytes in memory.
final class MemoryByteSink: ByteSink {
    var bytes: [UInt8] = []

    func write(_ bytes: UnsafeRawBufferPointer) throws(SourceFailure) {
        self.bytes.append(contentsOf: bytes)
    }

    func finish() throws(SourceFailure) {}
}

/// Writes to a new file (replacing an existing one) with `write(2)`.
final class FileByteSink: ByteSink {
    private var descriptor: Int32

    init(path: String) throws(SourceFailure) {
        descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard descriptor >= 0 else {
            throw SourceFailure(reason: .unwritable, message: "cannot create: \(String(cString: strerror(errno)))")
        }
    }

    deinit { if descriptor >= 0 { close(descriptor) } }

    func write(_ bytes: UnsafeRawBufferPointer) throws(SourceFailure) {
        var offset = 0
        while offset < bytes.count {
            let written = systemWrite(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw SourceFailure(reason: .unwritable, message: "cannot write: \(String(cString: strerror(errno)))")
            }
            offset += written
        }
    }

    func finish() throws(SourceFailure) {
        guard descriptor >= 0 else { return }
        let status = close(descriptor)
        descriptor = -1
        if status != 0 {
            throw SourceFailure(reason: .unwritable, message: "cannot close: \(String(cString: strerror(errno)))")
        }
    }
}

@inline(__always)
private func systemWrite(_ descriptor: Int32, _ base: UnsafeRawPointer, _ count: Int) -> Int {
    write(descriptor, base, count)
}

/// Compresses into gzip members, starting a new member every `memberSize` input bytes when
/// given (Apple's servers send multi-member bodies; the sandbox imitates them).
final class GzipByteSink: ByteSink {
    private let output: any ByteSink
    private let stream: UnsafeMutablePointer<z_stream>
    private let outputBuffer: UnsafeMutableRawBufferPointer
    private let memberSize: Int?
    private var memberBytes = 0

    init(output: any ByteSink, memberSize: Int? = nil) {
        self.output = output
        self.memberSize = memberSize
        self.stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        self.outputBuffer = .allocate(byteCount: 1 << 16, alignment: 16)
        // 15 + 16: maximum window with a gzip header and trailer.
        deflateInit2_(
            stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION,
            Int32(MemoryLayout<z_stream>.size))
    }

    deinit {
        deflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
        outputBuffer.deallocate()
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws(SourceFailure) {
        var remaining = bytes
        while !remaining.isEmpty {
            var count = remaining.count
            if let memberSize { count = min(count, memberSize - memberBytes) }
            try deflateChunk(UnsafeRawBufferPointer(rebasing: remaining[..<count]), flush: Z_NO_FLUSH)
            memberBytes += count
            remaining = UnsafeRawBufferPointer(rebasing: remaining[count...])
            if let memberSize, memberBytes >= memberSize {
                try deflateChunk(UnsafeRawBufferPointer(start: nil, count: 0), flush: Z_FINISH)
                deflateReset(stream)
                memberBytes = 0
            }
        }
    }

    func finish() throws(SourceFailure) {
        if memberBytes > 0 || memberSize == nil {
            try deflateChunk(UnsafeRawBufferPointer(start: nil, count: 0), flush: Z_FINISH)
        }
        try output.finish()
    }

    private func deflateChunk(_ input: UnsafeRawBufferPointer, flush: Int32) throws(SourceFailure) {
        stream.pointee.next_in = UnsafeMutablePointer(
            mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
        stream.pointee.avail_in = uInt(input.count)
        while true {
            stream.pointee.next_out = outputBuffer.baseAddress!.assumingMemoryBound(to: Bytef.self)
            stream.pointee.avail_out = uInt(outputBuffer.count)
            let status = deflate(stream, flush)
            guard status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR else {
                throw SourceFailure(reason: .unwritable, message: "gzip compression failed (\(status))")
            }
            let produced = outputBuffer.count - Int(stream.pointee.avail_out)
            if produced > 0 { try output.write(UnsafeRawBufferPointer(rebasing: outputBuffer[..<produced])) }
            if flush == Z_FINISH ? status == Z_STREAM_END : stream.pointee.avail_out != 0 { return }
        }
    }
}
