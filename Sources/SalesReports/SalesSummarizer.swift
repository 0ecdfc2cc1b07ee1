import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The fast path of `orchard summarize`: adds up Summary Sales reports straight from the
/// bytes, with no `String` per field and no row objects, applying exactly the checks of
/// ``ReportReader`` and the rules of ``SalesSummaryBuilder`` (tests hold the two paths to the
/// same results and the same errors). Financial reports are added through their typed rows.
///
/// A large plain-text file is read as two halves on two threads; a gzip file is decompressed
/// on one thread while it is parsed on another. Memory stays bounded by a few 1 MiB buffers.
///
/// The calling thread reads and waits for the other thread: call it from a thread of its own, not
/// from Swift concurrency's (`orchard summarize` starts one).
public enum SalesSummarizer {
    /// Reads every file (plain or gzip) and returns their totals together.
    public static func summarize(paths: [String]) throws(ReportError) -> SalesSummary {
        try summarize(paths: paths, splitThreshold: 8 << 20)
    }

    /// Plain files of at least `splitThreshold` bytes are split between two threads.
    static func summarize(paths: [String], splitThreshold: Int) throws(ReportError) -> SalesSummary {
        let aggregate = SalesAggregate()
        for path in paths {
            if try !aggregate.addSplit(path: path, threshold: splitThreshold) {
                try aggregate.add(try ReportReader(path: path))
            }
        }
        return aggregate.summary
    }

    /// Adds up readers already opened (tests feed bytes in odd chunk sizes this way).
    static func summarize(readers: [ReportReader]) throws(ReportError) -> SalesSummary {
        let aggregate = SalesAggregate()
        for reader in readers { try aggregate.add(reader) }
        return aggregate.summary
    }
}

/// Adds files into one ``SalesTotals``.
final class SalesAggregate {
    private var totals = SalesTotals()

    var summary: SalesSummary { totals.summary }

    func add(_ reader: ReportReader) throws(ReportError) {
        switch reader.kind {
        case .summarySales:
            try totals.addSales(reader)
        case .financial:
            while let row = try reader.nextFinancialRow() { try totals.addFinancial(row, file: reader.file) }
        case .subscription, .subscriptionEvent, .subscriber:
            throw ReportError(
                file: reader.file, line: 1, reason: .wrongKind,
                message: "is a \(reader.kind.displayName) report; summarize adds up Summary Sales and Financial reports"
            )
        }
        totals.files += 1
    }

    /// Adds a large plain Summary Sales file as two halves read in parallel; `false` (nothing
    /// read) when the file is small, compressed, another kind, or the machine has one core.
    func addSplit(path: String, threshold: Int) throws(ReportError) -> Bool {
        guard sysconf(Int32(_SC_NPROCESSORS_ONLN)) > 1 else { return false }
        let probe: FileByteSource
        do {
            probe = try FileByteSource(path: path)
        } catch {
            throw ReportError(file: path, line: 0, reason: error.reason, message: error.message)
        }
        guard let size = probe.regularFileSize, size >= threshold, !Self.isGzip(probe),
            let middle = Self.lineStart(after: size / 2, in: probe, size: size)
        else { return false }
        let first: ReportReader
        do {
            first = try ReportReader(source: try FileByteSource(path: path, range: 0..<middle), file: path)
        } catch let error as ReportError {
            throw error
        } catch {
            return false
        }
        guard first.kind == .summarySales, middle > first.scanner.lineEnd else { return false }
        let second: ReportReader
        do {
            second = ReportReader(
                continuing: first.header, source: try FileByteSource(path: path, range: middle..<size), file: path)
        } catch {
            throw ReportError(file: path, line: 0, reason: error.reason, message: error.message)
        }
        // The second half is summed on a thread of its own, which hands the job back when it is done.
        let finished = ThreadChannel<SecondHalf, Never>(capacity: 1)
        let job = SecondHalf(reader: second)
        let thread = Thread {
            job.run()
            _ = finished.send(job)
        }
        thread.name = "orchard.summarize.half"
        thread.start()
        let firstResult = Result { () throws(ReportError) in try totals.addSales(first) }
        _ = finished.receive()
        try firstResult.get()
        switch job.result {
        case .success(let secondTotals):
            totals.merge(secondTotals)
        case .failure(var error):
            error.line += first.scanner.lineNumber
            throw error
        }
        totals.files += 1
        return true
    }

    private static func isGzip(_ file: FileByteSource) -> Bool {
        let magic = UnsafeMutableRawBufferPointer.allocate(byteCount: 2, alignment: 1)
        defer { magic.deallocate() }
        guard let count = try? file.read(into: magic, at: 0), count == 2 else { return false }
        return GzipByteSource.isGzip(UnsafeRawBufferPointer(magic))
    }

    /// The offset just after the first line end at or after `offset`, if any.
    private static func lineStart(after offset: Int, in file: FileByteSource, size: Int) -> Int? {
        let window = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 16)
        defer { window.deallocate() }
        var position = offset
        while position < size {
            guard let count = try? file.read(into: window, at: position), count > 0 else { return nil }
            if let index = window.prefix(count).firstIndex(of: 0x0A) { return position + index + 1 }
            position += count
        }
        return nil
    }

    /// The second half of a split file, summed on another thread.
    private final class SecondHalf: @unchecked Sendable {
        let reader: ReportReader
        var result: Result<SalesTotals, ReportError> = .success(SalesTotals())

        init(reader: ReportReader) { self.reader = reader }

        func run() {
            var totals = SalesTotals()
            result = Result { () throws(ReportError) in
                try totals.addSales(reader)
                return totals
            }
        }
    }
}
