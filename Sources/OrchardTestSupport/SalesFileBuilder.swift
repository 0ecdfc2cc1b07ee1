package import Foundation
package import SalesReports

/// Writes Summary Sales report files for tests, with SalesReports' own writer (Apple's layout, gzip).
package enum SalesFileBuilder {
    /// A day's report in `directory`, named as Apple names it; returns the path.
    package static func write(
        _ rows: [SalesRow], vendor: String = "85442109", day: ReportDate, frequency: String = "D", in directory: URL,
        gzip: Bool = true
    ) throws -> String {
        let compact = day.isoText.replacingOccurrences(of: "-", with: "")
        let path = directory.appendingPathComponent("S_\(frequency)_\(vendor)_\(compact).txt\(gzip ? ".gz" : "")").path
        let writer = try ReportWriter(path: path, kind: .summarySales, gzip: gzip)
        for row in rows { try writer.write(row) }
        _ = try writer.finish()
        return path
    }

    /// A row with the fields that matter for metrics; the rest are Apple's blanks.
    package static func row(
        sku: String, type: String, units: Int64, proceeds: String = "0", price: String = "0", currency: String = "USD",
        customerCurrency: String? = nil, country: String = "US", device: String = "iPhone", parent: String = "",
        appleIdentifier: String = "", title: String = "", day: ReportDate, endDay: ReportDate? = nil
    ) -> SalesRow {
        SalesRow(
            sku: sku, title: title, productType: ProductType(type), units: units,
            developerProceeds: DecimalAmount(proceeds)!, beginDate: day, endDate: endDay ?? day,
            customerCurrency: customerCurrency ?? currency, countryCode: country, proceedsCurrency: currency,
            appleIdentifier: appleIdentifier, customerPrice: DecimalAmount(price)!, parentIdentifier: parent,
            device: device)
    }
}

/// A temporary directory removed after `body`.
package func withTemporaryDirectory<Result>(_ body: (URL) async throws -> Result) async throws -> Result {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("orchard-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    return try await body(directory)
}
