import Testing

@testable import SalesReports

@Suite struct FinancialReportTests {
    static func values(quantity: String, share: String, extended: String, type: String = "IAY") -> [String] {
        let names = ReportKind.financial.columns.map(\.name)
        let given = [
            "Start Date": "09/29/2024", "End Date": "10/26/2024", "Vendor Identifier": "app.coins",
            "Quantity": quantity, "Partner Share": share, "Extended Partner Share": extended,
            "Partner Share Currency": "EUR", "Sales or Return": quantity.hasPrefix("-") ? "R" : "S",
            "Apple Identifier": "77", "Title": "Coins", "Product Type Identifier": type, "Country Of Sale": "DE",
            "Customer Price": "0.99", "Customer Currency": "EUR",
        ]
        return names.map { given[$0] ?? "" }
    }

    @Test func writerAddsAFooterTheReaderChecks() throws {
        // given
        let writer = ReportWriter(kind: .financial)
        try writer.write(values: Self.values(quantity: "5", share: "0.60", extended: "3.00"))
        try writer.write(values: Self.values(quantity: "-1", share: "0.60", extended: "-0.60"))
        let bytes = try writer.finish()

        // when
        let reader = try ReportReader(bytes: bytes, file: "f.txt")
        var rows: [FinancialRow] = []
        while let row = try reader.nextFinancialRow() { rows.append(row) }

        // then
        #expect(rows.map(\.quantity) == [5, -1])
        #expect(reader.financialFooter == FinancialFooter(rows: 2, amount: DecimalAmount("2.40"), units: 4))
        #expect(String(decoding: bytes, as: UTF8.self).hasSuffix("Total_Rows\t2\nTotal_Amount\t2.40\nTotal_Units\t4\n"))
    }

    @Test(arguments: [("Total_Rows", "3"), ("Total_Amount", "2.41"), ("Total_Units", "5")])
    func footerThatDisagreesWithTheRowsIsAnError(line: String, value: String) throws {
        // given
        let writer = ReportWriter(kind: .financial)
        try writer.write(values: Self.values(quantity: "5", share: "0.60", extended: "3.00"))
        try writer.write(values: Self.values(quantity: "-1", share: "0.60", extended: "-0.60"))
        var text = String(decoding: try writer.finish(), as: UTF8.self)
        let correct = ["Total_Rows": "2", "Total_Amount": "2.40", "Total_Units": "4"][line]!
        text = text.replacingOccurrences(of: "\(line)\t\(correct)\n", with: "\(line)\t\(value)\n")

        // when
        let error = Read.error {
            let reader = try ReportReader(bytes: Array(text.utf8), file: "f.txt")
            while try reader.nextFinancialRow() != nil {}
        }

        // then
        #expect(error?.reason == .footerMismatch)
        #expect(error?.column == 2)
        #expect(error?.message.hasPrefix("\(line) is \(value) but the rows add up to") == true)
    }

    @Test func summaryUsesExtendedPartnerShareAndQuantity() throws {
        // given
        let writer = ReportWriter(kind: .financial)
        try writer.write(values: Self.values(quantity: "5", share: "0.60", extended: "3.00"))
        try writer.write(values: Self.values(quantity: "-1", share: "0.60", extended: "-0.60"))
        let bytes = try writer.finish()

        // when
        let byRows = try Read.rowSummary([("f.txt", bytes)])
        let fast = try Read.fastSummary([("f.txt", bytes)])

        // then
        #expect(byRows == fast)
        #expect(fast.units.inAppPurchases == 4)
        #expect(fast.returns == 1)
        #expect(fast.proceeds == ["EUR": DecimalAmount("2.40")!])
        #expect(fast.sales == ["EUR": DecimalAmount("3.96")!])
    }
}
