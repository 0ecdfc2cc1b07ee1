package import Foundation
package import NIOCore
package import SalesReports
import Synchronization

/// A report that can be served: Apple's file name and the gzip'd bytes.
package struct ReportFile: Sendable {
    package let filename: String
    package let body: ByteBuffer

    /// The gzip'd bytes, as a client receives them.
    package var data: Data { Data(body.readableBytesView) }
}

/// What a report request comes to, before either interface words it.
package enum ReportOutcome: Sendable {
    case file(ReportFile)
    /// A valid request for a period with no activity (Reporter 213, API 404).
    case noSales
    /// The period has not been published yet (Reporter 210, API 404).
    case notAvailableYet
    /// Older than Apple keeps (API 410).
    case noLongerAvailable
}

/// SalesReports' `ReportType` as the sandbox serves it: Sales and Trends reports from its
/// generator; financial reports come from ``FiscalPeriod`` and `ReportFiles+Financial`.
extension ReportType {
    var kind: ReportKind {
        switch self {
        case .sales: return .summarySales
        case .subscription: return .subscription
        case .subscriptionEvent: return .subscriptionEvent
        case .subscriber: return .subscriber
        case .financial: return .financial
        }
    }

    /// The only frequencies Apple offers for the type.
    package var frequencies: Set<ReportFrequency> {
        switch self {
        case .sales: Set(ReportFrequency.salesAndTrends)
        case .subscription, .subscriptionEvent, .subscriber: [.daily]
        case .financial: [.fiscal]
        }
    }

    func filename(vendor: Int, period: ReportPeriod, version: String) -> String {
        let date = period.fileDateText
        let suffix = "V\(version)"
        switch self {
        case .sales: return "S_\(period.frequency.fileLetter)_\(vendor)_\(date).txt.gz"
        case .subscription: return "Subscription_\(vendor)_\(date)_\(suffix).txt.gz"
        case .subscriptionEvent: return "Subscription_Event_\(vendor)_\(date)_\(suffix).txt.gz"
        case .subscriber: return "Subscriber_\(vendor)_\(date)_\(suffix).txt.gz"
        case .financial: preconditionFailure("financial reports are named by their fiscal period")
        }
    }
}

/// Generates report files on demand and keeps them, so serving a report costs a lookup once
/// it has been made (the sandbox must never be the bottleneck of Orchard's benchmarks).
package final class ReportLibrary: Sendable {
    private struct Key: Hashable {
        let account: Int
        let seed: UInt64
        let type: String
        let period: ReportPeriod
    }

    private enum Entry {
        case file(ReportFile)
        case empty
    }

    /// The hour (in `timeZone`) at which the previous day's reports appear.
    package let availabilityHour: Int
    /// Days Apple keeps daily, weekly and monthly reports (yearly ones are kept forever).
    package let retentionDays: Int
    private let capacity: Int
    private let cache = Mutex<[Key: Entry]>([:])
    /// The latest version of each subscription report (docs/SANDBOX.md, Report versions): `1_3`
    /// until the control API moves one on, as Apple did to the Subscription report in 2026.
    private let subscriptionVersions = Mutex<[ReportType: String]>([:])

    /// The time zone of report days and of `availabilityHour`: Apple's is Pacific time.
    package let timeZone: TimeZone

    package init(
        availabilityHour: Int = 5, timeZone: TimeZone = ReportCalendar.timeZone, retentionDays: Int = 365,
        capacity: Int = 20_000
    ) {
        self.availabilityHour = availabilityHour
        self.timeZone = timeZone
        self.retentionDays = retentionDays
        self.capacity = capacity
    }

    /// The latest version of `type`, the one the sandbox writes.
    package func latestVersion(_ type: ReportType) -> String {
        type == .sales ? "1_0" : subscriptionVersions.withLock { $0[type] } ?? "1_3"
    }

    /// Versions accepted: Sales `1_0` (and `1_1`, which Apple briefly demanded in 2024); a
    /// subscription report its latest only (1_2 was retired).
    package func accepts(_ version: String, for type: ReportType) -> Bool {
        type == .sales ? ["1_0", "1_1"].contains(version) : version == latestVersion(type)
    }

    /// Makes `version` the latest of a subscription report type; older ones are refused from now on.
    package func setLatestVersion(_ version: String, for type: ReportType) {
        guard type.isSubscription else { return }
        subscriptionVersions.withLock { $0[type] = version }
    }

    /// A Sales and Trends report of `account` for `period`, as of `now`.
    package func salesReport(
        _ type: ReportType, account: SandboxAccount, vendor: Int, period: ReportPeriod, now: Date
    ) throws(ReportError) -> ReportOutcome {
        if let gate = gate(period, now: now) { return gate }
        let version = latestVersion(type)
        let key = Key(
            account: account.number, seed: account.seed, type: "\(type)-\(vendor)-\(version)", period: period)
        return try cached(key) { () throws(ReportError) in
            let files = ReportFiles(account: account, apps: account.apps(of: vendor) ?? 0..<0)
            let bytes =
                type == .sales
                ? try files.summarySales(period)
                : try files.subscriptionReport(type.kind, day: period.start, version: version)
            return bytes.map {
                ReportFile(
                    filename: type.filename(vendor: vendor, period: period, version: version),
                    body: ByteBuffer(bytes: $0))
            }
        }
    }

    /// The Financial report of fiscal `year`/`period` for `region` (`ZZ`: all regions), as of
    /// `now`. Reporter's `Finance.getReport` and the API's `/v1/financeReports` both come here.
    package func financialReport(
        account: SandboxAccount, vendor: Int, region: String, fiscalYear: Int, fiscalPeriod: Int, now: Date
    ) throws(ReportError) -> ReportOutcome {
        guard let fiscal = FiscalPeriod(year: fiscalYear, period: fiscalPeriod) else { return .noSales }
        if let gate = gate(fiscal.reportPeriod, now: now) { return gate == .notAvailableYet ? .noSales : gate }
        let key = Key(
            account: account.number, seed: account.seed, type: "financial-\(vendor)-\(region)",
            period: fiscal.reportPeriod)
        return try cached(key) { () throws(ReportError) in
            let name =
                "\(vendor)_\(String(fiscal.calendarMonth + 100).suffix(2))\(String(fiscal.calendarYear).suffix(2))_\(region).txt.gz"
            return try ReportFiles(account: account, apps: account.apps(of: vendor) ?? 0..<0).financial(
                period: fiscal, region: region
            )
            .map { ReportFile(filename: name, body: ByteBuffer(bytes: $0)) }
        }
    }

    /// The regions `Finance.getVendorsAndRegions` lists, in a stable order (`ZZ` is served, not listed).
    package static var financeRegions: [String] { Storefront.regions }

    /// Whether Finance reports are cut for `region`: a storefront region, or `ZZ` for all.
    package static func isFinanceRegion(_ region: String) -> Bool {
        region == ReportFiles.allRegions || Storefront.regions.contains(region)
    }

    private func gate(_ period: ReportPeriod, now: Date) -> ReportOutcome? {
        if now < period.availableAt(hour: availabilityHour, in: timeZone) { return .notAvailableYet }
        let today = ReportDate(containing: now, in: timeZone)
        if period.frequency != .yearly, period.end.dayNumber < today.dayNumber - retentionDays {
            return .noLongerAvailable
        }
        return nil
    }

    private func cached(
        _ key: Key, make: () throws(ReportError) -> ReportFile?
    ) throws(ReportError) -> ReportOutcome {
        switch cache.withLock({ $0[key] }) {
        case .file(let file): return .file(file)
        case .empty: return .noSales
        case nil: break
        }
        // made outside the lock: two concurrent first requests may both build the same bytes
        let file = try make()
        cache.withLock { cache in
            if cache.count >= capacity { cache.removeAll(keepingCapacity: true) }
            cache[key] = file.map(Entry.file) ?? .empty
        }
        return file.map(ReportOutcome.file) ?? .noSales
    }
}

extension ReportOutcome: Equatable {
    package static func == (lhs: ReportOutcome, rhs: ReportOutcome) -> Bool {
        switch (lhs, rhs) {
        case (.file(let a), .file(let b)): return a.filename == b.filename && a.body == b.body
        case (.noSales, .noSales), (.notAvailableYet, .notAvailableYet), (.noLongerAvailable, .noLongerAvailable):
            return true
        default: return false
        }
    }
}
