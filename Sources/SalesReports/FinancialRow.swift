/// One row of a Financial report (docs/REPORTS.md, Financial reports). ``ReportReader`` skips the `Total_*` footer
/// and checks it against these rows.
public struct FinancialRow: Sendable, Hashable {
    /// `Start Date` of Apple's fiscal period.
    public var startDate: ReportDate
    /// `End Date` of Apple's fiscal period.
    public var endDate: ReportDate
    /// `Vendor Identifier`: the SKU.
    public var vendorIdentifier: String
    /// `Quantity`.
    public var quantity: Int64
    /// `Partner Share`: proceeds per unit, in ``partnerShareCurrency``.
    public var partnerShare: DecimalAmount
    /// `Extended Partner Share`: `Quantity × Partner Share`, what is paid.
    public var extendedPartnerShare: DecimalAmount
    /// `Partner Share Currency`.
    public var partnerShareCurrency: String
    /// `Sales or Return`: `S` or `R`.
    public var salesOrReturn: String
    /// `Apple Identifier`.
    public var appleIdentifier: String
    /// `Title`.
    public var title: String
    /// `Product Type Identifier`.
    public var productType: ProductType
    /// `Country Of Sale`.
    public var countryOfSale: String
    /// `Customer Price` per unit (`nil` when blank).
    public var customerPrice: DecimalAmount?
    /// `Customer Currency`.
    public var customerCurrency: String
    /// Every column, including those without a property here.
    public var record: ReportRecord

    /// Reads a checked Financial record.
    public init(record: ReportRecord) {
        let zeroDay = ReportDate.epoch
        startDate = record.date("Start Date") ?? zeroDay
        endDate = record.date("End Date") ?? zeroDay
        vendorIdentifier = record.text("Vendor Identifier")
        quantity = record.integer("Quantity") ?? 0
        partnerShare = record.decimal("Partner Share") ?? .zero
        extendedPartnerShare = record.decimal("Extended Partner Share") ?? .zero
        partnerShareCurrency = record.text("Partner Share Currency")
        salesOrReturn = record.text("Sales or Return")
        appleIdentifier = record.text("Apple Identifier")
        title = record.text("Title")
        productType = ProductType(record.text("Product Type Identifier"))
        countryOfSale = record.text("Country Of Sale")
        customerPrice = record.decimal("Customer Price")
        customerCurrency = record.text("Customer Currency")
        self.record = record
    }
}

extension ReportReader {
    /// The next row of a Financial report (the footer is checked, not returned).
    public func nextFinancialRow() throws(ReportError) -> FinancialRow? {
        try expectKind(.financial)
        return try nextRecord().map(FinancialRow.init(record:))
    }
}
