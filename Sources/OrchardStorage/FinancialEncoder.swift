import SalesReports

/// Encodes the rows of a Financial report as `financial_lines` rows (docs/PAYOUTS.md): what is
/// paid is `Extended Partner Share` in `Partner Share Currency`, in integer millionths; a return
/// (`R`) carries a negative `Quantity` and a negative amount. The reader has checked the rows
/// against the report's `Total_*` footer.
struct FinancialEncoder {
    static let columns = [
        "report_id", "line", "store_account_id", "period_start", "sku", "apple_identifier", "title", "product_type",
        "country", "quantity", "amount_micros", "currency", "is_return",
    ]

    var encoder: BulkEncoder
    let start: ReportParseThread.Start
    let file: String
    private let periodText: String

    init(backend: OrchardDatabase.Backend, start: ReportParseThread.Start, file: String) {
        encoder = BulkEncoder(backend: backend, columnCount: Self.columns.count)
        self.start = start
        self.file = file
        periodText = start.day.isoText
    }

    /// Adds one row; `true` when a batch is full.
    mutating func add(_ record: ReportRecord) throws(ReportError) -> Bool {
        let row = FinancialRow(record: record)
        guard let amount = Int64(exactly: row.extendedPartnerShare.millionths) else {
            throw ReportError(
                file: file, line: record.line, reason: .overflow, message: "Extended Partner Share is too large")
        }
        do {
            encoder.append(integer: start.reportID)
            encoder.append(integer: Int64(record.line))
            encoder.append(integer: start.accountID)
            try encoder.append(text: periodText)
            try encoder.append(text: row.vendorIdentifier)
            try encoder.append(text: row.appleIdentifier)
            try encoder.append(text: row.title)
            try encoder.append(text: row.productType.identifier)
            try encoder.append(text: row.countryOfSale)
            encoder.append(integer: row.quantity)
            encoder.append(integer: amount)
            try encoder.append(text: row.partnerShareCurrency)
            encoder.append(integer: row.salesOrReturn == "R" || row.quantity < 0 ? 1 : 0)
        } catch {
            throw ReportError(file: file, line: record.line, reason: .badText, message: "\(error)")
        }
        return encoder.endRow()
    }
}
