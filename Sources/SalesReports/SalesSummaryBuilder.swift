/// Adds up typed rows into a ``SalesSummary`` (the row-level path; ``SalesSummarizer`` is the
/// fast path over bytes, and the two must agree).
public struct SalesSummaryBuilder: Sendable {
    private var totals = SalesSummary()
    private var apps: [String: AppSummary] = [:]

    /// An empty builder.
    public init() {}

    /// The totals so far, apps sorted by SKU.
    public var summary: SalesSummary {
        var result = totals
        result.apps = apps.values.sorted { $0.sku < $1.sku }
        return result
    }

    /// Counts one more file (rows are counted as they are added).
    public mutating func addFile() {
        totals.files += 1
    }

    /// Adds a Summary Sales row; `file` names the file in errors (overflow, or money without a
    /// currency).
    public mutating func add(_ row: SalesRow, file: String) throws(ReportError) {
        try add(
            Entry(
                bucket: row.productType.bucket, units: row.units, appSKU: row.appSKU, proceeds: row.proceeds,
                proceedsCurrency: row.proceedsCurrency, sales: row.sales, salesCurrency: row.customerCurrency,
                appleIdentifier: row.appleIdentifier, title: row.title, line: row.line), file: file)
    }

    /// Adds a Financial row: `Quantity` to its product type's bucket, `Extended Partner Share`
    /// to proceeds in `Partner Share Currency` (Apple's `Quantity × Partner Share`, negative for returns),
    /// `Quantity × |Customer Price|` to sales. Financial
    /// reports have no `Parent Identifier`, so every row belongs to its own `Vendor Identifier`.
    public mutating func add(_ row: FinancialRow, file: String) throws(ReportError) {
        try add(
            Entry(
                bucket: row.productType.bucket, units: row.quantity, appSKU: row.vendorIdentifier,
                proceeds: row.extendedPartnerShare, proceedsCurrency: row.partnerShareCurrency,
                sales: (row.customerPrice ?? .zero).extended(units: row.quantity), salesCurrency: row.customerCurrency,
                appleIdentifier: row.appleIdentifier, title: row.title, line: row.record.line), file: file)
    }

    private struct Entry {
        var bucket: UnitBucket
        var units: Int64
        var appSKU: String
        var proceeds: DecimalAmount?
        var proceedsCurrency: String
        var sales: DecimalAmount?
        var salesCurrency: String
        var appleIdentifier: String
        var title: String
        var line: Int
    }

    private mutating func add(_ entry: Entry, file: String) throws(ReportError) {
        let fail = { (reason: ReportError.Reason, message: String) in
            ReportError(file: file, line: entry.line, reason: reason, message: message)
        }
        var app = apps[entry.appSKU] ?? AppSummary(sku: entry.appSKU)
        guard let proceeds = entry.proceeds, let sales = entry.sales, totals.units.add(entry.units, to: entry.bucket),
            app.units.add(entry.units, to: entry.bucket)
        else { throw fail(.overflow, "totals overflow") }
        if entry.units < 0 {
            let (returns, overflow) = totals.returns.addingReportingOverflow(-entry.units)
            guard !overflow else { throw fail(.overflow, "totals overflow") }
            totals.returns = returns
        }
        try Self.add(proceeds, currency: entry.proceedsCurrency, to: &totals.proceeds, fail)
        try Self.add(proceeds, currency: entry.proceedsCurrency, to: &app.proceeds, fail)
        try Self.add(sales, currency: entry.salesCurrency, to: &totals.sales, fail)
        if entry.bucket.isAppRow {
            if !entry.appleIdentifier.isEmpty { app.appleIdentifier = entry.appleIdentifier }
            if !entry.title.isEmpty { app.title = entry.title }
        }
        apps[entry.appSKU] = app
        totals.rows += 1
    }

    /// Adds an amount to its currency. A blank currency is allowed only with a zero amount
    /// (docs/REPORTS.md, Money: such a row contributes nothing); money without a currency is an error.
    static func add(
        _ amount: DecimalAmount, currency: String, to totals: inout [String: DecimalAmount],
        _ fail: (ReportError.Reason, String) -> ReportError
    ) throws(ReportError) {
        guard !currency.isEmpty else {
            guard amount.isZero else { throw fail(.missingValue, "an amount of \(amount) has no currency") }
            return
        }
        guard let sum = (totals[currency] ?? .zero).adding(amount) else { throw fail(.overflow, "totals overflow") }
        totals[currency] = sum
    }
}
