/// One checked Summary Sales row as the trimmed bytes of its fields, with its numbers parsed: the
/// fast path for code that adds rows up or writes them elsewhere without a `String` per field.
///
/// The buffers point into the reader's line buffer and are valid only inside the closure given to
/// ``ReportReader/forEachSalesRow(_:)``; copy what must outlive it.
public struct SalesRowBytes {
    /// The 1-based line in the file.
    public let line: Int
    /// `SKU`.
    public let sku: UnsafeRawBufferPointer
    /// `Product Type Identifier`.
    public let productType: UnsafeRawBufferPointer
    /// The bucket of ``productType``.
    public let bucket: UnitBucket
    /// `Units`; negative for refunds.
    public let units: Int64
    /// `Developer Proceeds` per unit, in millionths, with the sign Apple wrote.
    public let developerProceeds: Int64
    /// `Customer Price` per unit, in millionths, with the sign Apple wrote.
    public let customerPrice: Int64
    /// `Begin Date` and `End Date`.
    public let beginDate: ReportDate
    public let endDate: ReportDate
    /// `Title`, `Apple Identifier`, `Parent Identifier`.
    public let title: UnsafeRawBufferPointer
    public let appleIdentifier: UnsafeRawBufferPointer
    public let parentIdentifier: UnsafeRawBufferPointer
    /// `Customer Currency`, `Currency of Proceeds`, `Country Code`.
    public let customerCurrency: UnsafeRawBufferPointer
    public let proceedsCurrency: UnsafeRawBufferPointer
    public let countryCode: UnsafeRawBufferPointer
    /// `Device` (blank in files older than the column).
    public let device: UnsafeRawBufferPointer

    /// The SKU of the app the row belongs to (docs/REPORTS.md, Which app a row belongs to), as ``SalesRow/appSKU``.
    public var appSKU: UnsafeRawBufferPointer {
        bucket.isAppRow || parentIdentifier.isEmpty ? sku : parentIdentifier
    }

    /// `Units × |Developer Proceeds|` in millionths (the sign comes from Units).
    public var proceeds: Int128 { Int128(units) * Int128(developerProceeds.magnitude) }

    /// `Units × |Customer Price|` in millionths (the sign comes from Units).
    public var sales: Int128 { Int128(units) * Int128(customerPrice.magnitude) }
}

extension ReportReader {
    /// Calls `body` with each remaining row of a Summary Sales report, checked exactly as
    /// ``nextSalesRow()`` checks it (the same errors at the same place). `body` returns `false` to
    /// stop: the row it saw is then the first one a later call sees again.
    public func forEachSalesRow(_ body: (SalesRowBytes) throws(ReportError) -> Bool) throws(ReportError) {
        try expectKind(.summarySales)
        let fieldCount = header.names.count
        func column(_ name: String) -> Int { header.index(of: name)! }
        let sku = column("SKU"), type = column("Product Type Identifier"), units = column("Units")
        let developerProceeds = column("Developer Proceeds"), customerPrice = column("Customer Price")
        let begin = column("Begin Date"), end = column("End Date"), title = column("Title")
        let customerCurrency = column("Customer Currency"), proceedsCurrency = column("Currency of Proceeds")
        let appleIdentifier = column("Apple Identifier"), parent = column("Parent Identifier")
        let country = column("Country Code"), device = header.index(of: "Device")
        let empty = UnsafeRawBufferPointer(start: nil, count: 0)
        var dates = DateCache()
        var buckets = BucketCache()
        // The scanner lives in a local variable during the loop and goes back to the reader
        // before the reader is asked anything (errors) and at the end.
        var scanner = self.scanner
        defer { self.scanner = scanner }
        var revisit = revisitsLine
        revisitsLine = false
        while true {
            if revisit {
                revisit = false
            } else {
                do {
                    guard try scanner.nextLine() else { break }
                } catch {
                    self.scanner = scanner
                    throw sourceError(error)
                }
            }
            if scanner.lineStart == scanner.lineEnd { continue }
            guard scanner.fieldCount == fieldCount, scanner.lineIsASCII || FieldParser.isValidUTF8(scanner.line) else {
                self.scanner = scanner
                try checkRow()
                continue
            }
            let skuBytes = FieldParser.trimmed(scanner.field(sku))
            let typeBytes = FieldParser.trimmed(scanner.field(type))
            guard !skuBytes.isEmpty, !typeBytes.isEmpty,
                let unitCount = FieldParser.integer(FieldParser.trimmed(scanner.field(units))),
                let proceedsPerUnit = FieldParser.decimalMillionths(
                    FieldParser.trimmed(scanner.field(developerProceeds))),
                let price = FieldParser.decimalMillionths(FieldParser.trimmed(scanner.field(customerPrice))),
                let beginDate = dates.date(FieldParser.trimmed(scanner.field(begin))),
                let endDate = dates.date(FieldParser.trimmed(scanner.field(end)))
            else {
                self.scanner = scanner
                try checkRow()
                throw failure(nil, .badText, "row could not be read")
            }
            let row = SalesRowBytes(
                line: scanner.lineNumber, sku: skuBytes, productType: typeBytes, bucket: buckets.bucket(typeBytes),
                units: unitCount, developerProceeds: proceedsPerUnit, customerPrice: price, beginDate: beginDate,
                endDate: endDate, title: FieldParser.trimmed(scanner.field(title)),
                appleIdentifier: FieldParser.trimmed(scanner.field(appleIdentifier)),
                parentIdentifier: FieldParser.trimmed(scanner.field(parent)),
                customerCurrency: FieldParser.trimmed(scanner.field(customerCurrency)),
                proceedsCurrency: FieldParser.trimmed(scanner.field(proceedsCurrency)),
                countryCode: FieldParser.trimmed(scanner.field(country)),
                device: device.map { FieldParser.trimmed(scanner.field($0)) } ?? empty)
            let goOn: Bool
            do {
                goOn = try body(row)
            } catch {
                self.scanner = scanner
                throw error
            }
            if !goOn {
                revisitsLine = true
                break
            }
        }
    }
}

/// The bucket of each product type seen, interned by its bytes.
struct BucketCache {
    private var types = ByteKeyTable()
    private var buckets: [UnitBucket] = []

    @inline(__always)
    mutating func bucket(_ typeBytes: UnsafeRawBufferPointer) -> UnitBucket {
        let id = types.id(typeBytes)
        if id == buckets.count { buckets.append(ProductType(types.string(id)).bucket) }
        return buckets[id]
    }
}
