/// One row of a Subscription report (APPLE.md 3.3): active subscriptions per product, price,
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

/// One row of a Subscription Event report (APPLE.md 3.3): how many subscribers had an event
/// (`Subscribe`, `Renew`, `Cancel`, ...) on a day.
public struct SubscriptionEventRow: Sendable, Hashable {
    /// `Event Date`.
    public var eventDate: ReportDate
    /// `Event`, e.g. `Renew`.
    public var event: String
    /// `App Apple ID`.
    public var appAppleID: String
    /// `Subscription Apple ID`.
    public var subscriptionAppleID: String
    /// `Country`.
    public var country: String
    /// `Quantity`.
    public var quantity: Int64
    /// Every column.
    public var record: ReportRecord

    /// Reads a checked Subscription Event record.
    public init(record: ReportRecord) {
        eventDate = record.date("Event Date") ?? ReportDate(year: 1970, month: 1, day: 1)!
        event = record.text("Event")
        appAppleID = record.text("App Apple ID")
        subscriptionAppleID = record.text("Subscription Apple ID")
        country = record.text("Country")
        quantity = record.integer("Quantity") ?? 0
        self.record = record
    }
}

/// One row of a Subscriber report (APPLE.md 3.3): one subscriber's transaction.
public struct SubscriberRow: Sendable, Hashable {
    /// `Event Date`.
    public var eventDate: ReportDate
    /// `App Apple ID`.
    public var appAppleID: String
    /// `Subscription Apple ID`.
    public var subscriptionAppleID: String
    /// `Subscriber ID` (anonymised by Apple).
    public var subscriberID: String
    /// `Customer Price`, when given.
    public var customerPrice: DecimalAmount?
    /// `Customer Currency`.
    public var customerCurrency: String
    /// `Developer Proceeds`, when given.
    public var developerProceeds: DecimalAmount?
    /// `Proceeds Currency`.
    public var proceedsCurrency: String
    /// `Refund`: `Yes` or blank.
    public var refund: String
    /// `Units`.
    public var units: Int64
    /// Every column.
    public var record: ReportRecord

    /// Reads a checked Subscriber record.
    public init(record: ReportRecord) {
        eventDate = record.date("Event Date") ?? ReportDate(year: 1970, month: 1, day: 1)!
        appAppleID = record.text("App Apple ID")
        subscriptionAppleID = record.text("Subscription Apple ID")
        subscriberID = record.text("Subscriber ID")
        customerPrice = record.decimal("Customer Price")
        customerCurrency = record.text("Customer Currency")
        developerProceeds = record.decimal("Developer Proceeds")
        proceedsCurrency = record.text("Proceeds Currency")
        refund = record.text("Refund")
        units = record.integer("Units") ?? 0
        self.record = record
    }
}

extension ReportReader {
    /// The next row of a Subscription report.
    public func nextSubscriptionRow() throws(ReportError) -> SubscriptionRow? {
        try expectKind(.subscription)
        return try nextRecord().map(SubscriptionRow.init(record:))
    }

    /// The next row of a Subscription Event report.
    public func nextSubscriptionEventRow() throws(ReportError) -> SubscriptionEventRow? {
        try expectKind(.subscriptionEvent)
        return try nextRecord().map(SubscriptionEventRow.init(record:))
    }

    /// The next row of a Subscriber report.
    public func nextSubscriberRow() throws(ReportError) -> SubscriberRow? {
        try expectKind(.subscriber)
        return try nextRecord().map(SubscriberRow.init(record:))
    }
}
