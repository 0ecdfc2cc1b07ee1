import Testing

@testable import SalesReports

/// A randomized corruption fuzzer: flip, insert, delete and duplicate bytes of valid files
/// (plain and gzip). Reading must never crash or hang, both paths must fail or succeed
/// together, and a failure must name a line.
@Suite struct CorruptionFuzzTests {
    @Test(arguments: [false, true])
    func corruptedFilesNeverCrash(gzip: Bool) throws {
        var generator = SeededGenerator(seed: gzip ? 2024 : 1984)
        let rows = SyntheticSales.randomRows(count: 60, using: &generator)
        let original = try SyntheticSales.file(rows, gzip: gzip)
        var failures = 0

        for trial in 0..<400 {
            // given
            var bytes = original
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                mutate(&bytes, using: &generator)
            }

            // when
            let rowError = Read.error { _ = try Read.salesRows(bytes, file: "f") }
            let fastError = Read.error { _ = try Read.fastSummary([("f", bytes)]) }

            // then
            #expect((rowError == nil) == (fastError == nil), "trial \(trial)")
            if let rowError {
                failures += 1
                #expect(rowError.line >= 1, "trial \(trial): \(rowError)")
                #expect(rowError == fastError, "trial \(trial)")
            }
        }
        #expect(failures > 100)
    }

    private func mutate(_ bytes: inout [UInt8], using generator: inout SeededGenerator) {
        guard !bytes.isEmpty else { return }
        let index = Int.random(in: 0..<bytes.count, using: &generator)
        let interesting: [UInt8] = [9, 10, 13, 0x20, 0x2D, 0x2E, 0x30, 0x39, 0x00, 0xFF, 0xC3, 0x1F, 0x8B]
        switch Int.random(in: 0..<5, using: &generator) {
        case 0: bytes[index] = UInt8.random(in: 0...255, using: &generator)
        case 1: bytes[index] = interesting.randomElement(using: &generator)!
        case 2: bytes.remove(at: index)
        case 3: bytes.insert(interesting.randomElement(using: &generator)!, at: index)
        default: bytes.removeSubrange(index..<min(bytes.count, index + Int.random(in: 1...50, using: &generator)))
        }
    }
}
