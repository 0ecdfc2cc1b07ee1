import SalesReports

extension ReportFiles {
    /// The Financial report of a calendar month for one region (APPLE.md 3.3): paid lines of
    /// the month, summed per product, storefront and sale/return, with the `Total_*` footer.
    /// `nil` when the region had no paid sales.
    func financial(month: ReportPeriod, region: String) throws(ReportError) -> [UInt8]? {
        let renderer = SalesRowRenderer(account: account)
        var order: [String] = []
        var rows: [String: (row: SalesRow, units: Int64)] = [:]
        for line in aggregatedLines(month) where Storefront.all[line.storefront].region == region {
            let row = renderer.row(line, period: month)
            guard !row.developerProceeds.isZero else { continue }
            let key = "\(row.sku)|\(row.productType)|\(row.countryCode)|\(row.proceedsReason)|\(line.refund)"
            if rows[key] == nil { order.append(key) }
            rows[key, default: (row, 0)].units += row.units
        }
        guard !order.isEmpty else { return nil }
        let values: [[String: String]] = order.map { key in
            let (row, units) = rows[key]!
            return [
                "Start Date": month.start.usText, "End Date": month.end.usText, "Vendor Identifier": row.sku,
                "Quantity": String(abs(units)), "Partner Share": row.developerProceeds.description,
                "Extended Partner Share": (row.developerProceeds.multiplied(by: units) ?? .zero).description,
                "Partner Share Currency": row.proceedsCurrency, "Sales or Return": units < 0 ? "R" : "S",
                "Apple Identifier": row.appleIdentifier, "Artist/Show/Developer/Author": account.name,
                "Title": row.title, "Label/Studio/Network/Developer/Publisher": account.name,
                "Product Type Identifier": row.productType.identifier, "Country Of Sale": row.countryCode,
                "Customer Price": row.customerPrice.description, "Customer Currency": row.customerCurrency,
            ]
        }
        return try Self.write(kind: .financial, rows: values)
    }

    /// The calendar month Orchard's sandbox uses for Apple fiscal period `period` (1 = October
    /// of the previous calendar year) of fiscal year `year`; Apple's 4-4-5 week calendar is
    /// approximated by calendar months.
    static func fiscalMonth(year: Int, period: Int) -> ReportPeriod? {
        guard (1...12).contains(period),
            let first = ReportDate(
                year: period <= 3 ? year - 1 : year, month: (period + 8) % 12 + 1, day: 1)
        else { return nil }
        return ReportPeriod(.monthly, containing: first)
    }
}
