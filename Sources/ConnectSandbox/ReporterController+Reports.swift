import Hummingbird
import Logging
import SalesReports

extension ReporterController {
    /// `Sales.getReport, <vendor>,<type>,<subtype>,<dateType>,<date>[,<version>]`.
    func salesReport(_ request: ReporterRequest, account: SandboxAccount) throws(ReporterFailure) -> Response {
        let arguments = request.arguments
        guard let vendor = Int(arguments[0]), account.vendors.contains(vendor) else { throw .invalidVendor }
        let type = try reportType(arguments[1], arguments[2])
        guard let frequency = ReportFrequency(name: arguments[3]) else { throw .invalidDateType }
        let period: ReportPeriod
        do {
            period = try ReportPeriod.reporter(frequency, arguments[4])
        } catch {
            throw error == .malformed ? .invalidDate : .invalidDateCombination
        }
        guard let type else { return try outcome(.noSales) }
        guard type.frequencies.contains(frequency) else { throw .invalidDateType }
        let version = arguments.count == 6 ? arguments[5] : nil
        if let version, !library.accepts(version, for: type) {
            throw .invalidVersion(latest: library.latestVersion(type))
        }
        // since 2019 Apple answers subscription reports without a version with an error
        if version == nil, type != .sales { throw .invalidVersion(latest: library.latestVersion(type)) }
        do {
            return try outcome(
                library.salesReport(type, account: account, vendor: vendor, period: period, now: world.clock.now()))
        } catch let failure as ReporterFailure {
            throw failure
        } catch {
            logger.error("report generation failed", metadata: ["account": "\(account.number)", "error": "\(error)"])
            throw ReporterFailure(code: 0, message: ReporterFailure.unexpected, status: .internalServerError)
        }
    }

    /// `Finance.getReport, <vendor>,<regionCode>,Financial,<fiscalYear>,<fiscalPeriod>`.
    func financeReport(_ request: ReporterRequest, account: SandboxAccount) throws(ReporterFailure) -> Response {
        let arguments = request.arguments
        guard let vendor = Int(arguments[0]), account.vendors.contains(vendor) else { throw .invalidVendor }
        guard ReportLibrary.isFinanceRegion(arguments[1].uppercased()) else {
            throw ReporterFailure(code: 208, message: "Invalid region code.", status: .badRequest)
        }
        guard arguments[2].lowercased() == "financial" else { throw .invalidReportType }
        guard let year = Int(arguments[3]), arguments[3].count == 4, let fiscalPeriod = Int(arguments[4]),
            (1...12).contains(fiscalPeriod)
        else { throw .invalidDate }
        do {
            return try outcome(
                library.financialReport(
                    account: account, vendor: vendor, region: arguments[1].uppercased(), fiscalYear: year,
                    fiscalPeriod: fiscalPeriod, now: world.clock.now()))
        } catch let failure as ReporterFailure {
            throw failure
        } catch {
            logger.error("report generation failed", metadata: ["account": "\(account.number)", "error": "\(error)"])
            throw ReporterFailure(code: 0, message: ReporterFailure.unexpected, status: .internalServerError)
        }
    }

    private func outcome(_ outcome: ReportOutcome) throws(ReporterFailure) -> Response {
        switch outcome {
        case .file(let file): return ReporterReply.file(file)
        case .noSales: throw .noSales
        case .notAvailableYet: throw .notAvailableYet
        case .noLongerAvailable: throw .retentionPassed
        }
    }

    /// The report type for Reporter's type and subtype; `nil` for types Apple offers that the
    /// sandbox has no data for (Pre-Order, Newsstand: always "no sales").
    private func reportType(_ type: String, _ subtype: String) throws(ReporterFailure) -> ReportType? {
        let subtypes = ["summary", "detailed", "opt-in"]
        switch (type.lowercased(), subtype.lowercased()) {
        case ("sales", "summary"): return .sales
        case ("subscription", "summary"): return .subscription
        case ("subscriptionevent", "summary"): return .subscriptionEvent
        case ("subscriber", "detailed"): return .subscriber
        case ("pre-order", "summary"), ("newsstand", "detailed"), ("sales", "opt-in"): return nil
        case ("sales", let sub), ("subscription", let sub), ("subscriptionevent", let sub), ("subscriber", let sub),
            ("pre-order", let sub), ("newsstand", let sub):
            throw subtypes.contains(sub) ? .invalidTypeCombination : .invalidReportSubType
        default:
            throw .invalidReportType
        }
    }
}
