import Testing

@testable import SalesReports

/// Bad input yields an error naming file, line and column on both paths (rows and the fast
/// summary), never a crash and never a partial total.
@Suite struct MalformedReportTests {
    static let header = SalesHeaderGeneration.columns28.columnNames

    static func line(_ changes: [String: String] = [:]) -> [String] {
        let row = SyntheticSales.row()
        return header.map { changes[$0] ?? row.value(forColumn: $0) }
    }

    /// The error of reading `bytes` by rows; checks the fast path reports exactly the same.
    static func error(_ bytes: [UInt8]) -> ReportError? {
        let rowError = Read.error { _ = try Read.salesRows(bytes) }
        let fastError = Read.error { _ = try Read.fastSummary([("sales.txt", bytes)]) }
        #expect(rowError == fastError)
        return rowError
    }

    @Test(arguments: [
        ("Units", "abc", ReportError.Reason.badNumber, "sales.txt:3:8: 'abc' is not a whole number in column 'Units'"),
        ("Units", "1.5", .badNumber, "sales.txt:3:8: '1.5' is not a whole number in column 'Units'"),
        ("Units", "2.50", .badNumber, "sales.txt:3:8: '2.50' is not a whole number in column 'Units'"),
        (
            "Developer Proceeds", "1,50", .badNumber,
            "sales.txt:3:9: '1,50' is not a decimal number in column 'Developer Proceeds'"
        ),
        (
            "Customer Price", "$0.99", .badNumber,
            "sales.txt:3:16: '$0.99' is not a decimal number in column 'Customer Price'"
        ),
        (
            "Begin Date", "2024/03/09", .badDate,
            "sales.txt:3:10: '2024/03/09' is not a date (MM/DD/YYYY or YYYY-MM-DD) in column 'Begin Date'"
        ),
        (
            "End Date", "02/30/2024", .badDate,
            "sales.txt:3:11: '02/30/2024' is not a date (MM/DD/YYYY or YYYY-MM-DD) in column 'End Date'"
        ),
        ("Units", " ", .missingValue, "sales.txt:3:8: column 'Units' is blank"),
        ("SKU", "", .missingValue, "sales.txt:3:3: column 'SKU' is blank"),
    ])
    func badFieldIsLocated(column: String, value: String, reason: ReportError.Reason, message: String) {
        // given
        let bytes = SyntheticSales.text([Self.header, Self.line(), Self.line([column: value]), Self.line()])

        // when
        let error = Self.error(bytes)

        // then
        #expect(error?.reason == reason)
        #expect(error?.description == message)
    }

    @Test func raggedRowIsAnError() {
        // given
        let short = Array(Self.line().prefix(17))
        let bytes = SyntheticSales.text([Self.header, Self.line(), short])

        // when
        let error = Self.error(bytes)

        // then
        #expect(error?.description == "sales.txt:3: row has 17 fields but the header has 28")
    }

    @Test func unknownHeaderIsAnError() {
        // given
        let bytes = SyntheticSales.text([["Name", "Price"], ["a", "1"]])

        // when
        let error = Self.error(bytes)

        // then
        #expect(error?.reason == .badHeader)
        #expect(error?.line == 1)
    }

    @Test func headerWithoutRequiredColumnsNamesThem() {
        // given
        let header = Self.header.filter { $0 != "Units" && $0 != "Customer Price" }
        let bytes = SyntheticSales.text([header])

        // when
        let error = Self.error(bytes)

        // then
        #expect(
            error?.description == "sales.txt:1: Summary Sales report header lacks columns 'Units', 'Customer Price'")
    }

    @Test func duplicateHeaderColumnIsAnError() {
        let error = Self.error(SyntheticSales.text([Self.header + ["Units"]]))
        #expect(error?.reason == .badHeader)
    }

    @Test func emptyFileIsAnError() {
        #expect(Self.error([])?.reason == .empty)
    }

    @Test func binaryJunkIsAnError() {
        // given
        var generator = SeededGenerator(seed: 7)
        let junk = (0..<5_000).map { _ in UInt8.random(in: 0...255, using: &generator) }

        // when
        let error = Self.error(junk)

        // then
        #expect(error != nil)
    }

    @Test func invalidUTF8InARowIsAnError() {
        // given
        var bytes = SyntheticSales.text([Self.header, Self.line()])
        bytes += Array(Self.line([:]).joined(separator: "\t").utf8).map { $0 == UInt8(ascii: "O") ? 0xFF : $0 } + [10]

        // when
        let error = Self.error(bytes)

        // then
        #expect(error?.description == "sales.txt:3: line is not valid UTF-8 text")
    }

    @Test func endlessLineIsRefusedNotBuffered() {
        // given
        let bytes =
            SyntheticSales.text([Self.header]) + [UInt8](repeating: 0x41, count: TSVScanner.maximumLineLength + 10)

        // when
        let error = Self.error(bytes)

        // then
        #expect(error?.reason == .lineTooLong)
        #expect(error?.line == 2)
    }

    @Test func moneyWithoutCurrencyIsAnErrorButFreeRowsWithoutCurrencyAreFine() throws {
        // given
        let free = Self.line(["Currency of Proceeds": " ", "Developer Proceeds": "0.00"])
        let paid = Self.line(["Currency of Proceeds": " ", "Developer Proceeds": "0.70"])

        // when
        let freeSummary = try Read.fastSummary([("sales.txt", SyntheticSales.text([Self.header, free]))])
        let rowError = Read.error {
            _ = try Read.rowSummary([("sales.txt", SyntheticSales.text([Self.header, paid]))])
        }
        let fastError = Read.error {
            _ = try Read.fastSummary([("sales.txt", SyntheticSales.text([Self.header, paid]))])
        }

        // then
        #expect(freeSummary.proceeds.isEmpty)
        #expect(rowError == fastError)
        #expect(rowError?.description == "sales.txt:2: an amount of 0.70 has no currency")
    }
}
