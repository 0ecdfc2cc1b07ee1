import Testing

@testable import SalesReports

@Suite struct SalesReportReaderTests {
    @Test(arguments: SalesHeaderGeneration.allCases)
    func readsEveryHeaderGeneration(generation: SalesHeaderGeneration) throws {
        // given
        let written = SyntheticSales.row(
            sku: "app.one", type: "IAY", units: 3, proceeds: "209.30", price: "299.00",
            currency: "RUB", parent: "app", title: "UP尤物 Magazine")
        let bytes = try SyntheticSales.file([written], generation: generation)

        // when
        let rows = try Read.salesRows(bytes)

        // then
        let row = try #require(rows.first)
        #expect(rows.count == 1)
        #expect(row.sku == "app.one")
        #expect(row.title == "UP尤物 Magazine")
        #expect(row.units == 3)
        #expect(row.proceeds == DecimalAmount("627.90"))
        #expect(row.parentIdentifier == "app")
        #expect(row.beginDate == SyntheticSales.day)
        #expect(row.device == (generation.rawValue >= 24 ? "iPhone" : ""))
    }

    @Test func trimsSinglePlaceholderSpacesAndKeepsTrulyEmptyFields() throws {
        // given
        let header = SalesHeaderGeneration.columns22.columnNames
        let line = [
            "APPLE", "US", "AwesomeApp", "Masaru", "AwesomeApp", "2.2", "1", "1", "0", "02/28/2015",
            "02/28/2015", "JPY", "JP", "JPY", "123456789", "0", " ", " ", " ", " ", "Lifestyle", "",
        ]

        // when
        let row = try #require(try Read.salesRows(SyntheticSales.text([header, line])).first)

        // then
        #expect(row.promoCode == "")
        #expect(row.parentIdentifier == "")
        #expect(row.cmb == "")
        #expect(row.category == "Lifestyle")
        #expect(row.developerProceeds == .zero)
    }

    @Test func mapsColumnsByNameWhateverTheirOrder() throws {
        // given
        var header = SalesHeaderGeneration.columns20.columnNames
        header.swapAt(2, 7)
        let line = header.map(SyntheticSales.row(sku: "x", units: 5).value(forColumn:))

        // when
        let row = try #require(try Read.salesRows(SyntheticSales.text([header, line])).first)

        // then
        #expect(row.sku == "x")
        #expect(row.units == 5)
    }

    @Test func keepsColumnsAppleAddsLater() throws {
        // given
        let header = SalesHeaderGeneration.columns28.columnNames + ["Advanced Commerce SKU"]
        let row = SyntheticSales.row()
        let line = SalesHeaderGeneration.columns28.columnNames.map(row.value(forColumn:)) + ["premium.yearly"]

        // when
        let read = try #require(try Read.salesRows(SyntheticSales.text([header, line])).first)

        // then
        #expect(read.otherColumns == ["Advanced Commerce SKU": "premium.yearly"])
    }

    @Test func acceptsByteOrderMarkCRLFBlankLinesAndNoFinalNewline() throws {
        // given
        let rows = [SyntheticSales.row(units: 2), SyntheticSales.row(type: "7", units: 4)]
        let lf = String(decoding: try SyntheticSales.file(rows), as: UTF8.self)
        var crlf = "\u{FEFF}" + lf.replacingOccurrences(of: "\n", with: "\r\n") + "\r\n"
        crlf.removeLast(2)
        crlf = crlf.replacingOccurrences(of: "\r\nAPPLE", with: "\r\n\r\nAPPLE")

        // when
        let read = try Read.salesRows(Array(crlf.utf8))

        // then
        #expect(read.map(\.units) == [2, 4])
        #expect(read.last?.orderType == "")
        #expect(read.map(\.line) == [3, 5])
    }

    @Test func readsNegativeUnitsAsRefunds() throws {
        // given
        let bytes = try SyntheticSales.file([SyntheticSales.row(type: "IA1", units: -2, proceeds: "0.70")])

        // when
        let row = try #require(try Read.salesRows(bytes).first)

        // then
        #expect(row.units == -2)
        #expect(row.proceeds == DecimalAmount("-1.40"))
    }

    @Test func refusesToReadAnotherKindAsSales() throws {
        // given
        let writer = ReportWriter(kind: .financial)
        let reader = try ReportReader(bytes: try writer.finish(), file: "fin.txt")

        // when
        let error = Read.error { _ = try reader.nextSalesRow() }

        // then
        #expect(error?.reason == .wrongKind)
    }

}

extension String {
    func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
