extension SalesRow {
    /// Reads a checked Summary Sales record, by the column positions its header resolved once
    /// (slots in ``ReportKind/columns`` order: Provider is 0, Order Type 27).
    init(record: ReportRecord) {
        let zeroDay = ReportDate(year: 1970, month: 1, day: 1)!
        func text(_ slot: Int) -> String { record.text(slot: slot) }
        func integer(_ slot: Int) -> Int64? {
            var value = text(slot)
            guard !value.isEmpty else { return nil }
            return value.withUTF8 { FieldParser.integer(UnsafeRawBufferPointer($0)) }
        }
        func decimal(_ slot: Int) -> DecimalAmount? {
            let value = text(slot)
            return value.isEmpty ? nil : DecimalAmount(value)
        }
        func date(_ slot: Int) -> ReportDate? {
            let value = text(slot)
            return value.isEmpty ? nil : ReportDate(value)
        }
        self.init(
            provider: text(0), providerCountry: text(1), sku: text(2), developer: text(3), title: text(4),
            version: text(5), productType: ProductType(text(6)), units: integer(7) ?? 0,
            developerProceeds: decimal(8) ?? .zero, beginDate: date(9) ?? zeroDay, endDate: date(10) ?? zeroDay,
            customerCurrency: text(11), countryCode: text(12), proceedsCurrency: text(13), appleIdentifier: text(14),
            customerPrice: decimal(15) ?? .zero, promoCode: text(16), parentIdentifier: text(17),
            subscription: text(18), period: text(19), category: text(20), cmb: text(21), device: text(22),
            supportedPlatforms: text(23), proceedsReason: text(24), preservedPricing: text(25), client: text(26),
            orderType: text(27), otherColumns: record.unknownColumns, line: record.line)
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
