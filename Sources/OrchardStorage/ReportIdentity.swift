package import SalesReports

/// What makes one report one report (docs/REPORTS.md, A report's identity): ingesting the same identity again
/// replaces its rows. The sync knows every part from its request to Apple; `orchard import`
/// reads them from the file.
package struct ReportIdentity: Sendable, Hashable, CustomStringConvertible {
    package var accountNumber: String
    /// The vendor number, or ``unknownVendor`` for a file that does not say it.
    package var vendor: String
    package var type: ReportType
    package var subtype: String
    package var frequency: ReportFrequency
    /// The first day the report covers.
    package var date: ReportDate
    /// Apple's format version, e.g. `1_0`.
    package var version: String

    /// The vendor of a report imported from a file whose name does not carry it.
    package static let unknownVendor = "unknown"
    /// The region code of the Financial report of every region (a Financial report's subtype is
    /// its region: docs/PAYOUTS.md).
    package static let allRegions = "ZZ"

    /// The Financial report of `region` for the fiscal month `period`.
    package static func financial(accountNumber: String, vendor: String, region: String, period: FiscalPeriod)
        -> ReportIdentity
    {
        ReportIdentity(
            accountNumber: accountNumber, vendor: vendor, type: .financial, subtype: region, frequency: .fiscal,
            date: period.start)
    }

    package init(
        accountNumber: String, vendor: String, type: ReportType, subtype: String? = nil, frequency: ReportFrequency,
        date: ReportDate, version: String? = nil
    ) {
        self.accountNumber = accountNumber
        self.vendor = vendor
        self.type = type
        self.subtype = subtype ?? type.defaultSubtype
        self.frequency = frequency
        self.date = date
        self.version = version ?? type.recordedVersion
    }

    /// `true` for the reports the daily rollups are made of.
    package var isDailySales: Bool { type == .sales && frequency == .daily }

    package var description: String {
        "\(accountNumber)/\(vendor) \(type.rawValue) \(subtype) \(frequency.rawValue) \(date.isoText) v\(version)"
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
    /// Fetching failed for good, for this reason.
    case failed(LedgerFailure)
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

    /// `true` when the report's rows are in the database (possibly none, for an empty day).
    package var hasContent: Bool {
        switch self {
        case .fetched, .empty, .restated: true
        case .notPublishedYet, .failed: false
        }
    }

    /// Reads a stored state; an unknown name is an error, never a silent default.
    package init(storedName: String, errorCode: String?) throws {
        switch storedName {
        case "not_published_yet": self = .notPublishedYet
        case "fetched": self = .fetched
        case "empty": self = .empty
        case "failed":
            guard let failure = errorCode.flatMap(LedgerFailure.init(rawValue:)) else {
                throw StoredValueError(column: "report_ledger.error_code", value: errorCode ?? "NULL")
            }
            self = .failed(failure)
        case "restated": self = .restated
        default: throw StoredValueError(column: "report_ledger.state", value: storedName)
        }
    }
}

/// Why a report failed for good, as stored in `report_ledger.error_code`.
package enum LedgerFailure: String, Sendable, Equatable, CaseIterable {
    /// Apple keeps reports for a limited time; this one is older (Reporter 214, or its sandbox).
    case reportTooOld = "report_too_old"
    /// Downloaded again and again, the file never parsed.
    case malformed
    /// Apple does not know the vendor number for the account.
    case invalidVendor = "invalid_vendor"
    /// Apple refused the request's parameters.
    case invalidParameters = "invalid_parameters"
    /// Apple asked for an account number the request carried.
    case accountRequired = "account_required"
    /// Apple answered with something the client does not understand.
    case unexpectedResponse = "unexpected_response"
}

/// A value read from the database that this Orchard does not know: the database was written by
/// another version, or edited by hand.
///
/// The initialisers that throw it are declared plain `throws`: with `throws(StoredValueError)`,
/// called from async code, Swift 6.3.1's release build crashes in LLVM's coroutine splitting.
package struct StoredValueError: Error, Sendable, Equatable, CustomStringConvertible {
    package var column: String
    package var value: String

    package var description: String {
        "the database holds '\(value)' in \(column), which this Orchard does not know; was it written by a newer version?"
    }
}

extension ReportType {
    /// Reads a stored report type.
    package init(stored: String) throws {
        guard let value = ReportType(rawValue: stored) else {
            throw StoredValueError(column: "report_ledger.report_type", value: stored)
        }
        self = value
    }
}

extension ReportFrequency {
    /// Reads a stored frequency.
    package init(stored: String) throws {
        guard let value = ReportFrequency(rawValue: stored) else {
            throw StoredValueError(column: "report_ledger.frequency", value: stored)
        }
        self = value
    }
}

extension ReportDate {
    /// Reads a stored `YYYY-MM-DD` day.
    package init(stored: String, column: String) throws {
        guard stored.count == 10, let value = ReportDate(stored) else {
            throw StoredValueError(column: column, value: stored)
        }
        self = value
    }
}
