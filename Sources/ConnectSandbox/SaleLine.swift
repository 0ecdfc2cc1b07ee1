/// One generated row before it becomes a `SalesRow`: small integers that identify what was
/// sold where, so weeks, months and years aggregate days by a cheap key (all but `units`).
struct SaleLine: Sendable {
    enum Kind: UInt8, Sendable {
        case download, redownload, update, purchase, restore, subscriptionNew, subscriptionRenewal
        case subscriptionRenewalAfterYear
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
    var units: Int64

    /// Everything but `units`, packed.
    var key: UInt64 {
        UInt64(app) << 40 | UInt64(product) << 32 | UInt64(kind.rawValue) << 24 | UInt64(storefront) << 16
            | UInt64(device) << 8 | (refund ? 1 : 0)
    }
}
