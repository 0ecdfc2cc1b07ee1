import SalesReports

extension ReportFiles {
    /// The region code of the consolidated report: every region in one file.
    static let allRegions = "ZZ"

    /// Days between a refund in the daily reports and the Financial report that books it: a
    /// refund of a fiscal month's last week is paid back in the next month's report, as Apple's
    /// returns often are (docs/SANDBOX.md, Time and data).
    static let returnBookingDays = 7

    /// The Financial report of an Apple fiscal period for one region, or for all of them with
    /// `ZZ` (docs/SANDBOX.md, Time and data): the period's paid sales and the returns of the days
    /// ``returnBookingDays`` earlier, summed per product, storefront and sale/return, with the
    /// `Total_*` footer. Returns carry a negative `Quantity` and a positive per-unit `Partner
    /// Share`, so `Extended Partner Share` = Quantity × Partner Share is negative (docs/REPORTS.md,
    /// Financial reports). `nil` when the region had no paid sales.
    func financial(period fiscal: FiscalPeriod, region: String) throws(ReportError) -> [UInt8]? {
        let renderer = SalesRowRenderer(account: account)
        let period = fiscal.reportPeriod
        let shift = Self.returnBookingDays
        let booked = ReportPeriod(monthlyFrom: fiscal.start.adding(days: -shift), to: fiscal.end.adding(days: -shift))
        let lines =
            aggregatedLines(period).filter { !$0.refund }
            + aggregatedLines(booked).filter(\.refund)
        var order: [String] = []
        var rows: [String: (row: SalesRow, units: Int64)] = [:]
        for line in lines
        where region == Self.allRegions || Storefront.all[line.storefront].region == region {
            let row = renderer.row(line, period: period)
            guard !row.developerProceeds.isZero else { continue }
            let key = "\(row.sku)|\(row.productType)|\(row.countryCode)|\(row.proceedsReason)|\(line.refund)"
            if rows[key] == nil { order.append(key) }
            rows[key, default: (row, 0)].units += row.units
        }
        guard !order.isEmpty else { return nil }
        let values: [[String: String]] = order.map { key in
            let (row, units) = rows[key]!
            let share = row.developerProceeds.magnitude
            return [
                "Start Date": period.start.usText, "End Date": period.end.usText, "Vendor Identifier": row.sku,
                "Quantity": String(units), "Partner Share": share.description,
                "Extended Partner Share": (share.multiplied(by: units) ?? .zero).description,
                "Partner Share Currency": row.proceedsCurrency, "Sales or Return": units < 0 ? "R" : "S",
                "Apple Identifier": row.appleIdentifier, "Artist/Show/Developer/Author": account.name,
                "Title": row.title, "Label/Studio/Network/Developer/Publisher": account.name,
                "Product Type Identifier": row.productType.identifier, "Country Of Sale": row.countryCode,
                "Customer Price": row.customerPrice.magnitude.description, "Customer Currency": row.customerCurrency,
            ]
        }
        return try Self.write(kind: .financial, rows: values)
    }
}
