public import Foundation
public import SalesReports

/// One `Sales.getReport` request.
public struct SalesReportRequest: Sendable, Equatable {
    public var vendor: String
    public var type: ReportType
    public var subtype: String
    public var frequency: ReportFrequency
    /// Any day of the period: weekly reports are asked for by the Sunday that ends the
    /// Monday-to-Sunday week containing it, monthly and yearly ones by their month and year.
    public var date: ReportDate
    public var version: String?

    public init(
        vendor: String, type: ReportType = .sales, subtype: String? = nil, frequency: ReportFrequency = .daily,
        date: ReportDate, version: String? = nil
    ) {
        self.vendor = vendor
        self.type = type
        self.subtype = subtype ?? type.defaultSubtype
        self.frequency = frequency
        self.date = date
        self.version = version ?? type.defaultVersion
    }

    /// The date argument in Reporter's form: `YYYYMMDD` (daily; weekly: the week's Sunday), `YYYYMM`, `YYYY`.
    public var reporterDate: String {
        switch frequency {
        case .daily: date.compactText
        case .weekly: date.sundayEndingWeek.compactText
        case .monthly: String(date.compactText.prefix(6))
        case .yearly, .fiscal: String(date.compactText.prefix(4))
        }
    }

    /// Apple's file name for the report, used when the answer has no `filename` header.
    public var defaultFileName: String {
        switch type {
        case .sales:
            let letter = String(frequency.rawValue.prefix(1))
            return "S_\(letter)_\(vendor)_\(reporterDate).txt.gz"
        default:
            return "\(type.rawValue)_\(vendor)_\(reporterDate)\(version.map { "_V\($0)" } ?? "").txt.gz"
        }
    }

    /// Refuses what Apple would refuse: subscription reports exist only daily, and financial
    /// reports are asked for with a ``FinanceReportRequest``.
    func validate() throws(ReporterError) {
        guard !vendor.isEmpty, vendor.allSatisfy(\.isNumber) else {
            throw .invalidParameters(code: nil, message: "the vendor number must be digits, not '\(vendor)'")
        }
        guard type.isSalesAndTrends, frequency != .fiscal else {
            throw .invalidParameters(
                code: nil, message: "Sales.getReport serves Sales and Trends reports by day, week, month or year")
        }
        if type != .sales, frequency != .daily {
            throw .invalidParameters(code: nil, message: "\(type.rawValue) reports exist only for Daily")
        }
    }

    var arguments: [String] {
        [vendor, type.rawValue, subtype, frequency.rawValue, reporterDate] + (version.map { [$0] } ?? [])
    }
}

/// One `Finance.getReport` request (docs/REPORTS.md, Calendar): Apple's fiscal year and period.
public struct FinanceReportRequest: Sendable, Equatable {
    public var vendor: String
    public var regionCode: String
    public var reportType: String
    public var fiscalYear: Int
    public var fiscalPeriod: Int

    public init(
        vendor: String, regionCode: String, reportType: String = "Financial", fiscalYear: Int, fiscalPeriod: Int
    ) {
        self.vendor = vendor
        self.regionCode = regionCode
        self.reportType = reportType
        self.fiscalYear = fiscalYear
        self.fiscalPeriod = fiscalPeriod
    }

    func validate() throws(ReporterError) {
        guard (1...12).contains(fiscalPeriod), (2000...9999).contains(fiscalYear) else {
            throw .invalidParameters(code: nil, message: "fiscal period must be 1-12 and the year four digits")
        }
    }

    var arguments: [String] {
        [vendor, regionCode, reportType, String(fiscalYear), String(fiscalPeriod)]
    }

    var defaultFileName: String {
        "\(vendor)_\(String(fiscalPeriod).leftPadded(2))\(String(fiscalYear % 100).leftPadded(2))_\(regionCode).txt.gz"
    }
}

/// A downloaded report: Apple's file name and the gzip bytes as sent (possibly several gzip members).
public struct ReportFile: Sendable, Equatable {
    public var fileName: String
    public var gzipData: Data

    public init(fileName: String, gzipData: Data) {
        self.fileName = fileName
        self.gzipData = gzipData
    }
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}
