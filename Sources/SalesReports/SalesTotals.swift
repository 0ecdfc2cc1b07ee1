/// Running totals of the fast path, keyed by interned byte strings. A struct, so that the
/// hot loop mutates it in place without per-access exclusivity checks.
struct SalesTotals {
    var files = 0
    private(set) var rows = 0
    private var units = [Int64](repeating: 0, count: 6)
    private var returns: Int64 = 0
    private var currencies = ByteKeyTable()
    private var proceeds: [Int128?] = []
    private var sales: [Int128?] = []
    private var apps = ByteKeyTable(capacity: 1024)
    private var appUnits: [Int64] = []
    /// Per app and currency of proceeds: `appCurrencySlots` maps `app << 20 | currency` to an
    /// index into `appCurrencyAmounts`.
    private var appCurrencySlots = IntSlotTable()
    private var appCurrencyAmounts: [Int128] = []
    private var appleIdentifiers: [[UInt8]?] = []
    private var titles: [[UInt8]?] = []

    /// Adds every row of a Summary Sales report.
    mutating func addSales(_ reader: ReportReader) throws(ReportError) {
        let file = reader.file
        try reader.forEachSalesRow { (row) throws(ReportError) in
            try addEntry(
                bucket: row.bucket, units: row.units, appKey: row.appSKU, proceeds: row.proceeds,
                proceedsCurrency: row.proceedsCurrency, sales: row.sales, salesCurrency: row.customerCurrency,
                appleIdentifier: row.appleIdentifier, title: row.title, file: file, line: row.line)
            return true
        }
    }

    /// Adds a Financial row by the rules of ``SalesSummaryBuilder/add(_:file:)-(FinancialRow,_)``.
    mutating func addFinancial(_ row: FinancialRow, file: String) throws(ReportError) {
        let line = row.record.line
        guard let sales = (row.customerPrice ?? .zero).extended(units: row.quantity) else {
            throw Self.overflow(file, line)
        }
        let texts = [
            row.vendorIdentifier, row.partnerShareCurrency, row.customerCurrency, row.appleIdentifier, row.title,
        ]
        var joined: [UInt8] = []
        var bounds = [0]
        for text in texts {
            joined.append(contentsOf: text.utf8)
            bounds.append(joined.count)
        }
        let bucket = row.productType.bucket
        do {
            try joined.withUnsafeBytes { buffer in
                func part(_ index: Int) -> UnsafeRawBufferPointer {
                    UnsafeRawBufferPointer(rebasing: buffer[bounds[index]..<bounds[index + 1]])
                }
                try addEntry(
                    bucket: bucket, units: row.quantity, appKey: part(0), proceeds: row.extendedPartnerShare.millionths,
                    proceedsCurrency: part(1), sales: sales.millionths, salesCurrency: part(2),
                    appleIdentifier: part(3), title: part(4), file: file, line: line)
            }
        } catch let error as ReportError {
            throw error
        } catch {
            throw ReportError(file: file, line: line, reason: .badText, message: "\(error)")
        }
    }

    /// The same steps, in the same order, as ``SalesSummaryBuilder``.
    @inline(__always)
    private mutating func addEntry(
        bucket: UnitBucket, units unitCount: Int64, appKey: UnsafeRawBufferPointer, proceeds amount: Int128,
        proceedsCurrency: UnsafeRawBufferPointer, sales saleAmount: Int128, salesCurrency: UnsafeRawBufferPointer,
        appleIdentifier: UnsafeRawBufferPointer, title: UnsafeRawBufferPointer, file: String, line: Int
    ) throws(ReportError) {
        let app = appID(appKey)
        let slot = bucket.slot
        let (total, totalOverflow) = units[slot].addingReportingOverflow(unitCount)
        let (appTotal, appOverflow) = appUnits[app * 6 + slot].addingReportingOverflow(unitCount)
        guard !totalOverflow, !appOverflow else { throw Self.overflow(file, line) }
        units[slot] = total
        appUnits[app * 6 + slot] = appTotal
        if unitCount < 0 {
            let (sum, overflow) = returns.addingReportingOverflow(-unitCount)
            guard !overflow else { throw Self.overflow(file, line) }
            returns = sum
        }
        if proceedsCurrency.isEmpty {
            guard amount == 0 else { throw Self.missingCurrency(amount, file, line) }
        } else {
            let currency = currencyID(proceedsCurrency)
            guard let total = Self.sum(proceeds[currency], amount), addAppProceeds(app, currency, amount) else {
                throw Self.overflow(file, line)
            }
            proceeds[currency] = total
        }
        if salesCurrency.isEmpty {
            guard saleAmount == 0 else { throw Self.missingCurrency(saleAmount, file, line) }
        } else {
            let currency = currencyID(salesCurrency)
            guard let total = Self.sum(sales[currency], saleAmount) else { throw Self.overflow(file, line) }
            sales[currency] = total
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
    private mutating func appID(_ key: UnsafeRawBufferPointer) -> Int {
        let app = apps.id(key)
        if app == titles.count {
            appUnits.append(contentsOf: repeatElement(0, count: 6))
            appleIdentifiers.append(nil)
            titles.append(nil)
        }
        return app
    }

    @inline(__always)
    private mutating func currencyID(_ bytes: UnsafeRawBufferPointer) -> Int {
        let id = currencies.id(bytes)
        if id == proceeds.count {
            proceeds.append(nil)
            sales.append(nil)
        }
        return id
    }

    /// Adds to one app's proceeds in one currency; `false` on overflow.
    @inline(__always)
    private mutating func addAppProceeds(_ app: Int, _ currency: Int, _ amount: Int128) -> Bool {
        let slot = appCurrencySlots.slot(app << 20 | currency)
        if slot == appCurrencyAmounts.count { appCurrencyAmounts.append(0) }
        let (sum, overflow) = appCurrencyAmounts[slot].addingReportingOverflow(amount)
        appCurrencyAmounts[slot] = sum
        return !overflow
    }

    /// Adds totals read after these (the second half of a file): counts and money add up, and
    /// the later app rows' Apple ID and title win, as if the rows had been read in one go.
    mutating func merge(_ other: SalesTotals) {
        rows += other.rows
        files += other.files
        for slot in 0..<6 { units[slot] &+= other.units[slot] }
        returns &+= other.returns
        var currencyMap: [Int] = []
        for id in 0..<other.currencies.count {
            let mine = other.currencies.key(id).withUnsafeBytes { currencyID($0) }
            currencyMap.append(mine)
            if let amount = other.proceeds[id] { proceeds[mine] = (proceeds[mine] ?? 0) &+ amount }
            if let amount = other.sales[id] { sales[mine] = (sales[mine] ?? 0) &+ amount }
        }
        for id in 0..<other.apps.count {
            let app = other.apps.key(id).withUnsafeBytes { appID($0) }
            for slot in 0..<6 { appUnits[app * 6 + slot] &+= other.appUnits[id * 6 + slot] }
            if let identifier = other.appleIdentifiers[id] { appleIdentifiers[app] = identifier }
            if let title = other.titles[id] { titles[app] = title }
        }
        for (key, slot) in other.appCurrencySlots.entries {
            let app = other.apps.key(key >> 20).withUnsafeBytes { appID($0) }
            _ = addAppProceeds(app, currencyMap[key & 0xFFFFF], other.appCurrencyAmounts[slot])
        }
    }

    @inline(__always)
    private static func sum(_ total: Int128?, _ amount: Int128) -> Int128? {
        let (result, overflow) = (total ?? 0).addingReportingOverflow(amount)
        return overflow ? nil : result
    }

    private static func overflow(_ file: String, _ line: Int) -> ReportError {
        ReportError(file: file, line: line, reason: .overflow, message: "totals overflow")
    }

    private static func missingCurrency(_ amount: Int128, _ file: String, _ line: Int) -> ReportError {
        ReportError(
            file: file, line: line, reason: .missingValue,
            message: "an amount of \(DecimalAmount(millionths: amount)) has no currency")
    }

    @inline(__always)
    private static func equal(_ stored: [UInt8]?, _ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let stored, stored.count == bytes.count else { return false }
        return stored.withUnsafeBytes { FieldParser.bytesEqual($0.baseAddress!, bytes.baseAddress!, bytes.count) }
    }

    var summary: SalesSummary {
        var result = SalesSummary()
        result.files = files
        result.rows = rows
        for bucket in UnitBucket.allCases { result.units[bucket] = units[bucket.slot] }
        result.returns = returns
        result.proceeds = money(proceeds)
        result.sales = money(sales)
        var appMoney = [[String: DecimalAmount]](repeating: [:], count: apps.count)
        for (key, slot) in appCurrencySlots.entries {
            appMoney[key >> 20][currencies.string(key & 0xFFFFF)] = DecimalAmount(millionths: appCurrencyAmounts[slot])
        }
        result.apps = (0..<apps.count).map { app in
            var counts = UnitCounts()
            for bucket in UnitBucket.allCases { counts[bucket] = appUnits[app * 6 + bucket.slot] }
            return AppSummary(
                sku: apps.string(app),
                appleIdentifier: appleIdentifiers[app].map { String(decoding: $0, as: UTF8.self) },
                title: titles[app].map { String(decoding: $0, as: UTF8.self) }, units: counts,
                proceeds: appMoney[app])
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
    private var first: (UInt64, UInt16, ReportDate?) = (0, 0, nil)
    private var second: (UInt64, UInt16, ReportDate?) = (0, 0, nil)

    /// The date the bytes spell (`MM/DD/YYYY` or `YYYY-MM-DD`), or `nil`.
    @inline(__always)
    mutating func date(_ bytes: UnsafeRawBufferPointer) -> ReportDate? {
        guard bytes.count == 10 else { return nil }
        let key = (bytes.loadUnaligned(as: UInt64.self), bytes.loadUnaligned(fromByteOffset: 8, as: UInt16.self))
        if key == (first.0, first.1), let date = first.2 { return date }
        if key == (second.0, second.1), let date = second.2 { return date }
        guard let date = FieldParser.date(bytes) else { return nil }
        second = first
        first = (key.0, key.1, date)
        return date
    }
}
