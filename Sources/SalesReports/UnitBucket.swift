/// Where a row's units are counted (docs/REPORTS.md, Product types and buckets): downloads, re-downloads, updates,
/// in-app purchases, restores, or other. Units are net: refund rows (negative units) reduce
/// their bucket.
public enum UnitBucket: String, Sendable, Hashable, CaseIterable, Codable {
    /// First-time downloads and purchases of an app (`1`, `1F`, `1T`, `F1`, `1E`, `1EP`, `1EU`,
    /// `1-B`, `F1-B`, and unknown ids starting `1` or `F1`).
    case downloads
    /// Re-downloads by a customer who already had the app (`3`, `3F`, `3T`, `F3`, unknown `3*`
    /// and `F3*`).
    case redownloads
    /// Updates (`7`, `7F`, `7T`, `F7`, unknown `7*` and `F7*`).
    case updates
    /// In-app purchases and subscriptions (`IA1`, `IA1-M`, `FI1`, `IA9`, `IA9-M`, `IAY`,
    /// `IAY-M`, `IAC`, and unknown ids starting `IA` or `FI`, except `IA3*`).
    case inAppPurchases
    /// Restored non-consumable in-app purchases (`IA3`, and unknown ids starting `IA3` such as
    /// the Mac form `IA3-M`).
    case restores
    /// Anything else: kept and counted, never dropped.
    case other

    /// The bucket's position in ``allCases`` (an array index for counters).
    var slot: Int {
        switch self {
        case .downloads: return 0
        case .redownloads: return 1
        case .updates: return 2
        case .inAppPurchases: return 3
        case .restores: return 4
        case .other: return 5
        }
    }

    /// `true` for the buckets whose rows are the app itself (downloads, re-downloads, updates):
    /// such rows name the app in `SKU`; other rows name it in `Parent Identifier`.
    public var isAppRow: Bool {
        switch self {
        case .downloads, .redownloads, .updates: return true
        case .inAppPurchases, .restores, .other: return false
        }
    }
}

/// Units per ``UnitBucket``.
public struct UnitCounts: Sendable, Hashable, Codable {
    /// Units in ``UnitBucket/downloads``.
    public var downloads: Int64 = 0
    /// Units in ``UnitBucket/redownloads``.
    public var redownloads: Int64 = 0
    /// Units in ``UnitBucket/updates``.
    public var updates: Int64 = 0
    /// Units in ``UnitBucket/inAppPurchases``.
    public var inAppPurchases: Int64 = 0
    /// Units in ``UnitBucket/restores``.
    public var restores: Int64 = 0
    /// Units in ``UnitBucket/other``.
    public var other: Int64 = 0

    /// All zero.
    public init() {}

    /// The units of one bucket.
    public subscript(bucket: UnitBucket) -> Int64 {
        get {
            switch bucket {
            case .downloads: return downloads
            case .redownloads: return redownloads
            case .updates: return updates
            case .inAppPurchases: return inAppPurchases
            case .restores: return restores
            case .other: return other
            }
        }
        set {
            switch bucket {
            case .downloads: downloads = newValue
            case .redownloads: redownloads = newValue
            case .updates: updates = newValue
            case .inAppPurchases: inAppPurchases = newValue
            case .restores: restores = newValue
            case .other: other = newValue
            }
        }
    }

    /// Adds `units` to `bucket`; `false` (and no change) when the count would overflow.
    mutating func add(_ units: Int64, to bucket: UnitBucket) -> Bool {
        let (sum, overflow) = self[bucket].addingReportingOverflow(units)
        if overflow { return false }
        self[bucket] = sum
        return true
    }

    /// Adds every bucket of `other`; `false` when a count would overflow.
    mutating func add(_ other: UnitCounts) -> Bool {
        UnitBucket.allCases.allSatisfy { add(other[$0], to: $0) }
    }
}
