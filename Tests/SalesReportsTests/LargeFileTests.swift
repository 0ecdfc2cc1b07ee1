import Foundation
import Testing

@testable import SalesReports

/// Files read from disk: a plain file split between two threads and a gzip file decompressed
/// on its own thread must give the same totals and the same errors as reading row by row.
@Suite struct LargeFileTests {
    static func temporaryFile(_ name: String, _ bytes: [UInt8]) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sales-reports-tests")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("\(UUID().uuidString)-\(name)").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    static func rows() -> [SalesRow] {
        var generator = SeededGenerator(seed: 5)
        return SyntheticSales.randomRows(count: 3_000, using: &generator)
    }

    @Test func splitFileGivesTheSameTotalsAsOneReader() throws {
        // given
        let bytes = try SyntheticSales.file(Self.rows())
        let path = try Self.temporaryFile("sales.txt", bytes)
        defer { try? FileManager.default.removeItem(atPath: path) }

        // when
        let split = try SalesSummarizer.summarize(paths: [path], splitThreshold: 1_024)
        let whole = try SalesSummarizer.summarize(paths: [path], splitThreshold: .max)
        let byRows = try Read.rowSummary([(path, bytes)])

        // then
        #expect(split == byRows)
        #expect(whole == byRows)
        #expect(split.rows == 3_000)
    }

    @Test func errorInTheSecondHalfHasItsLineInTheWholeFile() throws {
        // given
        var lines = String(decoding: try SyntheticSales.file(Self.rows()), as: UTF8.self).split(separator: "\n")
        lines[2_500] = lines[2_500].replacingFirst("\t03/09/2024\t", with: "\t03/99/2024\t")
        let bytes = Array((lines.joined(separator: "\n") + "\n").utf8)
        let path = try Self.temporaryFile("bad.txt", bytes)
        defer { try? FileManager.default.removeItem(atPath: path) }

        // when
        let split = Read.error { _ = try SalesSummarizer.summarize(paths: [path], splitThreshold: 1_024) }
        let byRows = Read.error { _ = try Read.rowSummary([(path, bytes)]) }

        // then
        #expect(split == byRows)
        #expect(split?.line == 2_501)
        #expect(split?.reason == .badDate)
    }

    @Test func gzipFileOnDiskIsReadAheadOnAnotherThread() throws {
        // given
        let plain = try SyntheticSales.file(Self.rows())
        let gzip = try SyntheticSales.file(Self.rows(), gzip: true, gzipMemberSize: 50_000)
        let path = try Self.temporaryFile("sales.txt.gz", gzip)
        let truncated = try Self.temporaryFile("cut.txt.gz", Array(gzip.prefix(gzip.count * 2 / 3)))
        defer {
            try? FileManager.default.removeItem(atPath: path)
            try? FileManager.default.removeItem(atPath: truncated)
        }

        // when
        let summary = try SalesSummarizer.summarize(paths: [path])
        let error = Read.error { _ = try SalesSummarizer.summarize(paths: [truncated]) }
        let reader = try ReportReader(path: path)
        var count = 0
        while try reader.nextSalesRow() != nil { count += 1 }

        // then
        #expect(summary == (try Read.rowSummary([(path, plain)])))
        #expect(count == 3_000)
        #expect(error?.reason == .badCompression)
    }

    @Test func readerThatStopsEarlyReleasesTheDecompressingThread() throws {
        // given
        let path = try Self.temporaryFile("early.txt.gz", try SyntheticSales.file(Self.rows(), gzip: true))
        defer { try? FileManager.default.removeItem(atPath: path) }

        // when: many readers are opened and dropped after one row
        for _ in 0..<50 {
            let reader = try ReportReader(path: path)
            _ = try reader.nextSalesRow()
        }

        // then: reading still works (no thread or buffer left blocked)
        #expect(try SalesSummarizer.summarize(paths: [path]).rows == 3_000)
    }
}

extension Substring {
    func replacingFirst(_ target: String, with replacement: String) -> Substring {
        guard let range = range(of: target) else { return self }
        return self[..<range.lowerBound] + replacement + self[range.upperBound...]
    }
}
