/// The reports Apple serves, by their Reporter spelling (docs/REPORTS.md, Requests): one vocabulary for the
/// Apple clients, Connect Sandbox and storage.
public enum ReportType: String, Sendable, Hashable, CaseIterable, Codable {
    /// Summary Sales (Sales and Trends).
    case sales = "Sales"
    /// Subscription (daily snapshot of active subscriptions).
    case subscription = "Subscription"
    /// Subscription Event.
    case subscriptionEvent = "SubscriptionEvent"
    /// Subscriber (detailed).
    case subscriber = "Subscriber"
    /// Financial (Payments and Financial Reports), by fiscal period.
    case financial = "Financial"

    /// The only subtype Apple offers for the type.
    public var defaultSubtype: String {
        switch self {
        case .sales, .subscription, .subscriptionEvent: "Summary"
        case .subscriber: "Detailed"
        case .financial: "Financial"
        }
    }

    /// Subscription reports need an explicit version (else Apple answers 404); Sales takes the
    /// latest; financial reports have none.
    public var defaultVersion: String? {
        switch self {
        case .sales, .financial: nil
        case .subscription, .subscriptionEvent, .subscriber: "1_3"
        }
    }

    /// The version a ledger records when Apple's answer does not name one.
    public var recordedVersion: String { defaultVersion ?? "1_0" }

    /// `true` for the Subscription, Subscription Event and Subscriber reports.
    public var isSubscription: Bool { self == .subscription || self == .subscriptionEvent || self == .subscriber }

    /// `true` for the Sales and Trends types `Sales.getReport` serves.
    public var isSalesAndTrends: Bool { self != .financial }

    /// Reads a Reporter spelling case-insensitively, e.g. `sales`, `SubscriptionEvent`.
    public init?(reporterName: String) {
        guard let match = Self.caseNamed(reporterName) else { return nil }
        self = match
    }

    /// The type of a file of this kind.
    public init(_ kind: ReportKind) {
        switch kind {
        case .summarySales: self = .sales
        case .subscription: self = .subscription
        case .subscriptionEvent: self = .subscriptionEvent
        case .subscriber: self = .subscriber
        case .financial: self = .financial
        }
    }
}

/// How much time one report covers.
public enum ReportFrequency: String, Sendable, Hashable, CaseIterable, Codable {
    /// One day (Begin Date = End Date).
    case daily = "Daily"
    /// Monday to Sunday, named by the Sunday.
    case weekly = "Weekly"
    /// A calendar month.
    case monthly = "Monthly"
    /// A calendar year.
    case yearly = "Yearly"
    /// One of Apple's fiscal periods (financial reports only).
    case fiscal = "Fiscal"

    /// The frequencies `Sales.getReport` takes as a date type.
    public static let salesAndTrends: [ReportFrequency] = [.daily, .weekly, .monthly, .yearly]

    /// Reads `Daily`, `weekly`, `MONTHLY` …
    public init?(reporterName: String) {
        guard let match = Self.caseNamed(reporterName) else { return nil }
        self = match
    }

    /// The frequency a Sales report's Begin and End dates imply.
    public init(begin: ReportDate, end: ReportDate) {
        if begin == end {
            self = .daily
        } else if end.dayNumber - begin.dayNumber == 6, end.weekday == 0 {
            // Monday to Sunday, even when the Monday is the first of a month.
            self = .weekly
        } else if begin.day == 1, end.year == begin.year, end.month == begin.month {
            self = .monthly
        } else if begin.day == 1, begin.month == 1, end.year == begin.year, end.month == 12, end.day == 31 {
            self = .yearly
        } else {
            self = .weekly
        }
    }
}

extension CaseIterable where Self: RawRepresentable, RawValue == String {
    /// The case whose raw value is `name`, ignoring case.
    fileprivate static func caseNamed(_ name: String) -> Self? {
        allCases.first { $0.rawValue.lowercased() == name.lowercased() }
    }
}
