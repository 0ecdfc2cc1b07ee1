/// What makes one report one report (DESIGN.md section 5): ingesting the same identity again
/// replaces its rows.
package struct ReportIdentity: Sendable, Hashable, Codable, CustomStringConvertible {
    package var accountNumber: String
    package var vendor: String
    /// `Sales`, `Subscription`, `SubscriptionEvent`, `Subscriber`, `Financial`.
    package var type: String
    package var subtype: String
    /// `Daily`, `Weekly`, `Monthly`, `Yearly`.
    package var frequency: String
    /// The first day the report covers, `YYYY-MM-DD`.
    package var date: String
    package var version: String

    package init(
        accountNumber: String, vendor: String, type: String, subtype: String, frequency: String, date: String,
        version: String
    ) {
        self.accountNumber = accountNumber
        self.vendor = vendor
        self.type = type
        self.subtype = subtype
        self.frequency = frequency
        self.date = date
        self.version = version
    }

    package var description: String {
        "\(accountNumber)/\(vendor) \(type) \(subtype) \(frequency) \(date) v\(version)"
    }
}

/// Where a report stands in the ledger.
package enum LedgerState: Sendable, Equatable {
    /// Apple has not published it yet (Reporter 210).
    case notPublishedYet
    /// Downloaded and ingested.
    case fetched
    /// Apple has no sales for it (Reporter 213): a real zero, not missing data.
    case empty
    /// Fetching failed for good, with Apple's code or Orchard's reason.
    case failed(code: String)
    /// Ingested again with different content, replacing the earlier rows.
    case restated

    package var storedName: String {
        switch self {
        case .notPublishedYet: "not_published_yet"
        case .fetched: "fetched"
        case .empty: "empty"
        case .failed: "failed"
        case .restated: "restated"
        }
    }

    package init?(storedName: String, errorCode: String?) {
        switch storedName {
        case "not_published_yet": self = .notPublishedYet
        case "fetched": self = .fetched
        case "empty": self = .empty
        case "failed": self = .failed(code: errorCode ?? "")
        case "restated": self = .restated
        default: return nil
        }
    }
}
