/// Totals of one or more Summary Sales (or Financial) reports, as `orchard summarize` prints
/// them (docs/CLI.md) and by the rules of docs/REPORTS.md: net units per bucket, returns,
/// proceeds per currency of proceeds, sales per customer currency, and the same per app.
public struct SalesSummary: Sendable, Hashable {
    /// The number of files read.
    public var files = 0
    /// The number of data rows read.
    public var rows = 0
    /// Net units per bucket (refunds reduce their bucket).
    public var units = UnitCounts()
    /// The sum of `-Units` over rows with negative units, whatever their type.
    public var returns: Int64 = 0
    /// `Σ Units × Developer Proceeds` per `Currency of Proceeds`.
    public var proceeds: [String: DecimalAmount] = [:]
    /// `Σ Units × Customer Price` per `Customer Currency`.
    public var sales: [String: DecimalAmount] = [:]
    /// Per app, sorted by SKU.
    public var apps: [AppSummary] = []

    /// An empty summary.
    public init() {}
}

/// The totals of one app: its own rows (downloads, re-downloads, updates, by `SKU`) and the
/// rows that name it as `Parent Identifier` (in-app purchases, restores, other).
public struct AppSummary: Sendable, Hashable {
    /// The app's SKU.
    public var sku: String
    /// The `Apple Identifier` of the app's own rows (the last one read), `nil` when no app row
    /// names the app (only its in-app purchases were sold).
    public var appleIdentifier: String?
    /// The `Title` of the app's own rows (the last one read), `nil` when no app row names it.
    public var title: String?
    /// Net units per bucket.
    public var units = UnitCounts()
    /// Proceeds per currency of proceeds.
    public var proceeds: [String: DecimalAmount] = [:]

    /// Creates an app's totals.
    public init(
        sku: String, appleIdentifier: String? = nil, title: String? = nil, units: UnitCounts = UnitCounts(),
        proceeds: [String: DecimalAmount] = [:]
    ) {
        self.sku = sku
        self.appleIdentifier = appleIdentifier
        self.title = title
        self.units = units
        self.proceeds = proceeds
    }
}

extension SalesSummary {
    /// The JSON object of `orchard summarize --json` (docs/CLI.md): keys in the documented
    /// order, currencies sorted, money as strings rounded half-even to two decimals.
    public func jsonText() -> String {
        func units(_ counts: UnitCounts) -> String {
            let fields = UnitBucket.allCases.map { "\"\($0.rawValue)\": \(counts[$0])" }
            return "{" + fields.joined(separator: ", ") + "}"
        }
        func money(_ amounts: [String: DecimalAmount]) -> String {
            let fields = amounts.sorted { $0.key < $1.key }.map {
                "\(jsonString($0.key)): \"\($0.value.formatted(fractionDigits: 2))\""
            }
            return "{" + fields.joined(separator: ", ") + "}"
        }
        let appObjects = apps.map { app in
            "{\"sku\": \(jsonString(app.sku)), \"appleIdentifier\": \(app.appleIdentifier.map(jsonString) ?? "null"), "
                + "\"title\": \(app.title.map(jsonString) ?? "null"), \"units\": \(units(app.units)), "
                + "\"proceeds\": \(money(app.proceeds))}"
        }
        return "{\"files\": \(files), \"rows\": \(rows), \"units\": \(units(self.units)), \"returns\": \(returns), "
            + "\"proceeds\": \(money(proceeds)), \"sales\": \(money(sales)), \"apps\": ["
            + appObjects.joined(separator: ", ") + "]}"
    }
}

/// A JSON string literal with the escapes RFC 8259 requires.
func jsonString(_ text: String) -> String {
    var result = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": result += "\\\""
        case "\\": result += "\\\\"
        case "\n": result += "\\n"
        case "\r": result += "\\r"
        case "\t": result += "\\t"
        case let control where control.value < 0x20:
            let hex = String(control.value, radix: 16)
            result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        default: result.unicodeScalars.append(scalar)
        }
    }
    return result + "\""
}
