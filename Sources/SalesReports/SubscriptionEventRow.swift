/// One row of a Subscription Event report (docs/REPORTS.md, Subscription reports): how many subscribers had an event
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
        eventDate = record.date("Event Date") ?? .epoch
        event = record.text("Event")
        appAppleID = record.text("App Apple ID")
        subscriptionAppleID = record.text("Subscription Apple ID")
        country = record.text("Country")
        quantity = record.integer("Quantity") ?? 0
        self.record = record
    }
}

extension ReportReader {
    /// The next row of a Subscription Event report.
    public func nextSubscriptionEventRow() throws(ReportError) -> SubscriptionEventRow? {
        try expectKind(.subscriptionEvent)
        return try nextRecord().map(SubscriptionEventRow.init(record:))
    }
}
