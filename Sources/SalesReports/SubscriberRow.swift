/// One row of a Subscriber report (docs/REPORTS.md, Subscription reports): one subscriber's transaction.
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
        eventDate = record.date("Event Date") ?? .epoch
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
    /// The next row of a Subscriber report.
    public func nextSubscriberRow() throws(ReportError) -> SubscriberRow? {
        try expectKind(.subscriber)
        return try nextRecord().map(SubscriberRow.init(record:))
    }
}
