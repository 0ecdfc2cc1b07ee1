extension SalesRow {
    /// Reads a checked Summary Sales record.
    init(record: ReportRecord) {
        let zeroDay = ReportDate(year: 1970, month: 1, day: 1)!
        self.init(
            provider: record.text("Provider"), providerCountry: record.text("Provider Country"),
            sku: record.text("SKU"), developer: record.text("Developer"), title: record.text("Title"),
            version: record.text("Version"), productType: ProductType(record.text("Product Type Identifier")),
            units: record.integer("Units") ?? 0, developerProceeds: record.decimal("Developer Proceeds") ?? .zero,
            beginDate: record.date("Begin Date") ?? zeroDay, endDate: record.date("End Date") ?? zeroDay,
            customerCurrency: record.text("Customer Currency"), countryCode: record.text("Country Code"),
            proceedsCurrency: record.text("Currency of Proceeds"), appleIdentifier: record.text("Apple Identifier"),
            customerPrice: record.decimal("Customer Price") ?? .zero, promoCode: record.text("Promo Code"),
            parentIdentifier: record.text("Parent Identifier"), subscription: record.text("Subscription"),
            period: record.text("Period"), category: record.text("Category"), cmb: record.text("CMB"),
            device: record.text("Device"), supportedPlatforms: record.text("Supported Platforms"),
            proceedsReason: record.text("Proceeds Reason"), preservedPricing: record.text("Preserved Pricing"),
            client: record.text("Client"), orderType: record.text("Order Type"),
            otherColumns: record.unknownColumns, line: record.line)
    }

    /// The value of each named column as Apple writes it (money with at least two decimals,
    /// dates `MM/DD/YYYY`), untrimmed blanks as `""`; unknown names come from ``otherColumns``.
    public func value(forColumn name: String) -> String {
        switch name {
        case "Provider": return provider
        case "Provider Country": return providerCountry
        case "SKU": return sku
        case "Developer": return developer
        case "Title": return title
        case "Version": return version
        case "Product Type Identifier": return productType.identifier
        case "Units": return String(units)
        case "Developer Proceeds": return developerProceeds.description
        case "Begin Date": return beginDate.usText
        case "End Date": return endDate.usText
        case "Customer Currency": return customerCurrency
        case "Country Code": return countryCode
        case "Currency of Proceeds": return proceedsCurrency
        case "Apple Identifier": return appleIdentifier
        case "Customer Price": return customerPrice.description
        case "Promo Code": return promoCode
        case "Parent Identifier": return parentIdentifier
        case "Subscription": return subscription
        case "Period": return period
        case "Category": return category
        case "CMB": return cmb
        case "Device": return device
        case "Supported Platforms": return supportedPlatforms
        case "Proceeds Reason": return proceedsReason
        case "Preserved Pricing": return preservedPricing
        case "Client": return client
        case "Order Type": return orderType
        default: return otherColumns[name] ?? ""
        }
    }
}

extension ReportReader {
    /// The next row of a Summary Sales report; throws ``ReportError/Reason/wrongKind`` for
    /// another kind of report.
    public func nextSalesRow() throws(ReportError) -> SalesRow? {
        try expectKind(.summarySales)
        return try nextRecord().map(SalesRow.init(record:))
    }

    func expectKind(_ expected: ReportKind) throws(ReportError) {
        guard kind == expected else {
            throw ReportError(
                file: file, line: 1, reason: .wrongKind,
                message: "is a \(kind.displayName) report, not a \(expected.displayName) report")
        }
    }
}
