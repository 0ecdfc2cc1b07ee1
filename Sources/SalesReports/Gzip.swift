/// gzip for bytes in memory: the same compressor report files are written with.
public enum Gzip {
    /// `bytes` as one gzip member.
    public static func compress(_ bytes: [UInt8]) throws(ReportError) -> [UInt8] {
        let memory = MemoryByteSink()
        let gzip = GzipByteSink(output: memory)
        var failure: SourceFailure?
        bytes.withUnsafeBytes { buffer in
            do throws(SourceFailure) { try gzip.write(buffer) } catch { failure = error }
        }
        if failure == nil {
            do throws(SourceFailure) { try gzip.finish() } catch { failure = error }
        }
        if let failure { throw ReportError(file: "gzip", line: 0, reason: .unwritable, message: failure.message) }
        return memory.bytes
    }

    /// The bytes of a gzip file in memory; a truncated or corrupt stream is an error, never a partial result.
    public static func decompress(_ bytes: [UInt8]) throws(ReportError) -> [UInt8] {
        let gzip = GzipByteSource(input: MemoryByteSource(bytes))
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        var failure: SourceFailure?
        while failure == nil {
            let count = chunk.withUnsafeMutableBytes { buffer in
                do throws(SourceFailure) { return try gzip.read(into: buffer) } catch {
                    failure = error
                    return 0
                }
            }
            if count == 0 { break }
            output.append(contentsOf: chunk[0..<count])
        }
        if let failure { throw ReportError(file: "gzip", line: 0, reason: failure.reason, message: failure.message) }
        return output
    }
}
