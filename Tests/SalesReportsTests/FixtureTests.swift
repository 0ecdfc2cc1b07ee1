import Foundation
import Testing

@testable import SalesReports

/// The public sample files in ../shared/fixtures (absent in a user's clone: these tests then
/// skip). Expected totals were computed by hand from the files (see each comment).
@Suite struct FixtureTests {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("shared/fixtures").path

    static func path(_ name: String) -> String { directory + "/" + name }
    static func exists(_ name: String) -> Bool { FileManager.default.fileExists(atPath: path(name)) }

    static let sales28 = "sales_summary_1_x_28col__appstore-sdk-go.tsv"
    static let sales22 = "sales_summary_2015_22col__itunes_connect-autoingestion.tsv"
    static let mangled = "sales_summary_2014_nonascii__apple_reporter.tsv"
    static let financial = "financial_report__appstore-sdk-go.tsv"

    @Test(.enabled(if: exists(sales28)))
    func summarySales28Columns() throws {
        // given: 46 rows; types 1 ×9 rows (422 units), 3 ×16 (126), 7 ×5 (26), IAY ×16 (142)
        let path = Self.path(Self.sales28)

        // when
        let summary = try SalesSummarizer.summarize(paths: [path])

        // then
        #expect(summary.rows == 46)
        #expect(summary.units.downloads == 422)
        #expect(summary.units.redownloads == 126)
        #expect(summary.units.updates == 26)
        #expect(summary.units.inAppPurchases == 142)
        #expect(summary.returns == 0)
        // RUB: 12×209.30 + 3×559.30 + 18×209.30 + 2×2065.00 + 31×419.30 + 1×489.30 + 0×59.80
        //      + 3×559.30 + 45×209.30 + 18×419.30 = 44218.30
        #expect(summary.proceeds["RUB"]?.formatted() == "44218.30")
        // KZT: 4×805.00 + 1×2093.00 + 1×805.00 = 6118.00; USD: 1×3.15 (free USD rows add 0.00)
        #expect(summary.proceeds["KZT"]?.formatted() == "6118.00")
        #expect(summary.proceeds["USD"]?.formatted() == "3.15")
        #expect(summary.proceeds["MXN"]?.formatted() == "71.81")
        #expect(summary.proceeds["SAR"]?.formatted() == "13.99")
        // RUB sales: 12×299 + 3×799 + 18×299 + 2×2950 + 31×599 + 1×699 + 0×(-85.43) + 3×799 + 45×299
        //            + 18×599 = 63169.00
        #expect(summary.sales["RUB"]?.formatted() == "63169.00")
        #expect(summary.sales["KZT"]?.formatted() == "8740.00")
        #expect(summary.proceeds.count == 8)
        #expect(summary.sales.count == 11)
        // one app: the IAY rows name foo.bar.baz as Parent Identifier
        #expect(summary.apps.map(\.sku) == ["foo.bar.baz"])
        #expect(summary.apps.first?.title == "FooBarTitle")
        #expect(summary.apps.first?.units == summary.units)
    }

    @Test(.enabled(if: exists(sales28)))
    func rowsAgreeWithFastPathOnTheSample() throws {
        // given
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: Self.path(Self.sales28))))

        // when
        let rows = try Read.rowSummary([(Self.path(Self.sales28), bytes)])
        let fast = try SalesSummarizer.summarize(paths: [Self.path(Self.sales28)])

        // then
        #expect(rows == fast)
    }

    @Test(.enabled(if: exists(sales28)))
    func placeholdersOfTheSampleAreTrimmed() throws {
        // given
        let reader = try ReportReader(path: Self.path(Self.sales28))

        // when
        let first = try #require(try reader.nextSalesRow())
        let second = try #require(try reader.nextSalesRow())

        // then
        #expect(first.developer == "")
        #expect(first.subscription == "Renewal")
        #expect(first.preservedPricing == "Yes")
        #expect(second.parentIdentifier == "")
        #expect(second.cmb == "")
        #expect(first.beginDate == ReportDate(year: 2020, month: 10, day: 5))
    }

    @Test(.enabled(if: exists(sales22)))
    func summarySales22ColumnsFrom2015() throws {
        // when
        let summary = try SalesSummarizer.summarize(paths: [Self.path(Self.sales22)])

        // then: one download of AwesomeApp, one update of SuperCoolApp, both free, JPY
        #expect(summary.rows == 2)
        #expect(summary.units.downloads == 1)
        #expect(summary.units.updates == 1)
        #expect(summary.proceeds == ["JPY": .zero])
        #expect(summary.apps.map(\.sku) == ["AwesomeApp", "SuperCoolApp"])
        #expect(summary.apps.map(\.appleIdentifier) == ["123456789", "234567890"])
    }

    @Test(.enabled(if: exists(mangled)))
    func mangledHeaderOfThe2014SampleIsALocatedError() {
        // when
        let error = Read.error { _ = try SalesSummarizer.summarize(paths: [Self.path(Self.mangled)]) }

        // then: its header joins 'Version Product Type Identifier Units' with spaces
        #expect(error?.reason == .badHeader)
        #expect(error?.line == 1)
        #expect(error?.message.contains("'Product Type Identifier', 'Units'") == true)
    }

    @Test(.enabled(if: exists(financial)))
    func financialReportFooterIsCheckedAndSkipped() throws {
        // given
        let reader = try ReportReader(path: Self.path(Self.financial))

        // when
        var rows: [FinancialRow] = []
        while let row = try reader.nextFinancialRow() { rows.append(row) }

        // then: 1 × 3.15 + 5 × 6.30 = 34.65 over 6 units in 2 rows, as the footer says
        #expect(rows.count == 2)
        #expect(rows.map(\.extendedPartnerShare) == [DecimalAmount("3.15")!, DecimalAmount("31.50")!])
        #expect(reader.financialFooter == FinancialFooter(rows: 2, amount: DecimalAmount("34.65"), units: 6))
    }

    @Test(.enabled(if: exists(sales28) && exists(sales22) && exists(financial)))
    func severalFilesAddUpTogether() throws {
        // when
        let summary = try SalesSummarizer.summarize(
            paths: [Self.path(Self.sales28), Self.path(Self.sales22), Self.path(Self.financial)])

        // then
        #expect(summary.files == 3)
        #expect(summary.rows == 50)
        #expect(summary.units.inAppPurchases == 148)
        #expect(summary.proceeds["USD"]?.formatted() == "37.80")
    }
}
