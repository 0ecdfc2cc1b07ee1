import Testing

@testable import SalesReports

/// A deterministic pseudo-random generator (SplitMix64), so every failure can be replayed.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}

/// Builds Summary Sales rows and files for tests that must not depend on sample files outside the repository.
enum SyntheticSales {
    static let day = ReportDate(year: 2024, month: 3, day: 9)!
    static let productTypes = [
        "1", "1F", "1T", "F1", "1-B", "3", "3F", "7", "7F", "F7", "IA1", "IA1-M", "IA3", "IAY",
        "IA9", "FI1", "1Z", "3X", "7Q", "IAZ", "W9", "XYZ",
    ]
    static let countries = [("US", "USD"), ("DE", "EUR"), ("JP", "JPY"), ("GB", "GBP"), ("RU", "RUB"), ("CH", "CHF")]
    static let titles = ["Orchard", "Äpfel & Birnen", "UP尤物 Magazine", "Café, Bar", "Pomme 🍎"]

    /// A row with sensible defaults.
    static func row(
        sku: String = "app.one", type: String = "1", units: Int64 = 1, proceeds: String = "0.70",
        price: String = "0.99", currency: String = "USD", customerCurrency: String? = nil, parent: String = "",
        title: String = "Orchard", appleIdentifier: String = "100000001", country: String = "US"
    ) -> SalesRow {
        SalesRow(
            sku: sku, developer: "Orchard Ltd", title: title, version: "1.0", productType: ProductType(type),
            units: units, developerProceeds: DecimalAmount(proceeds)!, beginDate: day, endDate: day,
            customerCurrency: customerCurrency ?? currency, countryCode: country, proceedsCurrency: currency,
            appleIdentifier: appleIdentifier, customerPrice: DecimalAmount(price)!, parentIdentifier: parent,
            category: "Utilities", device: "iPhone", supportedPlatforms: "iOS")
    }

    /// `count` random rows over a few apps, countries and all product types, refunds included.
    static func randomRows(count: Int, using generator: inout SeededGenerator) -> [SalesRow] {
        (0..<count).map { _ in
            let app = Int.random(in: 1...4, using: &generator)
            let type = productTypes.randomElement(using: &generator)!
            let bucket = ProductType(type).bucket
            let (country, currency) = countries.randomElement(using: &generator)!
            let free = Bool.random(using: &generator) && bucket.isAppRow
            let cents = Int64.random(in: 0...99_999, using: &generator)
            let price = free ? DecimalAmount.zero : DecimalAmount(millionths: Int128(cents) * 10_000)
            let proceeds = DecimalAmount(millionths: price.millionths * 7 / 10 / 10_000 * 10_000)
            var units = Int64.random(in: 0...500, using: &generator)
            let refund = Int.random(in: 0..<10, using: &generator) == 0
            if refund { units = -Int64.random(in: 1...5, using: &generator) }
            return SalesRow(
                sku: bucket.isAppRow ? "app.\(app)" : "app.\(app).iap\(Int.random(in: 1...3, using: &generator))",
                developer: bucket.isAppRow ? "Orchard Ltd" : "",
                title: titles.randomElement(using: &generator)!, version: bucket.isAppRow ? "2.1" : "",
                productType: ProductType(type), units: units, developerProceeds: proceeds, beginDate: day, endDate: day,
                customerCurrency: currency, countryCode: country, proceedsCurrency: free ? "" : currency,
                // Apple writes a refund's price negative and its proceeds positive.
                appleIdentifier: String(100_000_000 + app),
                customerPrice: refund ? DecimalAmount(millionths: -price.millionths) : price,
                parentIdentifier: bucket.isAppRow || Int.random(in: 0..<8, using: &generator) == 0 ? "" : "app.\(app)",
                subscription: type == "IAY" ? "Renewal" : "", period: type == "IAY" ? "1 Month" : "",
                category: "Utilities", device: "iPhone", supportedPlatforms: "iOS")
        }
    }

    /// The bytes of a Summary Sales file with these rows.
    static func file(
        _ rows: [SalesRow], generation: SalesHeaderGeneration = .columns28, gzip: Bool = false,
        gzipMemberSize: Int? = nil
    ) throws -> [UInt8] {
        let writer = ReportWriter(
            kind: .summarySales, columns: generation.columnNames, gzip: gzip, gzipMemberSize: gzipMemberSize)
        for row in rows { try writer.write(row) }
        return try writer.finish()
    }

    /// Tab-joined lines with `\n` ends, for hand-made files.
    static func text(_ lines: [[String]]) -> [UInt8] {
        Array(lines.map { $0.joined(separator: "\t") + "\n" }.joined().utf8)
    }
}

/// Reading helpers over bytes.
enum Read {
    /// Every Sales row of `bytes`, served in chunks of the given sizes.
    static func salesRows(
        _ bytes: [UInt8], file: String = "sales.txt", chunkSizes: @escaping () -> Int = { Int.max },
        bufferSize: Int = 1 << 20
    ) throws -> [SalesRow] {
        let reader = try ReportReader(
            source: MemoryByteSource(bytes, chunkSizes: chunkSizes), file: file, chunkSize: bufferSize)
        var rows: [SalesRow] = []
        while let row = try reader.nextSalesRow() { rows.append(row) }
        return rows
    }

    /// The row-path summary of several files.
    static func rowSummary(_ files: [(name: String, bytes: [UInt8])]) throws -> SalesSummary {
        var builder = SalesSummaryBuilder()
        for file in files {
            let reader = try ReportReader(bytes: file.bytes, file: file.name)
            switch reader.kind {
            case .financial:
                while let row = try reader.nextFinancialRow() { try builder.add(row, file: file.name) }
            default:
                while let row = try reader.nextSalesRow() { try builder.add(row, file: file.name) }
            }
            builder.addFile()
        }
        return builder.summary
    }

    /// The fast-path summary of several files, optionally in odd chunks.
    static func fastSummary(
        _ files: [(name: String, bytes: [UInt8])], chunkSizes: @escaping () -> Int = { Int.max },
        bufferSize: Int = 1 << 20
    ) throws -> SalesSummary {
        let readers = try files.map {
            try ReportReader(
                source: MemoryByteSource($0.bytes, chunkSizes: chunkSizes), file: $0.name, chunkSize: bufferSize)
        }
        return try SalesSummarizer.summarize(readers: readers)
    }

    /// The error thrown by `body`, or `nil`.
    static func error(_ body: () throws -> Void) -> ReportError? {
        do {
            try body()
            return nil
        } catch let error as ReportError {
            return error
        } catch {
            Issue.record("unexpected error type: \(error)")
            return nil
        }
    }
}
