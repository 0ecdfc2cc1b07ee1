/// A `Product Type Identifier` of a Sales report row, with Apple's description and the
/// ``UnitBucket`` Orchard counts it in.
///
/// Unknown identifiers (Apple adds new ones) are kept as they are and classified by prefix
/// (docs/REPORTS.md, Product types and buckets), never dropped.
public struct ProductType: Sendable, Hashable, CustomStringConvertible {
    /// The identifier as written in the report, e.g. `1F` or `IAY`.
    public let identifier: String

    /// Wraps an identifier (known or not).
    public init(_ identifier: String) {
        self.identifier = identifier
    }

    /// The bucket this type's units count in.
    public var bucket: UnitBucket {
        if let known = ProductType.table[identifier] { return known.bucket }
        return ProductType.bucket(forUnknown: identifier)
    }

    /// `true` when the identifier is in Apple's table (or a legacy id seen in older reports).
    public var isKnown: Bool { ProductType.table[identifier] != nil }

    /// Apple's description (`"Free or paid app: Universal app, excluding tvOS"`), or `nil` for
    /// an unknown identifier.
    public var summary: String? { ProductType.table[identifier]?.summary }

    /// The identifier.
    public var description: String { identifier }

    /// Every identifier Orchard knows, with its bucket and description: Apple's current 23-row
    /// table plus the legacy `IAC`, `3T` and `F3` (docs/REPORTS.md, Product types and buckets).
    public static let known: [(identifier: String, bucket: UnitBucket, summary: String)] = [
        ("1", .downloads, "Free or paid app: iOS, iPadOS, visionOS, watchOS"),
        ("1F", .downloads, "Free or paid app: Universal app, excluding tvOS"),
        ("1T", .downloads, "Free or paid app: iPad apps"),
        ("F1", .downloads, "Free or paid app: Mac"),
        ("1-B", .downloads, "App Bundle: iOS, iPadOS, visionOS"),
        ("F1-B", .downloads, "App Bundle: Mac"),
        ("1E", .downloads, "Paid app: Custom iOS app"),
        ("1EP", .downloads, "Paid app: Custom iPadOS app"),
        ("1EU", .downloads, "Paid app: Custom universal app"),
        ("3", .redownloads, "Re-download: iOS, tvOS, visionOS, watchOS"),
        ("3F", .redownloads, "Re-download: Universal app, excluding tvOS"),
        ("3T", .redownloads, "Re-download: iPad (legacy)"),
        ("F3", .redownloads, "Re-download: Mac (legacy)"),
        ("7", .updates, "Update: iOS, tvOS, visionOS, watchOS"),
        ("7F", .updates, "Update: Universal app, excluding tvOS"),
        ("7T", .updates, "Update: iPadOS, visionOS"),
        ("F7", .updates, "Update: Mac"),
        ("IA1", .inAppPurchases, "In-App Purchase: iOS, iPadOS, visionOS"),
        ("IA1-M", .inAppPurchases, "In-App Purchase: Mac"),
        ("FI1", .inAppPurchases, "In-App Purchase: Mac"),
        ("IA3", .restores, "Restored In-App Purchase: non-consumable"),
        ("IA9", .inAppPurchases, "In-App Purchase: Non-renewing subscription (iOS, iPadOS, visionOS)"),
        ("IA9-M", .inAppPurchases, "In-App Purchase: Subscription (Mac)"),
        ("IAY", .inAppPurchases, "In-App Purchase: Auto-renewable subscription (iOS, iPadOS, visionOS)"),
        ("IAY-M", .inAppPurchases, "In-App Purchase: Auto-renewable subscription (Mac)"),
        ("IAC", .inAppPurchases, "In-App Purchase: Free subscription (legacy, Newsstand)"),
    ]

    private static let table: [String: (bucket: UnitBucket, summary: String)] = Dictionary(
        uniqueKeysWithValues: known.map { ($0.identifier, ($0.bucket, $0.summary)) })

    /// The prefix rules of docs/REPORTS.md (Product types and buckets) for identifiers not in the table: `IA3` restores
    /// (checked first: `IA3-M` is the Mac form), `1`/`F1` downloads, `3`/`F3` re-downloads,
    /// `7`/`F7` updates (a leading `F` marks the Mac variant in every family), `IA`/`FI` in-app
    /// purchases, else other.
    static func bucket(forUnknown identifier: String) -> UnitBucket {
        if identifier.hasPrefix("IA3") { return .restores }
        if identifier.hasPrefix("1") || identifier.hasPrefix("F1") { return .downloads }
        if identifier.hasPrefix("3") || identifier.hasPrefix("F3") { return .redownloads }
        if identifier.hasPrefix("7") || identifier.hasPrefix("F7") { return .updates }
        if identifier.hasPrefix("IA") || identifier.hasPrefix("FI") { return .inAppPurchases }
        return .other
    }
}
