extension SalesRow {
    /// Reads a checked Summary Sales record, by the column positions its header resolved once
    /// (slots in ``ReportKind/columns`` order: Provider is 0, Order Type 27).
    init(record: ReportRecord) {
        let zeroDay = ReportDate.epoch
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
        value(atColumn: Self.columnNumbers[name], named: name)
    }

    /// The columns ``value(atColumn:named:)`` knows, numbered in Apple's order.
    static let columnNames = [
        "Provider",
        "Provider Country",
        "SKU",
        "Developer",
        "Title",
        "Version",
        "Product Type Identifier",
        "Units",
        "Developer Proceeds",
        "Begin Date",
        "End Date",
        "Customer Currency",
        "Country Code",
        "Currency of Proceeds",
        "Apple Identifier",
        "Customer Price",
        "Promo Code",
        "Parent Identifier",
        "Subscription",
        "Period",
        "Category",
        "CMB",
        "Device",
        "Supported Platforms",
        "Proceeds Reason",
        "Preserved Pricing",
        "Client",
        "Order Type",
    ]

    /// Each known column's number: a writer looks its columns up once, not at every row.
    static let columnNumbers = Dictionary(uniqueKeysWithValues: columnNames.enumerated().map { ($1, $0) })

    /// The value of column `number` of ``columnNames``, or of `name` in ``otherColumns`` when `nil`.
    func value(atColumn number: Int?, named name: String) -> String {
        switch number {
        case 0: provider
        case 1: providerCountry
        case 2: sku
        case 3: developer
        case 4: title
        case 5: version
        case 6: productType.identifier
        case 7: String(units)
        case 8: developerProceeds.description
        case 9: beginDate.usText
        case 10: endDate.usText
        case 11: customerCurrency
        case 12: countryCode
        case 13: proceedsCurrency
        case 14: appleIdentifier
        case 15: customerPrice.description
        case 16: promoCode
        case 17: parentIdentifier
        case 18: subscription
        case 19: period
        case 20: category
        case 21: cmb
        case 22: device
        case 23: supportedPlatforms
        case 24: proceedsReason
        case 25: preservedPricing
        case 26: client
        case 27: orderType
        default: otherColumns[name] ?? ""
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
