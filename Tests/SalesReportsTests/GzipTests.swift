import Testing

@testable import SalesReports

@Suite struct GzipTests {
    static func rows(_ count: Int) -> [SalesRow] {
        var generator = SeededGenerator(seed: 42)
        return SyntheticSales.randomRows(count: count, using: &generator)
    }

    @Test func readsGzipLikePlainText() throws {
        // given
        let rows = Self.rows(300)

        // when
        let plain = try Read.salesRows(try SyntheticSales.file(rows))
        let gzip = try Read.salesRows(try SyntheticSales.file(rows, gzip: true))

        // then
        #expect(gzip == plain)
        #expect(gzip.count == 300)
    }

    @Test func readsEveryMemberOfAMultiMemberBody() throws {
        // given: Apple's servers may send several concatenated gzip members
        let rows = Self.rows(500)
        let bytes = try SyntheticSales.file(rows, gzip: true, gzipMemberSize: 1_000)
        let members = (0..<bytes.count - 2).filter { bytes[$0] == 0x1F && bytes[$0 + 1] == 0x8B && bytes[$0 + 2] == 8 }

        // when
        let read = try Read.salesRows(bytes, chunkSizes: { 777 })

        // then
        #expect(members.count > 10)
        #expect(read.count == 500)
        #expect(read.map(\.units) == rows.map(\.units))
    }

    @Test func concatenatedFilesReadAsOne() throws {
        // given
        let first = try SyntheticSales.file(Self.rows(3), gzip: true)
        let rows = Self.rows(3)
        let secondBody = try SyntheticSales.file(rows)
        let bodyWithoutHeader = Array(secondBody.drop(while: { $0 != 10 }).dropFirst())
        let second = try gzipOf(bodyWithoutHeader)

        // when
        let read = try Read.salesRows(first + second + [0, 0, 0])

        // then
        #expect(read.count == 6)
    }

    @Test func truncatedGzipIsAnErrorAtEveryCut() throws {
        // given
        let bytes = try SyntheticSales.file(Self.rows(200), gzip: true)

        // when / then: cut anywhere after the header, never a silent partial result
        for cut in stride(from: 20, to: bytes.count - 1, by: max(1, bytes.count / 60)) {
            let error = Read.error { _ = try Read.salesRows(Array(bytes.prefix(cut))) }
            let fastError = Read.error { _ = try Read.fastSummary([("sales.txt.gz", Array(bytes.prefix(cut)))]) }
            #expect(error != nil, "cut at \(cut)")
            #expect(fastError != nil, "cut at \(cut)")
        }
        let endOnly = Read.error { _ = try Read.salesRows(Array(bytes.dropLast())) }
        #expect(endOnly?.reason == .badCompression)
        #expect(endOnly?.description.hasSuffix("gzip data is truncated") == true)
    }

    @Test func corruptGzipAndTrailingGarbageAreErrors() throws {
        // given
        var corrupt = try SyntheticSales.file(Self.rows(200), gzip: true)
        for index in stride(from: 30, to: corrupt.count - 10, by: 97) { corrupt[index] ^= 0x55 }
        let trailing = try SyntheticSales.file(Self.rows(5), gzip: true) + Array("garbage".utf8)

        // when
        let corruptError = Read.error { _ = try Read.salesRows(corrupt) }
        let trailingError = Read.error { _ = try Read.salesRows(trailing) }

        // then
        #expect(corruptError != nil)
        #expect(trailingError?.reason == .badCompression)
    }

    private func gzipOf(_ bytes: [UInt8]) throws -> [UInt8] {
        let memory = MemoryByteSink()
        let sink = GzipByteSink(output: memory)
        try bytes.withUnsafeBytes { try sink.write($0) }
        try sink.finish()
        return memory.bytes
    }
}
