/// The subscription figures' definitions (docs/SUBSCRIPTIONS.md), applied to single rows of Apple's
/// Subscription and Subscription Event reports. Column names and values are trimmed and compared
/// without case: Apple pads values with spaces and spells offer types in mixed case.
public enum SubscriptionDefinitions {
    /// What a count column of the Subscription report adds to.
    public enum CountRole: Sendable, Equatable {
        /// `Active Standard Price Subscriptions`, and every column naming "Pay Up Front" or "Pay As You Go".
        case paid
        /// Every column naming "Free Trial".
        case trials
        /// `Billing Retry`.
        case billingRetry
        /// `Grace Period`.
        case gracePeriod
    }

    /// The role of a Subscription report column, `nil` for columns that are no subscriber count
    /// (names, prices, `Marketing Opt-Ins`, ...).
    public static func role(ofColumn name: String) -> CountRole? {
        let name = normalized(name)
        if name == "active standard price subscriptions" { return .paid }
        if name == "billing retry" { return .billingRetry }
        if name == "grace period" { return .gracePeriod }
        if name.contains("free trial") { return .trials }
        if name.contains("pay up front") || name.contains("pay as you go") { return .paid }
        return nil
    }

    /// The subscriber counts of one Subscription report row.
    public struct Counts: Sendable, Equatable {
        public var paid: Int64 = 0
        public var trials: Int64 = 0
        public var billingRetry: Int64 = 0
        public var gracePeriod: Int64 = 0

        public init(paid: Int64 = 0, trials: Int64 = 0, billingRetry: Int64 = 0, gracePeriod: Int64 = 0) {
            self.paid = paid
            self.trials = trials
            self.billingRetry = billingRetry
            self.gracePeriod = gracePeriod
        }
    }

    /// The count columns of a Subscription report header, found by name once per file.
    public struct CountColumns: Sendable {
        let columns: [(index: Int, role: CountRole)]

        public init(_ header: ReportHeader) {
            columns = header.names.enumerated().compactMap { index, name in
                role(ofColumn: name).map { (index, $0) }
            }
        }

        /// The row's counts; a blank count is 0, a count that is no whole number an error.
        public func counts(of record: ReportRecord) throws(ReportError) -> Counts {
            var counts = Counts()
            for (index, role) in columns {
                let text = record.values[index]
                guard !text.isEmpty else { continue }
                guard let value = Int64(text) else {
                    throw ReportError(
                        file: "", line: record.line, reason: .badNumber,
                        message: "\(record.header.names[index]) '\(text.prefix(40))' is not a whole number")
                }
                switch role {
                case .paid: counts.paid += value
                case .trials: counts.trials += value
                case .billingRetry: counts.billingRetry += value
                case .gracePeriod: counts.gracePeriod += value
                }
            }
            return counts
        }
    }

    /// Twelve times the factor `k` that turns one period of `Standard Subscription Duration` into a
    /// month, so monthly recurring revenue stays exact: `7 Days` 52, `1 Month` 12, `2 Months` 6,
    /// `3 Months` 4, `6 Months` 2, `1 Year` 1; `nil` for a duration Orchard does not know.
    public static func monthTwelfths(duration: String) -> Int64? {
        switch normalized(duration) {
        case "7 days", "1 week": 52
        case "1 month": 12
        case "2 months": 6
        case "3 months": 4
        case "6 months": 2
        case "1 year": 1
        default: nil
        }
    }

    /// Where an event of the Subscription Event report counts.
    public enum EventClass: String, Sendable, CaseIterable {
        case trialStarts, newPaid, conversions, renewals, trialCancellations, voluntaryChurn, involuntaryChurn,
            refunds, reactivations, other
    }

    /// The class of `event` with `offerType` (`Subscription Offer Type`), by the definitions.
    public static func classify(event: String, offerType: String) -> EventClass {
        let event = normalized(event)
        let offer = normalized(offerType)
        let starts = event.hasPrefix("start")
        if (starts && offer == "free trial") || event == "start free trial" { return .trialStarts }
        if event == "subscribe" || (starts && (offer == "pay up front" || offer == "pay as you go"))
            || event == "start introductory price"
        {
            return .newPaid
        }
        if event.hasPrefix("paid subscription from") { return .conversions }
        if event == "renew" || event == "renewal from billing retry" { return .renewals }
        let canceledFrom = event.hasPrefix("canceled from")
        if event == "cancel" || canceledFrom {
            if offer == "free trial" { return .trialCancellations }
            return canceledFrom ? .involuntaryChurn : .voluntaryChurn
        }
        if event == "refund" { return .refunds }
        if event.hasPrefix("reactivate") { return .reactivations }
        return .other
    }

    /// Trimmed and lower-cased, with runs of spaces as one.
    static func normalized(_ text: String) -> String {
        text.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ").lowercased()
    }
}
