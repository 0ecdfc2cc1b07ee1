/// The fast path of `orchard summarize`: adds up Summary Sales reports straight from the
/// bytes, with no `String` per field and no row objects, applying exactly the checks of
/// ``ReportReader`` and the rules of ``SalesSummaryBuilder`` (tests hold the two paths to the
/// same results and the same errors). Financial reports are added through their typed rows.
public enum SalesSummarizer {
    /// Reads every file (plain or gzip) and returns their totals together.
    public static func summarize(paths: [String]) throws(ReportError) -> SalesSummary {
        let aggregate = SalesAggregate()
        for path in paths {
            try aggregate.add(try ReportReader(path: path))
        }
        return aggregate.summary
    }

    /// Adds up readers already opened (tests feed bytes in odd chunk sizes this way).
    static func summarize(readers: [ReportReader]) throws(ReportError) -> SalesSummary {
        let aggregate = SalesAggregate()
        for reader in readers { try aggregate.add(reader) }
        return aggregate.summary
    }
}

/// Running totals keyed by interned byte strings.
final class SalesAggregate {
    private var files = 0
    private var rows = 0
    private var units = [Int64](repeating: 0, count: 6)
    private var returns: Int64 = 0
    private let productTypes = ByteKeyTable()
    private var bucketOfType: [UnitBucket] = []
    private let currencies = ByteKeyTable()
    private var proceeds: [Int128?] = []
    private var sales: [Int128?] = []
    private let apps = ByteKeyTable(capacity: 1024)
    private var appUnits: [Int64] = []
    private var appProceeds: [[Int128?]] = []
    private var appleIdentifiers: [[UInt8]?] = []
    private var titles: [[UInt8]?] = []

    func add(_ reader: ReportReader) throws(ReportError) {
        switch reader.kind {
        case .summarySales:
            try addSales(reader)
        case .financial:
            while let row = try reader.nextFinancialRow() { try addFinancial(row, file: reader.file) }
        case .subscription, .subscriptionEvent, .subscriber:
            throw ReportError(
                file: reader.file, line: 1, reason: .wrongKind,
                message: "is a \(reader.kind.displayName) report; summarize adds up Summary Sales and Financial reports"
            )
        }
        files += 1
    }

    private func addSales(_ reader: ReportReader) throws(ReportError) {
        let scanner = reader.scanner
        let header = reader.header
        let fieldCount = header.names.count
        func column(_ name: String) -> Int { header.index(of: name)! }
        let sku = column("SKU"), type = column("Product Type Identifier"), units = column("Units")
        let developerProceeds = column("Developer Proceeds"), customerPrice = column("Customer Price")
        let begin = column("Begin Date"), end = column("End Date"), title = column("Title")
        let customerCurrency = column("Customer Currency"), proceedsCurrency = column("Currency of Proceeds")
        let appleIdentifier = column("Apple Identifier"), parent = column("Parent Identifier")
        var dates = DateCache()
        while try reader.advance() {
            if scanner.lineStart == scanner.lineEnd { continue }
            guard scanner.fieldCount == fieldCount, scanner.lineIsASCII || FieldParser.isValidUTF8(scanner.line) else {
                try reader.checkRow()
                continue
            }
            let skuBytes = FieldParser.trimmed(scanner.field(sku))
            let typeBytes = FieldParser.trimmed(scanner.field(type))
            guard !skuBytes.isEmpty, !typeBytes.isEmpty,
                let unitCount = FieldParser.integer(FieldParser.trimmed(scanner.field(units))),
                let proceedsPerUnit = FieldParser.decimalMillionths(
                    FieldParser.trimmed(scanner.field(developerProceeds))),
                let price = FieldParser.decimalMillionths(FieldParser.trimmed(scanner.field(customerPrice))),
                dates.isValid(FieldParser.trimmed(scanner.field(begin))),
                dates.isValid(FieldParser.trimmed(scanner.field(end)))
            else {
                try reader.checkRow()
                throw reader.failure(nil, .badText, "row could not be read")
            }
            let bucket = self.bucket(typeBytes)
            let parentBytes = FieldParser.trimmed(scanner.field(parent))
            try addEntry(
                bucket: bucket, units: unitCount,
                appKey: bucket.isAppRow || parentBytes.isEmpty ? skuBytes : parentBytes,
                proceeds: Int128(unitCount) * Int128(proceedsPerUnit),
                proceedsCurrency: FieldParser.trimmed(scanner.field(proceedsCurrency)),
                sales: Int128(unitCount) * Int128(price),
                salesCurrency: FieldParser.trimmed(scanner.field(customerCurrency)),
                appleIdentifier: FieldParser.trimmed(scanner.field(appleIdentifier)),
                title: FieldParser.trimmed(scanner.field(title)),
                fail: { reader.failure(nil, $0, $1) })
        }
    }

    private func addFinancial(_ row: FinancialRow, file: String) throws(ReportError) {
        let sales = (row.customerPrice ?? .zero).multiplied(by: row.quantity)
        let fail = { (reason: ReportError.Reason, message: String) in
            ReportError(file: file, line: row.record.line, reason: reason, message: message)
        }
        guard let sales else { throw fail(.overflow, "totals overflow") }
        let bucket = row.productType.bucket
        let texts = [
            row.vendorIdentifier, row.partnerShareCurrency, row.customerCurrency, row.appleIdentifier, row.title,
        ]
        var joined: [UInt8] = []
        var bounds = [0]
        for text in texts {
            joined.append(contentsOf: text.utf8)
            bounds.append(joined.count)
        }
        do {
            try joined.withUnsafeBytes { buffer in
                func part(_ index: Int) -> UnsafeRawBufferPointer {
                    UnsafeRawBufferPointer(rebasing: buffer[bounds[index]..<bounds[index + 1]])
                }
                try addEntry(
                    bucket: bucket, units: row.quantity, appKey: part(0), proceeds: row.extendedPartnerShare.millionths,
                    proceedsCurrency: part(1), sales: sales.millionths, salesCurrency: part(2),
                    appleIdentifier: part(3), title: part(4), fail: fail)
            }
        } catch let error as ReportError {
            throw error
        } catch {
            throw fail(.badText, "\(error)")
        }
    }

    @inline(__always)
    private func bucket(_ typeBytes: UnsafeRawBufferPointer) -> UnitBucket {
        let id = productTypes.id(typeBytes)
        if id == bucketOfType.count {
            bucketOfType.append(ProductType(productTypes.string(id)).bucket)
        }
        return bucketOfType[id]
    }

    /// The same steps, in the same order, as ``SalesSummaryBuilder``.
    @inline(__always)
    private func addEntry(
        bucket: UnitBucket, units unitCount: Int64, appKey: UnsafeRawBufferPointer, proceeds amount: Int128,
        proceedsCurrency: UnsafeRawBufferPointer, sales saleAmount: Int128, salesCurrency: UnsafeRawBufferPointer,
        appleIdentifier: UnsafeRawBufferPointer, title: UnsafeRawBufferPointer,
        fail: (ReportError.Reason, String) -> ReportError
    ) throws(ReportError) {
        let app = apps.id(appKey)
        if app == titles.count {
            appUnits.append(contentsOf: repeatElement(0, count: 6))
            appProceeds.append([])
            appleIdentifiers.append(nil)
            titles.append(nil)
        }
        let slot = bucket.slot
        let (total, totalOverflow) = units[slot].addingReportingOverflow(unitCount)
        let (appTotal, appOverflow) = appUnits[app * 6 + slot].addingReportingOverflow(unitCount)
        guard !totalOverflow, !appOverflow else { throw fail(.overflow, "totals overflow") }
        units[slot] = total
        appUnits[app * 6 + slot] = appTotal
        if unitCount < 0 {
            let (sum, overflow) = returns.addingReportingOverflow(-unitCount)
            guard !overflow else { throw fail(.overflow, "totals overflow") }
            returns = sum
        }
        if proceedsCurrency.isEmpty {
            guard amount == 0 else { throw missingCurrency(amount, fail) }
        } else {
            let currency = currencyID(proceedsCurrency)
            proceeds[currency] = try sum(proceeds[currency], amount, fail)
            if appProceeds[app].count <= currency {
                appProceeds[app].append(contentsOf: repeatElement(nil, count: currency + 1 - appProceeds[app].count))
            }
            appProceeds[app][currency] = try sum(appProceeds[app][currency], amount, fail)
        }
        if salesCurrency.isEmpty {
            guard saleAmount == 0 else { throw missingCurrency(saleAmount, fail) }
        } else {
            let currency = currencyID(salesCurrency)
            sales[currency] = try sum(sales[currency], saleAmount, fail)
        }
        if bucket.isAppRow {
            if !appleIdentifier.isEmpty && !Self.equal(appleIdentifiers[app], appleIdentifier) {
                appleIdentifiers[app] = Array(appleIdentifier)
            }
            if !title.isEmpty && !Self.equal(titles[app], title) { titles[app] = Array(title) }
        }
        rows += 1
    }

    @inline(__always)
    private func currencyID(_ bytes: UnsafeRawBufferPointer) -> Int {
        let id = currencies.id(bytes)
        if id == proceeds.count {
            proceeds.append(nil)
            sales.append(nil)
        }
        return id
    }

    @inline(__always)
    private func sum(
        _ total: Int128?, _ amount: Int128, _ fail: (ReportError.Reason, String) -> ReportError
    ) throws(ReportError) -> Int128 {
        let (result, overflow) = (total ?? 0).addingReportingOverflow(amount)
        guard !overflow else { throw fail(.overflow, "totals overflow") }
        return result
    }

    private func missingCurrency(_ amount: Int128, _ fail: (ReportError.Reason, String) -> ReportError) -> ReportError {
        fail(.missingValue, "an amount of \(DecimalAmount(millionths: amount)) has no currency")
    }

    @inline(__always)
    private static func equal(_ stored: [UInt8]?, _ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let stored, stored.count == bytes.count else { return false }
        return stored.withUnsafeBytes { $0.elementsEqual(bytes) }
    }

    var summary: SalesSummary {
        var result = SalesSummary()
        result.files = files
        result.rows = rows
        for bucket in UnitBucket.allCases { result.units[bucket] = units[bucket.slot] }
        result.returns = returns
        result.proceeds = money(proceeds)
        result.sales = money(sales)
        result.apps = (0..<apps.count).map { app in
            var counts = UnitCounts()
            for bucket in UnitBucket.allCases { counts[bucket] = appUnits[app * 6 + bucket.slot] }
            return AppSummary(
                sku: apps.string(app),
                appleIdentifier: appleIdentifiers[app].map { String(decoding: $0, as: UTF8.self) },
                title: titles[app].map { String(decoding: $0, as: UTF8.self) }, units: counts,
                proceeds: money(appProceeds[app]))
        }.sorted { $0.sku < $1.sku }
        return result
    }

    private func money(_ amounts: [Int128?]) -> [String: DecimalAmount] {
        var result: [String: DecimalAmount] = [:]
        for (id, amount) in amounts.enumerated() {
            if let amount { result[currencies.string(id)] = DecimalAmount(millionths: amount) }
        }
        return result
    }
}

/// Remembers the last two valid dates (a daily file repeats one date on every row), so most
/// rows need a 10-byte comparison instead of a parse.
struct DateCache {
    private var first: (UInt64, UInt16) = (0, 0)
    private var second: (UInt64, UInt16) = (0, 0)

    @inline(__always)
    mutating func isValid(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard bytes.count == 10 else { return false }
        let key = (bytes.loadUnaligned(as: UInt64.self), bytes.loadUnaligned(fromByteOffset: 8, as: UInt16.self))
        if key == first || key == second { return true }
        guard FieldParser.date(bytes) != nil else { return false }
        second = first
        first = key
        return true
    }
}
