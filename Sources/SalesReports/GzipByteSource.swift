import CZlib

/// Decompresses gzip from another source, member after member: since December 2018 Apple may
/// send several concatenated gzip members, and a reader that stops after the first one
/// silently loses rows (docs/REPORTS.md, Requests). Data that ends inside a member is an error.
final class GzipByteSource: ByteSource {
    private let input: any ByteSource
    private let stream: UnsafeMutablePointer<z_stream>
    private let inputBuffer: UnsafeMutableRawBufferPointer
    private var inputEnded = false
    private var insideMember = false
    private var finished = false

    /// `true` when `bytes` start with the gzip magic `1f 8b`.
    static func isGzip(_ bytes: UnsafeRawBufferPointer) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B
    }

    init(input: any ByteSource, bufferSize: Int = 1 << 18) {
        self.input = input
        self.stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        self.inputBuffer = .allocate(byteCount: bufferSize, alignment: 16)
        // 15 + 32: maximum window, and accept a gzip (or zlib) header.
        inflateInit2_(stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
    }

    deinit {
        inflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
        inputBuffer.deallocate()
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(SourceFailure) -> Int {
        guard let outputBase = buffer.baseAddress, buffer.count > 0 else { return 0 }
        while !finished {
            if stream.pointee.avail_in == 0 && !inputEnded {
                let count = try input.read(into: inputBuffer)
                if count == 0 {
                    inputEnded = true
                } else {
                    stream.pointee.next_in = inputBuffer.baseAddress!.assumingMemoryBound(to: Bytef.self)
                    stream.pointee.avail_in = uInt(count)
                }
            }
            if stream.pointee.avail_in == 0 && inputEnded {
                if insideMember {
                    throw SourceFailure(reason: .badCompression, message: "gzip data is truncated")
                }
                finished = true
                return 0
            }
            if !insideMember {
                // Between members: tolerate zero padding, refuse anything that is not gzip.
                while stream.pointee.avail_in > 0 && stream.pointee.next_in.pointee == 0 {
                    stream.pointee.next_in += 1
                    stream.pointee.avail_in -= 1
                }
                if stream.pointee.avail_in == 0 { continue }
                guard stream.pointee.next_in.pointee == 0x1F else {
                    throw SourceFailure(reason: .badCompression, message: "data after the end of the gzip stream")
                }
                insideMember = true
            }
            stream.pointee.next_out = outputBase.assumingMemoryBound(to: Bytef.self)
            stream.pointee.avail_out = uInt(buffer.count)
            let status = inflate(stream, Z_NO_FLUSH)
            let produced = buffer.count - Int(stream.pointee.avail_out)
            switch status {
            case Z_STREAM_END:
                insideMember = false
                inflateReset(stream)
            case Z_OK:
                break
            case Z_BUF_ERROR where stream.pointee.avail_in == 0:
                break
            default:
                let detail = stream.pointee.msg.map { String(cString: $0) } ?? "error \(status)"
                throw SourceFailure(reason: .badCompression, message: "gzip data is corrupt (\(detail))")
            }
            if produced > 0 { return produced }
        }
        return 0
    }
}
