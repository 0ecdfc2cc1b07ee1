/// The kinds of report file this library reads and writes, recognised from the header line.
public enum ReportKind: String, Sendable, Hashable, CaseIterable {
    /// Sales and Trends Summary Sales report (`Sales,Summary`), docs/REPORTS.md (Summary Sales).
    case summarySales
    /// Subscription report (`Subscription,Summary`), docs/REPORTS.md (Subscription reports).
    case subscription
    /// Subscription Event report (`SubscriptionEvent,Summary`), docs/REPORTS.md (Subscription reports).
    case subscriptionEvent
    /// Subscriber report (`Subscriber,Detailed`), docs/REPORTS.md (Subscription reports).
    case subscriber
    /// Payments and Financial Reports `Financial` report with its `Total_*` footer (docs/REPORTS.md).
    case financial

    /// A readable name, e.g. `Summary Sales`.
    public var displayName: String {
        switch self {
        case .summarySales: return "Summary Sales"
        case .subscription: return "Subscription"
        case .subscriptionEvent: return "Subscription Event"
        case .subscriber: return "Subscriber"
        case .financial: return "Financial"
        }
    }

    /// The columns of the newest layout this library knows, in Apple's order; the writer's
    /// default layout. Files may have fewer (older generations) or more (newer) columns.
    public var columns: [ReportColumn] {
        switch self {
        case .summarySales: return ReportKind.salesColumns
        case .subscription: return ReportKind.subscriptionColumns
        case .subscriptionEvent: return ReportKind.subscriptionEventColumns
        case .subscriber: return ReportKind.subscriberColumns
        case .financial: return ReportKind.financialColumns
        }
    }

    /// The date format the kind writes: `MM/DD/YYYY` for Sales and Financial, ISO for the
    /// subscription reports (readers accept both).
    public var writesUSDates: Bool { self == .summarySales || self == .financial }

    /// The kind whose signature columns the header contains, or `nil`.
    static func detect(names: Set<String>) -> ReportKind? {
        if names.contains("Extended Partner Share") || names.contains("Partner Share Currency") { return .financial }
        if names.contains("Event") && names.contains("Event Date") { return .subscriptionEvent }
        if names.contains("Subscriber ID") { return .subscriber }
        if names.contains("Subscription Apple ID") { return .subscription }
        if names.contains("Developer Proceeds") || names.contains("Product Type Identifier")
            || (names.contains("Provider") && names.contains("Title"))
        {
            return .summarySales
        }
        return nil
    }

    static let salesColumns: [ReportColumn] = [
        .init("Provider"), .init("Provider Country"), .init("SKU", required: true), .init("Developer"),
        .init("Title", inHeader: true), .init("Version"), .init("Product Type Identifier", required: true),
        .init("Units", .integer, required: true), .init("Developer Proceeds", .decimal, required: true),
        .init("Begin Date", .date, required: true), .init("End Date", .date, required: true),
        .init("Customer Currency", inHeader: true), .init("Country Code", inHeader: true),
        .init("Currency of Proceeds", inHeader: true), .init("Apple Identifier", inHeader: true),
        .init("Customer Price", .decimal, required: true), .init("Promo Code"),
        .init("Parent Identifier", inHeader: true), .init("Subscription"), .init("Period"), .init("Category"),
        .init("CMB"), .init("Device"), .init("Supported Platforms"), .init("Proceeds Reason"),
        .init("Preserved Pricing"), .init("Client"), .init("Order Type"),
    ]

    static let subscriptionColumns: [ReportColumn] = [
        .init("App Name", inHeader: true), .init("App Apple ID", required: true), .init("Subscription Name"),
        .init("Subscription Apple ID", required: true), .init("Subscription Group ID"),
        .init("Standard Subscription Duration"), .init("Promotional Offer Name"), .init("Promotional Offer ID"),
        .init("Customer Price", .decimal), .init("Customer Currency"), .init("Developer Proceeds", .decimal),
        .init("Proceeds Currency"), .init("Preserved Pricing"), .init("Proceeds Reason"), .init("Client"),
        .init("Device"), .init("State"), .init("Country", inHeader: true),
        .init("Active Standard Price Subscriptions", .integer),
        .init("Active Free Trial Introductory Offer Subscriptions", .integer),
        .init("Active Pay Up Front Introductory Offer Subscriptions", .integer),
        .init("Active Pay As You Go Introductory Offer Subscriptions", .integer),
        .init("Free Trial Promotional Offer Subscriptions", .integer),
        .init("Pay Up Front Promotional Offer Subscriptions", .integer),
        .init("Pay As You Go Promotional Offer Subscriptions", .integer), .init("Marketing Opt-Ins", .integer),
        .init("Billing Retry", .integer), .init("Grace Period", .integer),
        // Version 1_3's offer-code counts (docs/REPORTS.md, Subscription reports).
        .init("Free Trial Offer Code Subscriptions", .integer),
        .init("Pay Up Front Offer Code Subscriptions", .integer),
        .init("Pay As You Go Offer Code Subscriptions", .integer),
    ]

    static let subscriptionEventColumns: [ReportColumn] = [
        .init("Event Date", .date, required: true), .init("Event", required: true), .init("App Name"),
        .init("App Apple ID", required: true), .init("Subscription Name"), .init("Subscription Apple ID"),
        .init("Subscription Group ID"), .init("Standard Subscription Duration"), .init("Promotional Offer Name"),
        .init("Promotional Offer ID"), .init("Subscription Offer Type"), .init("Subscription Offer Duration"),
        .init("Marketing Opt-In"), .init("Marketing Opt-In Duration"), .init("Preserved Pricing"),
        .init("Proceeds Reason"), .init("Consecutive Paid Periods", .integer),
        .init("Original Start Date", .date), .init("Client"), .init("Device"), .init("State"),
        .init("Country", inHeader: true), .init("Previous Subscription Name"),
        .init("Previous Subscription Apple ID"), .init("Days Before Canceling", .integer),
        .init("Cancellation Reason"), .init("Days Canceled", .integer), .init("Quantity", .integer, required: true),
    ]

    static let subscriberColumns: [ReportColumn] = [
        .init("Event Date", .date, required: true), .init("App Name"), .init("App Apple ID", required: true),
        .init("Subscription Name"), .init("Subscription Apple ID"), .init("Subscription Group ID"),
        .init("Standard Subscription Duration"), .init("Promotional Offer Name"), .init("Promotional Offer ID"),
        .init("Subscription Offer Type"), .init("Subscription Offer Duration"), .init("Marketing Opt-In Duration"),
        .init("Customer Price", .decimal), .init("Customer Currency"), .init("Developer Proceeds", .decimal),
        .init("Proceeds Currency"), .init("Preserved Pricing"), .init("Proceeds Reason"), .init("Client"),
        .init("Device"), .init("Country", inHeader: true), .init("Subscriber ID", required: true),
        .init("Subscriber ID Reset"), .init("Refund"), .init("Purchase Date", .date),
        .init("Units", .integer, required: true),
    ]

    static let financialColumns: [ReportColumn] = [
        .init("Start Date", .date, required: true), .init("End Date", .date, required: true), .init("UPC"),
        .init("ISRC/ISBN"), .init("Vendor Identifier", required: true), .init("Quantity", .integer, required: true),
        .init("Partner Share", .decimal, required: true), .init("Extended Partner Share", .decimal, required: true),
        .init("Partner Share Currency", inHeader: true), .init("Sales or Return", inHeader: true),
        .init("Apple Identifier", inHeader: true), .init("Artist/Show/Developer/Author"), .init("Title"),
        .init("Label/Studio/Network/Developer/Publisher"), .init("Grid"),
        .init("Product Type Identifier", inHeader: true), .init("ISAN/Other Identifier"), .init("Country Of Sale"),
        .init("Pre-order Flag"), .init("Promo Code"), .init("Customer Price", .decimal), .init("Customer Currency"),
    ]
}
