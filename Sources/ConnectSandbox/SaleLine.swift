/// One generated row before it becomes a `SalesRow`: small integers that identify what was
/// sold where, so weeks, months and years aggregate days by a cheap key (all but `units`).
struct SaleLine: Sendable {
    enum Kind: UInt8, Sendable {
        case download, redownload, update, purchase, restore, subscriptionNew, subscriptionRenewal
        case subscriptionRenewalAfterYear
        /// A free app-level row of a type Orchard counts as other (only with a rare identifier).
        case other
    }

    /// The app's index in the account's catalog.
    let app: Int
    /// 0 for the app itself, 1... for its in-app products (index + 1).
    let product: Int
    let kind: Kind
    let storefront: Int
    let device: Int
    /// Refund rows are kept apart from sales so they stay negative after aggregation.
    let refund: Bool
    /// 0 for the usual identifier of `kind`, else 1 + an index into `RareProductType.all`.
    var variant: UInt8 = 0
    var units: Int64

    /// The rare identifier the line is written with, if any.
    var rareType: RareProductType? { variant == 0 ? nil : RareProductType.all[Int(variant) - 1] }

    /// Everything but `units`, packed.
    var key: UInt64 {
        UInt64(app) << 40 | UInt64(product) << 32 | UInt64(kind.rawValue) << 24 | UInt64(storefront) << 16
            | UInt64(device) << 8 | UInt64(variant) << 1 | (refund ? 1 : 0)
    }
}
