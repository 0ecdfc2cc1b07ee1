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
}
