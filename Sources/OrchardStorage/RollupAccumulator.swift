import SalesReports

/// Adds up one report's daily rollups on its parse thread, while its facts are written: the same
/// sums `DailyRollups`' `INSERT ... SELECT ... GROUP BY` makes, without a second pass over the
/// facts. When the report is the only one its days' rollups are made of (one vendor, the common
/// case), the ingestor writes these rows, in the order of the rollups' unique key, instead of
/// grouping a million facts in SQL.
///
/// A group is its dimensions' interned ids packed into one integer; a report with more distinct
/// values than the packing holds, or a sum that overflows, gives up (``isUsable`` is `false`) and
/// the SQL path does the work, with its own checked arithmetic.
struct RollupAccumulator {
    /// Bits per dimension in a packed group key (63 bits in all).
    private static let appBits = 22, countryBits = 10, deviceBits = 8, currencyBits = 9, dayBits = 5
    /// Unit counts kept per group (the six buckets, then returns), in `daily_rollups` column order,
    /// as 32-bit sums (a group is one app, country and device on one day; an overflow gives up).
    static let countCount = 7
    /// Money kept per group: proceeds, then sales.
    static let moneyCount = 2

    private var apps = ByteKeyTable(capacity: 1024)
    private var countries = ByteKeyTable(capacity: 256)
    private var devices = ByteKeyTable()
    private var currencies = ByteKeyTable(capacity: 256)
    private var days: [ReportDate] = []
    private var groups = IntSlotTable()
    private var counts: [Int32] = []
    private var money: [Int64] = []
    /// In-app purchases and restores per app, product, day and currency pair (`product_slices`).
    private var skus = ByteKeyTable(capacity: 256)
    private var productGroups: [ProductKey: Int] = [:]
    private var productSums: [ProductSums] = []
    private(set) var isUsable = true

    /// The grain of `product_slices`, as ids of this accumulator's tables.
    struct ProductKey: Hashable {
        var app: Int32
        var sku: Int32
        var day: Int32
        var proceedsCurrency: Int32
        var customerCurrency: Int32
    }

    /// One product group's units, returns and money, exact integer sums.
    struct ProductSums {
        var units: Int64 = 0
        var returns: Int64 = 0
        var proceeds: Int64 = 0
        var sales: Int64 = 0
    }

    /// Adds a row with its own money (already checked to fit 64 bits).
    mutating func add(_ row: SalesRowBytes, proceeds: Int64, sales: Int64) {
        guard isUsable else { return }
        let day: Int
        if let index = days.lastIndex(of: row.beginDate) {
            day = index
        } else {
            day = days.count
            days.append(row.beginDate)
        }
        let app = apps.id(row.appSKU)
        let country = countries.id(row.countryCode)
        let device = devices.id(row.device)
        let proceedsCurrency = currencies.id(row.proceedsCurrency)
        let customerCurrency = currencies.id(row.customerCurrency)
        guard app < 1 << Self.appBits, country < 1 << Self.countryBits, device < 1 << Self.deviceBits,
            proceedsCurrency < 1 << Self.currencyBits, customerCurrency < 1 << Self.currencyBits,
            day < 1 << Self.dayBits
        else { return giveUp() }
        var key = app
        key = key << Self.countryBits | country
        key = key << Self.deviceBits | device
        key = key << Self.currencyBits | proceedsCurrency
        key = key << Self.currencyBits | customerCurrency
        key = key << Self.dayBits | day
        let slot = groups.slot(key)
        if slot * Self.countCount == counts.count {
            counts.append(contentsOf: repeatElement(0, count: Self.countCount))
            money.append(contentsOf: repeatElement(0, count: Self.moneyCount))
        }
        let base = slot * Self.countCount
        let bucketColumn: Int
        switch row.bucket {
        case .downloads: bucketColumn = 0
        case .redownloads: bucketColumn = 1
        case .updates: bucketColumn = 2
        case .inAppPurchases: bucketColumn = 3
        case .restores: bucketColumn = 4
        case .other: bucketColumn = 5
        }
        // Int32.min has no positive counterpart: such a row gives up like any other overflow.
        guard let units = Int32(exactly: row.units), units != .min, count(units, at: base + bucketColumn),
            units >= 0 || count(-units, at: base + 6),
            add(proceeds, at: slot * Self.moneyCount), add(sales, at: slot * Self.moneyCount + 1)
        else { return giveUp() }
        guard row.bucket == .inAppPurchases || row.bucket == .restores else { return }
        let product = ProductKey(
            app: Int32(app), sku: Int32(skus.id(row.sku)), day: Int32(day), proceedsCurrency: Int32(proceedsCurrency),
            customerCurrency: Int32(customerCurrency))
        let index: Int
        if let known = productGroups[product] {
            index = known
        } else {
            index = productSums.count
            productGroups[product] = index
            productSums.append(ProductSums())
        }
        var sums = productSums[index]
        let (unitSum, unitOverflow) = sums.units.addingReportingOverflow(Int64(units))
        let (returnSum, returnOverflow) = sums.returns.addingReportingOverflow(units < 0 ? -Int64(units) : 0)
        let (proceedsSum, proceedsOverflow) = sums.proceeds.addingReportingOverflow(proceeds)
        let (salesSum, salesOverflow) = sums.sales.addingReportingOverflow(sales)
        guard !unitOverflow, !returnOverflow, !proceedsOverflow, !salesOverflow else { return giveUp() }
        sums = ProductSums(units: unitSum, returns: returnSum, proceeds: proceedsSum, sales: salesSum)
        productSums[index] = sums
    }

    private mutating func count(_ value: Int32, at index: Int) -> Bool {
        let (sum, overflow) = counts[index].addingReportingOverflow(value)
        counts[index] = sum
        return !overflow
    }

    private mutating func add(_ value: Int64, at index: Int) -> Bool {
        let (sum, overflow) = money[index].addingReportingOverflow(value)
        money[index] = sum
        return !overflow
    }

    private mutating func giveUp() {
        isUsable = false
        groups = IntSlotTable()
        counts = []
        money = []
        productGroups = [:]
        productSums = []
    }

    /// The rollup rows, sorted by the grain of `daily_rollups`' unique key (day, app, country,
    /// device, proceeds currency, customer currency; byte order), or `nil` when unusable.
    func finish() -> RollupRows? {
        guard isUsable else { return nil }
        func strings(_ table: ByteKeyTable) -> [String] { (0..<table.count).map(table.string) }
        func ranks(_ keys: [[UInt8]]) -> [Int] {
            var rank = [Int](repeating: 0, count: keys.count)
            for (position, id) in keys.indices.sorted(by: { keys[$0].lexicographicallyPrecedes(keys[$1]) })
                .enumerated()
            {
                rank[id] = position
            }
            return rank
        }
        let appRanks = ranks((0..<apps.count).map { Array(apps.key($0)) })
        let countryRanks = ranks((0..<countries.count).map { Array(countries.key($0)) })
        let deviceRanks = ranks((0..<devices.count).map { Array(devices.key($0)) })
        let currencyRanks = ranks((0..<currencies.count).map { Array(currencies.key($0)) })
        let dayRanks = ranks(days.map { Array($0.isoText.utf8) })
        let widths = [
            Self.appBits, Self.countryBits, Self.deviceBits, Self.currencyBits, Self.currencyBits, Self.dayBits,
        ]
        func unpack(_ key: Int, into ids: inout [Int]) {
            var rest = key
            for index in widths.indices.reversed() {
                ids[index] = rest & (1 << widths[index] - 1)
                rest >>= widths[index]
            }
        }
        // Sort keys: the ids' ranks, most significant first in the unique key's column order.
        var ids = [Int](repeating: 0, count: widths.count)
        var sortKeys: [Int] = []
        sortKeys.reserveCapacity(groups.entries.count)
        for entry in groups.entries {
            unpack(entry.key, into: &ids)
            var packed = dayRanks[ids[5]]
            packed = packed << Self.appBits | appRanks[ids[0]]
            packed = packed << Self.countryBits | countryRanks[ids[1]]
            packed = packed << Self.deviceBits | deviceRanks[ids[2]]
            packed = packed << Self.currencyBits | currencyRanks[ids[3]]
            packed = packed << Self.currencyBits | currencyRanks[ids[4]]
            sortKeys.append(packed)
        }
        var order = (0..<Int32(sortKeys.count)).map { $0 }
        order.sort { sortKeys[Int($0)] < sortKeys[Int($1)] }
        return RollupRows(
            apps: strings(apps), countries: strings(countries), devices: strings(devices),
            currencies: strings(currencies), days: days, widths: widths, entries: groups.entries, order: order,
            counts: counts, money: money, skus: strings(skus),
            products: productGroups.map { (key: $0.key, sums: productSums[$0.value]) })
    }
}

/// One report's daily rollup rows, sorted by the rollups' unique key.
struct RollupRows: Sendable {
    var apps: [String]
    var countries: [String]
    var devices: [String]
    var currencies: [String]
    var days: [ReportDate]
    /// Bits of each id in a packed key: app, country, device, proceeds currency, customer
    /// currency, day.
    var widths: [Int]
    /// Each group's packed ids and its slot in ``counts`` and ``money``.
    var entries: [(key: Int, slot: Int)]
    /// Indices into ``entries`` in the order of the rollups' unique key.
    var order: [Int32]
    /// Per slot, ``RollupAccumulator/countCount`` unit counts: the six buckets, then returns.
    var counts: [Int32]
    /// Per slot, proceeds and sales.
    var money: [Int64]
    /// The in-app purchases' and restores' product SKUs.
    var skus: [String]
    /// Per app, product, day and currency pair, its sums (no order).
    var products: [(key: RollupAccumulator.ProductKey, sums: RollupAccumulator.ProductSums)]

    /// Encodes the rows of `wanted` days as `daily_rollups` rows of `accountID`, a batch at a time.
    func write(days wanted: Set<ReportDate>, accountID: Int64, into writer: inout BulkWriter) async throws {
        let dayTexts = days.map(\.isoText)
        var ids = [Int](repeating: 0, count: widths.count)
        var values: [BulkValue] = []
        values.reserveCapacity(RollupRows.columns.count)
        for index in order {
            let entry = entries[Int(index)]
            var rest = entry.key
            for position in widths.indices.reversed() {
                ids[position] = rest & (1 << widths[position] - 1)
                rest >>= widths[position]
            }
            guard wanted.contains(days[ids[5]]) else { continue }
            values.removeAll(keepingCapacity: true)
            values += [
                .integer(accountID), .text(apps[ids[0]]), .text(dayTexts[ids[5]]), .text(countries[ids[1]]),
                .text(devices[ids[2]]), .text(currencies[ids[3]]), .text(currencies[ids[4]]),
            ]
            for column in 0..<RollupAccumulator.countCount {
                values.append(.integer(Int64(counts[entry.slot * RollupAccumulator.countCount + column])))
            }
            for column in 0..<RollupAccumulator.moneyCount {
                values.append(.integer(money[entry.slot * RollupAccumulator.moneyCount + column]))
            }
            try await writer.append(values)
        }
    }

    /// The columns ``write(days:accountID:into:)`` fills, in order.
    static let columns = [
        "store_account_id", "app_sku", "day", "country", "device", "proceeds_currency", "customer_currency",
        "downloads", "redownloads", "updates", "in_app_purchases", "restores", "other", "returns", "proceeds_micros",
        "sales_micros",
    ]
}
