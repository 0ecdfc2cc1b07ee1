import Foundation
import Testing

@testable import SalesReports

/// Report files written for this project (Tests/SalesReportsTests/Fixtures, made-up values) in the
/// layouts and with the quirks Apple's files have had: every Summary Sales header generation, the
/// Financial report's footer, the Subscription and Subscription Event reports. Expected totals are
/// computed by hand from the files (see each comment).
@Suite struct FixtureTests {
    /// 28 columns ending `Order Type`, one day (03/17/2023), 18 rows of one app (`com.northwind.tides`)
    /// and its subscriptions (`tides.plus.*`, Parent Identifier `com.northwind.tides`). Blanks are
    /// Apple's `" "` except the truly empty `CMB`; free first downloads (type 1) have a blank
    /// `Currency of Proceeds`; one row has 0 units and a negative price; the last is a refund.
    static let sales28 = "summary-sales-28-columns.txt"
    /// 22 columns ending `Category, CMB` (2015), every row ending in a tab (empty CMB), `" "` for
    /// Promo Code, Parent Identifier, Subscription and Period, JPY amounts without decimals.
    static let sales22 = "summary-sales-2015-22-columns.txt"
    /// 2014: a non-ASCII title, a header that joins `Version Product Type Identifier Units` with
    /// spaces (20 tab fields), and data rows of 17 fields (blank fields dropped).
    static let mangled = "summary-sales-2014-mangled-header.txt"
    /// A Financial report: 22 columns, three rows (one a return), then the `Total_*` footer.
    static let financial = "financial-report.txt"
    /// A Subscription report: no date column, a padded `Proceeds Currency`, lone spaces for blanks,
    /// zero-price rows (free trials), durations of 7 days, 1 month and 1 year.
    static let subscription = "subscription.txt"
    /// A Subscription Event report: ISO dates, events of three days, nine kinds of event, offer
    /// types as Apple writes them (`Pay as you go`, `Free Trial`).
    static let subscriptionEvent = "subscription-event.txt"

    /// The path of a fixture file; a missing one fails the test, it is not skipped.
    static func path(_ name: String) throws -> String {
        let directory = try #require(
            Bundle.module.url(forResource: "Fixtures", withExtension: nil),
            "the Fixtures folder is not in the test bundle: check resources: [.copy(\"Fixtures\")] in Package.swift")
        let url = directory.appendingPathComponent(name)
        try #require(FileManager.default.fileExists(atPath: url.path), "fixture \(name) is missing from Fixtures")
        return url.path
    }

    @Test func summarySales28Columns() throws {
        // given: 18 rows; type 1 ×4 rows (57 + 14 + 3 + 1 = 75 units), 3 ×3 (11 + 2 + 1 = 14),
        // 7 ×2 (130 + 42 = 172), IAY ×9 (9 + 6 + 24 + 4 + 5 + 2 + 1 + 0 - 1 = 50, one refund)
        let path = try Self.path(Self.sales28)

        // when
        let summary = try SalesSummarizer.summarize(paths: [path])

        // then
        #expect(summary.rows == 18)
        #expect(summary.units.downloads == 75)
        #expect(summary.units.redownloads == 14)
        #expect(summary.units.updates == 172)
        #expect(summary.units.inAppPurchases == 50)
        #expect(summary.returns == 1)
        // proceeds (Units × Developer Proceeds): USD 6×0.69 + 24×2.09 + 2×33.99 = 4.14 + 50.16 + 67.98 = 122.28
        // (free USD rows add 0.00); EUR 9×2.35 = 21.15; GBP 4×4.66 = 18.64; CAD 5×8.39 - 1×8.39 = 33.56;
        // JPY 1×3818 = 3818; BRL 0×9.54 = 0. The free downloads' blank currency adds nothing (INR).
        #expect(summary.proceeds["USD"]?.formatted() == "122.28")
        #expect(summary.proceeds["EUR"]?.formatted() == "21.15")
        #expect(summary.proceeds["GBP"]?.formatted() == "18.64")
        #expect(summary.proceeds["CAD"]?.formatted() == "33.56")
        #expect(summary.proceeds["JPY"]?.formatted() == "3818.00")
        #expect(summary.proceeds["BRL"]?.formatted() == "0.00")
        #expect(summary.proceeds.count == 6)
        // sales (Units × |Customer Price|): USD 6×0.99 + 24×2.99 + 2×39.99 = 5.94 + 71.76 + 79.98 = 157.68;
        // EUR 9×3.99 = 35.91; CAD 5×11.99 - 1×11.99 = 47.96; BRL 0×14.90 = 0; INR 0
        #expect(summary.sales["USD"]?.formatted() == "157.68")
        #expect(summary.sales["EUR"]?.formatted() == "35.91")
        #expect(summary.sales["GBP"]?.formatted() == "31.96")
        #expect(summary.sales["CAD"]?.formatted() == "47.96")
        #expect(summary.sales["JPY"]?.formatted() == "6000.00")
        #expect(summary.sales["BRL"]?.formatted() == "0.00")
        #expect(summary.sales["INR"]?.formatted() == "0.00")
        #expect(summary.sales.count == 7)
        // one app: the IAY rows name com.northwind.tides as Parent Identifier
        #expect(summary.apps.map(\.sku) == ["com.northwind.tides"])
        #expect(summary.apps.first?.title == "Tide Tables")
        #expect(summary.apps.first?.appleIdentifier == "1482736519")
        #expect(summary.apps.first?.units == summary.units)
    }

    @Test func rowsAgreeWithFastPathOn28Columns() throws {
        // given
        let path = try Self.path(Self.sales28)
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))

        // when
        let rows = try Read.rowSummary([(path, bytes)])
        let fast = try SalesSummarizer.summarize(paths: [path])

        // then
        #expect(rows == fast)
    }

    @Test func placeholdersOf28ColumnsAreTrimmed() throws {
        // given
        let reader = try ReportReader(path: try Self.path(Self.sales28))

        // when
        let first = try #require(try reader.nextSalesRow())
        let second = try #require(try reader.nextSalesRow())
        var rest: [SalesRow] = []
        while let row = try reader.nextSalesRow() { rest.append(row) }

        // then
        #expect(first.developer == "")
        #expect(first.subscription == "Renewal")
        #expect(first.period == "7 Days")
        #expect(first.preservedPricing == "Yes")
        #expect(first.orderType == "")
        #expect(first.beginDate == ReportDate(year: 2023, month: 3, day: 17))
        #expect(second.parentIdentifier == "")
        #expect(second.cmb == "")
        #expect(second.proceedsCurrency == "")
        #expect(rest.filter { $0.orderType == "Pay As You Go Intro Offer" }.count == 2)
        #expect(rest.filter { $0.proceedsReason == "Rate After One Year" }.map(\.sku) == ["tides.plus.yearly"])
        let periods = Set(([first] + rest).filter { !$0.parentIdentifier.isEmpty }.map(\.period))
        #expect(periods == ["7 Days", "1 Month", "1 Year"])
    }

    @Test func summarySales22ColumnsFrom2015() throws {
        // when
        let summary = try SalesSummarizer.summarize(paths: [try Self.path(Self.sales22)])

        // then: 2 paid downloads of PocketAtlas (2×84 JPY proceeds, 2×120 JPY sales), 5 free updates
        // and 1 free download of KanjiDrill
        #expect(summary.rows == 3)
        #expect(summary.units.downloads == 3)
        #expect(summary.units.updates == 5)
        #expect(summary.proceeds == ["JPY": DecimalAmount("168")!])
        #expect(summary.sales == ["JPY": DecimalAmount("240")!])
        #expect(summary.apps.map(\.sku) == ["KanjiDrill", "PocketAtlas"])
        #expect(summary.apps.map(\.appleIdentifier) == ["912457360", "873301245"])
        #expect(summary.apps.map(\.title) == ["Kanji Drill", "Pocket Atlas"])
    }

    @Test func emptyCMBAtTheEndOfA2015RowIsRead() throws {
        // given
        let reader = try ReportReader(path: try Self.path(Self.sales22))

        // when
        let row = try #require(try reader.nextSalesRow())

        // then
        #expect(reader.header.names.count == 22)
        #expect(row.category == "Navigation")
        #expect(row.cmb == "")
        #expect(row.promoCode == "")
        #expect(row.customerPrice == DecimalAmount("120"))
    }

    @Test func mangledHeaderOf2014IsALocatedError() {
        // when
        let error = Read.error { _ = try SalesSummarizer.summarize(paths: [try Self.path(Self.mangled)]) }

        // then: its header joins 'Version Product Type Identifier Units' with spaces
        #expect(error?.reason == .badHeader)
        #expect(error?.line == 1)
        #expect(error?.message.contains("'Product Type Identifier', 'Units'") == true)
    }

    @Test func shortRowsOf2014AreALocatedErrorOnceTheHeaderIsRepaired() throws {
        // given: the header with tabs where it has spaces (22 fields), the rows as they are (17 fields)
        let text = try String(contentsOfFile: try Self.path(Self.mangled), encoding: .utf8)
        #expect(text.contains("漢字花園 Hanzi Garden"))
        let repaired = text.replacingOccurrences(
            of: "Version Product Type Identifier Units", with: "Version\tProduct Type Identifier\tUnits")

        // when
        let error = Read.error { _ = try Read.salesRows(Array(repaired.utf8), file: "2014.txt") }

        // then
        #expect(error?.reason == .raggedRow)
        #expect(error?.line == 2)
        #expect(error?.message == "row has 17 fields but the header has 22")
    }

    @Test func financialReportFooterIsCheckedAndSkipped() throws {
        // given
        let reader = try ReportReader(path: try Self.path(Self.financial))

        // when
        var rows: [FinancialRow] = []
        while let row = try reader.nextFinancialRow() { rows.append(row) }

        // then: 40 × 2.09 + 3 × 33.99 - 1 × 2.09 = 83.60 + 101.97 - 2.09 = 183.48 over 40 + 3 - 1 = 42 units
        // in 3 rows, as the footer says
        #expect(rows.count == 3)
        #expect(
            rows.map(\.extendedPartnerShare) == [
                DecimalAmount("83.60")!, DecimalAmount("101.97")!, DecimalAmount("-2.09")!,
            ])
        #expect(rows.map(\.salesOrReturn) == ["S", "S", "R"])
        #expect(rows.first?.startDate == ReportDate(year: 2023, month: 2, day: 26))
        #expect(rows.first?.endDate == ReportDate(year: 2023, month: 4, day: 1))
        #expect(reader.financialFooter == FinancialFooter(rows: 3, amount: DecimalAmount("183.48"), units: 42))
    }

    @Test func severalFilesAddUpTogether() throws {
        // when
        let summary = try SalesSummarizer.summarize(
            paths: [try Self.path(Self.sales28), try Self.path(Self.sales22), try Self.path(Self.financial)])

        // then: 18 + 3 + 3 rows; in-app 50 + 42; returns 1 + 1; USD 122.28 + 183.48; JPY 3818 + 168
        #expect(summary.files == 3)
        #expect(summary.rows == 24)
        #expect(summary.units.inAppPurchases == 92)
        #expect(summary.returns == 2)
        #expect(summary.proceeds["USD"]?.formatted() == "305.76")
        #expect(summary.proceeds["JPY"]?.formatted() == "3986.00")
        // com.northwind.tides, KanjiDrill, PocketAtlas, and the Financial rows' own vendor identifiers
        #expect(summary.apps.count == 5)
    }

    @Test func subscriptionReport() throws {
        // given
        let reader = try ReportReader(path: try Self.path(Self.subscription))

        // when
        var rows: [SubscriptionRow] = []
        while let row = try reader.nextSubscriptionRow() { rows.append(row) }

        // then: active standard 310 + 85 + 12 + 44 + 9 + 31 + 57 = 548; free trials 27 + 6 = 33;
        // billing retry 4 + 2 + 1 + 3 = 10; grace period 1 + 2 = 3
        #expect(reader.kind == .subscription)
        #expect(rows.count == 11)
        #expect(rows.map(\.activeStandardPriceSubscriptions).reduce(0, +) == 548)
        let sum = { (column: String) in rows.compactMap { $0.record.integer(column) }.reduce(0, +) }
        #expect(sum("Active Free Trial Introductory Offer Subscriptions") == 33)
        #expect(sum("Active Pay As You Go Introductory Offer Subscriptions") == 18)
        #expect(sum("Pay As You Go Promotional Offer Subscriptions") == 7)
        #expect(sum("Billing Retry") == 10)
        #expect(sum("Grace Period") == 3)
        // the padded "USD      " and the lone-space blanks read trimmed
        #expect(rows[0].proceedsCurrency == "USD")
        #expect(rows[0].developerProceeds == DecimalAmount("2.09"))
        #expect(rows[0].record.text("Promotional Offer Name") == "")
        #expect(rows[3].record.text("State") == "")
        // a free trial's row has a zero price, not a missing one
        #expect(rows[2].customerPrice == .zero)
        #expect(rows[2].developerProceeds == .zero)
        #expect(Set(rows.map { $0.record.text("Standard Subscription Duration") }) == ["7 Days", "1 Month", "1 Year"])
        #expect(rows.filter { $0.record.text("Preserved Pricing") == "Yes" }.count == 1)
        #expect(rows.last?.record.text("Promotional Offer ID") == "winback.monthly.half")
    }

    @Test func subscriptionEventReport() throws {
        // given
        let reader = try ReportReader(path: try Self.path(Self.subscriptionEvent))

        // when
        var rows: [SubscriptionEventRow] = []
        while let row = try reader.nextSubscriptionEventRow() { rows.append(row) }

        // then: quantities Renew 24 + 4, Start Introductory Offer 6 + 5, Subscribe 1, Cancel 2 + 1,
        // Canceled from Billing Retry 1, Billing Retry from Paid Subscription 3, Billing Retry from
        // Introductory Offer 2, Renewal from Billing Retry 1, Upgrade 1: 51 in all
        #expect(reader.kind == .subscriptionEvent)
        #expect(rows.count == 12)
        #expect(rows.map(\.quantity).reduce(0, +) == 51)
        let byEvent = Dictionary(rows.map { ($0.event, $0.quantity) }, uniquingKeysWith: +)
        #expect(
            byEvent == [
                "Renew": 28, "Start Introductory Offer": 11, "Subscribe": 1, "Cancel": 3,
                "Canceled from Billing Retry": 1, "Billing Retry from Paid Subscription": 3,
                "Billing Retry from Introductory Offer": 2, "Renewal from Billing Retry": 1, "Upgrade": 1,
            ])
        #expect(
            Set(rows.map(\.eventDate)) == [
                ReportDate(year: 2023, month: 3, day: 16)!, ReportDate(year: 2023, month: 3, day: 17)!,
                ReportDate(year: 2023, month: 3, day: 18)!,
            ])
        #expect(rows[0].record.date("Original Start Date") == ReportDate(year: 2022, month: 12, day: 23))
        #expect(rows[0].record.integer("Consecutive Paid Periods") == 12)
        // offer types keep Apple's mixed case; blanks (empty or a lone space) read as ""
        #expect(Set(rows.map { $0.record.text("Subscription Offer Type") }) == ["", "Pay as you go", "Free Trial"])
        #expect(rows[0].record.integer("Days Before Canceling") == nil)
        let cancel = try #require(rows.first { $0.event == "Cancel" })
        #expect(cancel.record.integer("Days Before Canceling") == 7)
        #expect(cancel.record.text("Cancellation Reason") == "Canceled")
        let upgrade = try #require(rows.first { $0.event == "Upgrade" })
        #expect(upgrade.record.text("Previous Subscription Name") == "Tides Plus Monthly")
        #expect(upgrade.record.text("Previous Subscription Apple ID") == "1482740012")
    }
}
