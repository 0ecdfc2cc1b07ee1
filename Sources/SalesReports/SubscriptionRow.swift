/// One row of a Subscription report (docs/REPORTS.md, Subscription reports): active subscriptions per product, price,
/// country and offer, for one day. Counts not listed here are in ``record``.
public struct SubscriptionRow: Sendable, Hashable {
    /// `App Name`.
    public var appName: String
    /// `App Apple ID`.
    public var appAppleID: String
    /// `Subscription Name`.
    public var subscriptionName: String
    /// `Subscription Apple ID`.
    public var subscriptionAppleID: String
    /// `Customer Price` (per period), when given.
    public var customerPrice: DecimalAmount?
    /// `Customer Currency`.
    public var customerCurrency: String
    /// `Developer Proceeds` (per period), when given.
    public var developerProceeds: DecimalAmount?
    /// `Proceeds Currency`.
    public var proceedsCurrency: String
    /// `Country`.
    public var country: String
    /// `Active Standard Price Subscriptions` (0 when blank).
    public var activeStandardPriceSubscriptions: Int64
    /// Every column, including the offer counts.
    public var record: ReportRecord

    /// Reads a checked Subscription record.
    public init(record: ReportRecord) {
        appName = record.text("App Name")
        appAppleID = record.text("App Apple ID")
        subscriptionName = record.text("Subscription Name")
        subscriptionAppleID = record.text("Subscription Apple ID")
        customerPrice = record.decimal("Customer Price")
        customerCurrency = record.text("Customer Currency")
        developerProceeds = record.decimal("Developer Proceeds")
        proceedsCurrency = record.text("Proceeds Currency")
        country = record.text("Country")
        activeStandardPriceSubscriptions = record.integer("Active Standard Price Subscriptions") ?? 0
        self.record = record
    }
}

extension ReportReader {
    /// The next row of a Subscription report.
    public func nextSubscriptionRow() throws(ReportError) -> SubscriptionRow? {
        try expectKind(.subscription)
        return try nextRecord().map(SubscriptionRow.init(record:))
    }
}
