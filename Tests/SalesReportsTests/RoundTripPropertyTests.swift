import Testing

@testable import SalesReports

/// Properties over random data: what the writer writes the reader reads back, whatever the
/// layout, compression, or the way the bytes arrive in chunks.
@Suite struct RoundTripPropertyTests {
    @Test(arguments: SalesHeaderGeneration.allCases)
    func writeThenParseGivesTheSameRows(generation: SalesHeaderGeneration) throws {
        // given
        var generator = SeededGenerator(seed: UInt64(generation.rawValue))
        let rows = SyntheticSales.randomRows(count: 400, using: &generator).map { keepColumns($0, generation) }

        // when
        let plain = try Read.salesRows(try SyntheticSales.file(rows, generation: generation))
        let gzip = try Read.salesRows(try SyntheticSales.file(rows, generation: generation, gzip: true))

        // then
        #expect(plain.map(\.withoutLine) == rows)
        #expect(gzip.map(\.withoutLine) == rows)
    }

    @Test func randomChunkSplitsNeverChangeTheResult() throws {
        // given
        var generator = SeededGenerator(seed: 99)
        let rows = SyntheticSales.randomRows(count: 300, using: &generator)
        let bytes = try SyntheticSales.file(rows)
        let expected = try Read.fastSummary([("s.txt", bytes)])

        for trial in 0..<25 {
            // when: bytes arrive in random chunks, through a buffer as small as 64 bytes
            var chunks = SeededGenerator(seed: UInt64(trial))
            let sizes = { Int.random(in: 1...300, using: &chunks) }
            let buffer = [64, 100, 4096][trial % 3]
            let read = try Read.salesRows(bytes, chunkSizes: sizes, bufferSize: buffer)
            var chunks2 = SeededGenerator(seed: UInt64(trial) + 1000)
            let fast = try Read.fastSummary(
                [("s.txt", bytes)], chunkSizes: { Int.random(in: 1...300, using: &chunks2) }, bufferSize: buffer)

            // then
            #expect(read.map(\.withoutLine) == rows, "trial \(trial)")
            #expect(fast == expected, "trial \(trial)")
        }
    }

    @Test func everyRowSplitPointReadsTheSame() throws {
        // given: one short file, cut at every byte into two reads
        let bytes = try SyntheticSales.file([SyntheticSales.row(units: 3), SyntheticSales.row(type: "7", units: 9)])
        let expected = try Read.salesRows(bytes)

        for cut in 1..<bytes.count {
            // when
            var first = true
            let read = try Read.salesRows(
                bytes,
                chunkSizes: {
                    defer { first = false }
                    return first ? cut : Int.max
                }, bufferSize: 64)

            // then
            #expect(read == expected, "cut at \(cut)")
        }
    }

    @Test func writerRefusesValuesThatWouldBreakTheLayout() {
        // given
        let writer = ReportWriter(kind: .summarySales)
        let row = SyntheticSales.row(title: "Tab\there")

        // when
        let error = Read.error { try writer.write(row) }

        // then
        #expect(error?.reason == .unwritable)
    }

    @Test func writerUsesApplePlaceholders() throws {
        // given
        let writer = ReportWriter(kind: .summarySales, columns: SalesHeaderGeneration.columns22.columnNames)

        // when
        try writer.write(SyntheticSales.row())
        let text = String(decoding: try writer.finish(), as: UTF8.self)

        // then: blank Promo Code etc. as " ", CMB truly empty at the end of the line
        let line = text.split(separator: "\n")[1]
        #expect(line.hasSuffix("\t \t \t \tUtilities\t"))
        #expect(
            line.hasPrefix("APPLE\tUS\tapp.one\tOrchard Ltd\tOrchard\t1.0\t1\t1\t0.70\t03/09/2024\t03/09/2024\tUSD"))
    }

    private func keepColumns(_ row: SalesRow, _ generation: SalesHeaderGeneration) -> SalesRow {
        var row = row
        let names = Set(generation.columnNames)
        if !names.contains("Category") { row.category = "" }
        if !names.contains("Device") {
            row.device = ""
            row.supportedPlatforms = ""
        }
        return row
    }
}

extension SalesRow {
    var withoutLine: SalesRow {
        var row = self
        row.line = 0
        return row
    }
}
