import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import SalesReports

extension ConnectAPIController {
    /// The report types and frequencies Apple allows, with the sandbox's data
    /// for the ones it generates (`nil`: valid, but always "no sales").
    private static let combinations: [String: (subtypes: Set<String>, frequencies: Set<String>, type: ReportType?)] = [
        "SALES": (["SUMMARY"], ["DAILY", "WEEKLY", "MONTHLY", "YEARLY"], .sales),
        "PRE_ORDER": (["SUMMARY"], ["DAILY", "WEEKLY", "MONTHLY", "YEARLY"], nil),
        "NEWSSTAND": (["DETAILED"], ["DAILY", "WEEKLY"], nil),
        "SUBSCRIPTION": (["SUMMARY"], ["DAILY"], .subscription),
        "SUBSCRIPTION_EVENT": (["SUMMARY"], ["DAILY"], .subscriptionEvent),
        "SUBSCRIBER": (["DETAILED"], ["DAILY"], .subscriber),
        "SUBSCRIPTION_OFFER_CODE_REDEMPTION": (["SUMMARY"], ["DAILY"], nil),
        "WIN_BACK_ELIGIBILITY": (["SUMMARY"], ["DAILY"], nil),
        "INSTALLS": (
            ["SUMMARY", "DETAILED", "SUMMARY_CHANNEL", "SUMMARY_INSTALL_TYPE", "SUMMARY_TERRITORY"],
            ["MONTHLY", "YEARLY"], nil
        ),
        "FIRST_ANNUAL": (["SUMMARY", "DETAILED"], ["DAILY", "YEARLY"], nil),
    ]

    static let noSalesDetail = "There were no sales for the date specified."
    static let notYetDetail =
        "Report is not available yet. Daily reports for the Americas are available by 5 am Pacific Time; Japan, Australia, and New Zealand by 5 am Japan Standard Time; and 5 am Central European Time for all other territories."

    /// `GET /v1/salesReports`.
    func salesReports(_ call: Call) throws(ConnectAPIError) -> Response {
        guard call.key.roles.canReadSales else { throw .forbidden }
        try acceptsGzip(call)
        let vendorText = try required("vendorNumber", call)
        let typeName = try required("reportType", call)
        let subtype = try required("reportSubType", call)
        let frequencyName = try required("frequency", call)
        guard let combination = Self.combinations[typeName] else {
            throw .invalidParameter("filter[reportType]", "'\(typeName)' is not a valid value for filter[reportType].")
        }
        guard let frequency = ReportFrequency(name: frequencyName), frequencyName == frequencyName.uppercased() else {
            throw .invalidParameter(
                "filter[frequency]", "'\(frequencyName)' is not a valid value for filter[frequency].")
        }
        guard combination.subtypes.contains(subtype), combination.frequencies.contains(frequencyName) else {
            throw .invalidCombination
        }
        let account = try account(vendor: vendorText, call)
        let vendor = Int(vendorText)!
        guard let type = combination.type else { throw .notFound(Self.noSalesDetail) }
        if let version = call.filter("version"), !library.accepts(version, for: type) {
            throw .invalidParameter(
                "filter[version]",
                "The version parameter you have specified is invalid. The latest version for this report is \(library.latestVersion(type))."
            )
        }
        let now = world.clock.now()
        let period: ReportPeriod
        if let dateText = call.filter("reportDate") {
            do {
                period = try ReportPeriod.api(frequency, dateText)
            } catch {
                throw .invalidCombination
            }
        } else {
            period = latestPeriod(frequency, now: now)
        }
        return try serve { () throws(ReportError) in
            try library.salesReport(type, account: account, vendor: vendor, period: period, now: now)
        }
    }

    /// `GET /v1/financeReports`: `FINANCIAL` for a region (`ZZ`: all) and an Apple fiscal
    /// month. `filter[reportDate]` `YYYY-MM` is fiscal year `YYYY`, period `MM` (`01` is
    /// October of `YYYY − 1`), the same pair Reporter's `Finance.getReport` takes.
    func financeReports(_ call: Call) throws(ConnectAPIError) -> Response {
        guard call.key.roles.canReadFinance else { throw .forbidden }
        try acceptsGzip(call)
        let vendorText = try required("vendorNumber", call)
        let typeName = try required("reportType", call)
        let region = try required("regionCode", call)
        let dateText = try required("reportDate", call)
        guard typeName == "FINANCIAL" || typeName == "FINANCE_DETAIL" else {
            throw .invalidParameter("filter[reportType]", "'\(typeName)' is not a valid value for filter[reportType].")
        }
        let account = try account(vendor: vendorText, call)
        let parts = dateText.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 4, parts[1].count == 2,
            parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }), let fiscalYear = Int(parts[0]),
            let fiscalPeriod = Int(parts[1]), FiscalPeriod(year: fiscalYear, period: fiscalPeriod) != nil
        else {
            throw .invalidParameter("filter[reportDate]", "Use the format YYYY-MM.")
        }
        guard typeName == "FINANCIAL", ReportLibrary.isFinanceRegion(region) else {
            throw .notFound(Self.noSalesDetail)
        }
        let now = world.clock.now()
        return try serve { () throws(ReportError) in
            try library.financialReport(
                account: account, vendor: Int(vendorText)!, region: region, fiscalYear: fiscalYear,
                fiscalPeriod: fiscalPeriod, now: now)
        }
    }

    private func serve(_ make: () throws(ReportError) -> ReportOutcome) throws(ConnectAPIError) -> Response {
        let outcome: ReportOutcome
        do {
            outcome = try make()
        } catch {
            logger.error("report generation failed", metadata: ["error": "\(error)"])
            throw .unexpected()
        }
        switch outcome {
        case .file(let file):
            return Response(
                status: .ok, headers: [.contentType: "application/a-gzip"],
                body: .init(byteBuffer: FaultInjector.damaged(file.body)))
        case .noSales: throw .notFound(Self.noSalesDetail)
        case .notAvailableYet: throw .notFound(Self.notYetDetail)
        case .noLongerAvailable:
            throw ConnectAPIError(
                status: .gone, code: "GONE", title: "The requested resource is no longer available.",
                detail: "Report is no longer available. Reports are kept for \(library.retentionDays) days.")
        }
    }

    private func required(_ name: String, _ call: Call) throws(ConnectAPIError) -> String {
        guard let value = call.filter(name), !value.isEmpty else { throw .missingParameter("filter[\(name)]") }
        return value
    }

    private func account(vendor text: String, _ call: Call) throws(ConnectAPIError) -> SandboxAccount {
        guard let vendor = Int(text), let account = world.account(vendor: vendor),
            call.key.accounts.contains(account.number)
        else {
            throw .invalidParameter("filter[vendorNumber]", "The vendor number '\(text)' is not valid for this key.")
        }
        return account
    }

    /// A client that accepts only JSON gets 406 with a plain-text body, as Apple answers.
    private func acceptsGzip(_ call: Call) throws(ConnectAPIError) {
        guard let accept = call.request.headers[.accept]?.lowercased() else { return }
        if accept.contains("gzip") || accept.contains("*/*") || accept.contains("application/*") { return }
        throw ConnectAPIError(
            status: .notAcceptable, code: "NOT_ACCEPTABLE", title: "The requested media type is not supported.",
            detail: "Accept application/a-gzip for reports.")
    }

    /// With no `filter[reportDate]`, the latest report already published.
    private func latestPeriod(_ frequency: ReportFrequency, now: Date) -> ReportPeriod {
        var period = ReportPeriod(frequency, containing: ReportDate(containing: now, in: library.timeZone))
        while period.availableAt(hour: library.availabilityHour, in: library.timeZone) > now {
            period = ReportPeriod(frequency, containing: period.start.adding(days: -1))
        }
        return period
    }
}
