import Testing

@testable import SalesReports

@Suite struct SalesSummaryTests {
    static let header = SalesHeaderGeneration.columns28

    /// Both paths over the same rows; they must agree.
    static func summary(_ rows: [SalesRow]) throws -> SalesSummary {
        let bytes = try SyntheticSales.file(rows)
        let byRows = try Read.rowSummary([("sales.txt", bytes)])
        let fast = try Read.fastSummary([("sales.txt", bytes)])
        #expect(byRows == fast)
        return fast
    }

    @Test func proceedsArePerUnit() throws {
        // given: 12 units at 209.30 RUB each
        let rows = [SyntheticSales.row(type: "IAY", units: 12, proceeds: "209.30", price: "299.00", currency: "RUB")]

        // when
        let summary = try Self.summary(rows)

        // then
        #expect(summary.proceeds == ["RUB": DecimalAmount("2511.60")!])
        #expect(summary.sales == ["RUB": DecimalAmount("3588.00")!])
    }

    @Test func refundsReduceTheirBucketAndCountAsReturns() throws {
        // given
        let rows = [
            SyntheticSales.row(type: "IA1", units: 10, proceeds: "0.70", parent: "app.one"),
            SyntheticSales.row(type: "IA1", units: -3, proceeds: "0.70", parent: "app.one"),
            SyntheticSales.row(type: "1", units: -1, proceeds: "1.40", price: "1.99"),
        ]

        // when
        let summary = try Self.summary(rows)

        // then
        #expect(summary.units.inAppPurchases == 7)
        #expect(summary.units.downloads == -1)
        #expect(summary.returns == 4)
        #expect(summary.proceeds["USD"] == DecimalAmount("3.50"))
    }

    @Test func refundsAsAppleWritesThemReduceSalesAndProceeds() throws {
        // given: Apple's own sample (Summary Sales Report help page): a refund has negative Units,
        // a negative Customer Price and a positive Developer Proceeds
        let rows = [
            SyntheticSales.row(type: "1F", units: 100, proceeds: ".7", price: "0.99"),
            SyntheticSales.row(type: "1F", units: -50, proceeds: ".7", price: "-0.99"),
        ]

        // when
        let summary = try Self.summary(rows)

        // then: 100 × 0.99 − 50 × 0.99 and 100 × 0.70 − 50 × 0.70
        #expect(summary.sales == ["USD": DecimalAmount("49.50")!])
        #expect(summary.proceeds == ["USD": DecimalAmount("35.00")!])
        #expect(summary.units.downloads == 50)
        #expect(summary.returns == 50)
    }

    @Test func aRefundIsNegativeWhicheverSignItsProceedsAreWrittenWith() throws {
        // given: two refunds of one unit at 0.70, one with Developer Proceeds written negative, the
        // other positive (as Apple writes them)
        let rows = [
            SyntheticSales.row(sku: "app.minus", units: -1, proceeds: "-0.70", price: "-0.99"),
            SyntheticSales.row(sku: "app.plus", units: -1, proceeds: "0.70", price: "-0.99"),
        ]
        let bytes = try SyntheticSales.file(rows)

        // when: both ways of reading them (rows as values, and as bytes for `orchard summarize`)
        let rowByRow = try Read.salesRows(bytes)
        let summaries = [try Read.rowSummary([("sales.txt", bytes)]), try Read.fastSummary([("sales.txt", bytes)])]

        // then: each refund is −0.70; the sign comes from Units alone
        #expect(rowByRow.map(\.proceeds) == [DecimalAmount("-0.70")!, DecimalAmount("-0.70")!])
        #expect(rowByRow.map(\.sales) == [DecimalAmount("-0.99")!, DecimalAmount("-0.99")!])
        for summary in summaries {
            #expect(summary.proceeds == ["USD": DecimalAmount("-1.40")!])
            #expect(summary.sales == ["USD": DecimalAmount("-1.98")!])
            #expect(summary.apps.map(\.sku) == ["app.minus", "app.plus"])
            #expect(
                summary.apps.map(\.proceeds) == [["USD": DecimalAmount("-0.70")!], ["USD": DecimalAmount("-0.70")!]])
            #expect(summary.returns == 2)
        }
    }

    @Test func refundOnlyDayIsNegativeMoney() throws {
        // given
        let rows = [SyntheticSales.row(type: "IAY", units: -2, proceeds: "6.99", price: "-9.99", parent: "app.one")]

        // when
        let summary = try Self.summary(rows)

        // then
        #expect(summary.sales == ["USD": DecimalAmount("-19.98")!])
        #expect(summary.proceeds == ["USD": DecimalAmount("-13.98")!])
        #expect(summary.apps.first?.proceeds == ["USD": DecimalAmount("-13.98")!])
    }

    @Test func unitsInDecimalFormAreWholeNumbersAndZeroUnitsAddNothing() throws {
        // given: Units typed DECIMAL(18,2); a 0-unit row ("may indicate a partial refund")
        let header = SalesHeaderGeneration.columns28.columnNames
        func line(_ units: String, price: String) -> [String] {
            let row = SyntheticSales.row(type: "1", proceeds: "0.70", price: price)
            return header.map { $0 == "Units" ? units : row.value(forColumn: $0) }
        }
        let bytes = SyntheticSales.text([
            header, line("3.00", price: "0.99"), line("-2.0", price: "-0.99"), line("0", price: "0.99"),
            line("0.00", price: "-0.99"), line("5", price: "0.99"),
        ])

        // when
        let byRows = try Read.rowSummary([("sales.txt", bytes)])
        let fast = try Read.fastSummary([("sales.txt", bytes)])

        // then
        #expect(byRows == fast)
        #expect(fast.rows == 5)
        #expect(fast.units.downloads == 6)
        #expect(fast.returns == 2)
        #expect(fast.sales == ["USD": DecimalAmount("5.94")!])
        #expect(fast.proceeds == ["USD": DecimalAmount("4.20")!])
    }

    @Test func redownloadsAndRestoresAreNotDownloadsOrPurchases() throws {
        // given
        let rows = [
            SyntheticSales.row(type: "1F", units: 5, proceeds: "0"),
            SyntheticSales.row(type: "3", units: 7, proceeds: "0"),
            SyntheticSales.row(type: "7", units: 11, proceeds: "0"),
            SyntheticSales.row(type: "IA3", units: 2, proceeds: "0", parent: "app.one"),
            SyntheticSales.row(type: "NEW-1", units: 1, proceeds: "0"),
        ]

        // when
        let summary = try Self.summary(rows)

        // then
        #expect(summary.units.downloads == 5)
        #expect(summary.units.redownloads == 7)
        #expect(summary.units.updates == 11)
        #expect(summary.units.restores == 2)
        #expect(summary.units.other == 1)
        #expect(summary.units.inAppPurchases == 0)
    }

    @Test func inAppPurchasesBelongToTheirParentApp() throws {
        // given
        let rows = [
            SyntheticSales.row(
                sku: "com.example.app", type: "1", units: 2, proceeds: "0", title: "Example",
                appleIdentifier: "42"),
            SyntheticSales.row(
                sku: "com.example.coins", type: "IA1", units: 3, proceeds: "0.70",
                parent: "com.example.app", title: "Coins", appleIdentifier: "43"),
            SyntheticSales.row(
                sku: "orphan.iap", type: "IAY", units: 1, proceeds: "2.00", title: "Orphan",
                appleIdentifier: "44"),
            SyntheticSales.row(
                sku: "com.example.app", type: "7", units: 1, proceeds: "0", title: "Example 2",
                appleIdentifier: "42"),
        ]

        // when
        let apps = try Self.summary(rows).apps

        // then
        #expect(apps.map(\.sku) == ["com.example.app", "orphan.iap"])
        #expect(apps[0].units.downloads == 2)
        #expect(apps[0].units.updates == 1)
        #expect(apps[0].units.inAppPurchases == 3)
        #expect(apps[0].proceeds == ["USD": DecimalAmount("2.10")!])
        #expect(apps[0].title == "Example 2")
        #expect(apps[0].appleIdentifier == "42")
        #expect(apps[1].appleIdentifier == nil)
        #expect(apps[1].title == nil)
        #expect(apps[1].units.inAppPurchases == 1)
    }

    @Test func currenciesStaySeparateAndProceedsFollowCurrencyOfProceeds() throws {
        // given: a EUR customer whose proceeds are paid in USD
        let rows = [
            SyntheticSales.row(units: 2, proceeds: "0.70", price: "1.09", currency: "USD", customerCurrency: "EUR"),
            SyntheticSales.row(units: 1, proceeds: "100", price: "160", currency: "JPY"),
            SyntheticSales.row(units: 1, proceeds: "0.70", price: "0.99", currency: "USD"),
        ]

        // when
        let summary = try Self.summary(rows)

        // then
        #expect(summary.proceeds == ["USD": DecimalAmount("2.10")!, "JPY": DecimalAmount("100")!])
        #expect(
            summary.sales == [
                "EUR": DecimalAmount("2.18")!, "JPY": DecimalAmount("160")!,
                "USD": DecimalAmount("0.99")!,
            ])
    }

    @Test func randomFilesAgreeBetweenRowAndFastPaths() throws {
        for seed in 1...20 {
            // given
            var generator = SeededGenerator(seed: UInt64(seed))
            let rows = SyntheticSales.randomRows(count: 200, using: &generator)

            // when
            let bytes = try SyntheticSales.file(rows)
            let byRows = try Read.rowSummary([("a.txt", bytes), ("b.txt", bytes)])
            let fast = try Read.fastSummary([("a.txt", bytes), ("b.txt", bytes)])

            // then
            #expect(byRows == fast, "seed \(seed)")
            #expect(fast.rows == 400)
            #expect(fast.files == 2)
        }
    }

    @Test func jsonHasTheDocumentedShape() throws {
        // given
        var summary = SalesSummary()
        summary.files = 2
        summary.rows = 3
        summary.units.downloads = 5
        summary.returns = 1
        summary.proceeds = ["USD": DecimalAmount("0.125")!, "EUR": DecimalAmount("1")!]
        summary.sales = ["EUR": DecimalAmount("2.675")!]
        summary.apps = [AppSummary(sku: "a\"b", units: UnitCounts(), proceeds: [:])]

        // when
        let json = summary.jsonText()

        // then
        #expect(
            json == """
                {"files": 2, "rows": 3, "units": {"downloads": 5, "redownloads": 0, "updates": 0, "inAppPurchases": 0, \
                "restores": 0, "other": 0}, "returns": 1, "proceeds": {"EUR": "1.00", "USD": "0.12"}, "sales": \
                {"EUR": "2.68"}, "apps": [{"sku": "a\\"b", "appleIdentifier": null, "title": null, "units": \
                {"downloads": 0, "redownloads": 0, "updates": 0, "inAppPurchases": 0, "restores": 0, "other": 0}, \
                "proceeds": {}}]}
                """)
    }
}
