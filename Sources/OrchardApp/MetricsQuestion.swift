import Foundation
import OrchardCore
package import OrchardStorage
package import SalesReports

/// A question about store metrics, read from a URL's query: the same parameters for the dashboard's
/// pages, the JSON API and the CSV export, so a view can be bookmarked, shared or scripted.
package struct MetricsQuestion: Sendable, Equatable {
    /// The quick ranges of the date picker; `custom` takes `from` and `to`.
    package enum Preset: String, CaseIterable, Sendable {
        case last7 = "7d", last30 = "30d", last90 = "90d", monthToDate = "mtd", last12Months = "12m"
        /// Apple's fiscal month (docs/REPORTS.md, Apple's fiscal calendar) to date, and the one before.
        case fiscalMonth, lastFiscalMonth
        case custom

        package var label: String {
            switch self {
            case .last7: "Last 7 days"
            case .last30: "Last 30 days"
            case .last90: "Last 90 days"
            case .monthToDate: "Month to date"
            case .last12Months: "Last 12 months"
            case .fiscalMonth: "This fiscal month"
            case .lastFiscalMonth: "Last fiscal month"
            case .custom: "Custom"
            }
        }

        /// The range ending on `latest` (the newest report day).
        package func range(latest: ReportDate) -> (ReportDate, ReportDate)? {
            switch self {
            case .last7: (latest.adding(days: -6), latest)
            case .last30: (latest.adding(days: -29), latest)
            case .last90: (latest.adding(days: -89), latest)
            case .monthToDate: (latest.firstOfMonth, latest)
            case .last12Months: (latest.adding(days: -364), latest)
            case .fiscalMonth: (FiscalPeriod(containing: latest).start, latest)
            case .lastFiscalMonth:
                (FiscalPeriod(containing: latest).previous.start, FiscalPeriod(containing: latest).previous.end)
            case .custom: nil
            }
        }
    }

    package enum Interval: String, CaseIterable, Sendable {
        case day, week, month, fiscalMonth

        /// The picker's label.
        package var label: String { self == .fiscalMonth ? "Fiscal month" : rawValue.capitalized }

        /// The first day of the interval `day` falls in (weeks start on Monday; a fiscal month is
        /// Apple's, Sunday to Saturday).
        package func start(of day: ReportDate) -> ReportDate {
            switch self {
            case .day: day
            case .week: day.mondayOfWeek
            case .month: day.firstOfMonth
            case .fiscalMonth: FiscalPeriod(containing: day).start
            }
        }

        /// The last day of the interval that starts on `start`.
        package func end(from start: ReportDate) -> ReportDate {
            switch self {
            case .day: start
            case .week: start.adding(days: 6)
            case .month: Self.month.start(of: start.adding(days: 31)).adding(days: -1)
            case .fiscalMonth: FiscalPeriod(containing: start).end
            }
        }
    }

    package var preset: Preset
    package var from: ReportDate
    package var to: ReportDate
    package var account: String?
    package var app: String?
    package var country: String?
    package var device: String?
    package var currency: String
    package var metric: MetricsStore.Metric
    package var interval: Interval
    package var groupBy: MetricSlices.Dimension?

    /// The longest range a question may cover.
    package static let maximumDays = 3_700

    /// Reads the question; `latest` is the newest report day, where presets end. Absent parameters
    /// take the defaults (last 30 days, the user's currency, downloads by day); wrong ones are errors
    /// that name the parameter.
    package init(query: [String: String], currency userCurrency: String, latest: ReportDate) throws(DashboardError) {
        func text(_ name: String) -> String? {
            guard let value = query[name]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
            return value
        }
        func day(_ name: String) throws(DashboardError) -> ReportDate? {
            guard let value = text(name) else { return nil }
            guard value.count == 10, let day = ReportDate(value) else {
                throw .invalidParameter("\(name) must be a date written YYYY-MM-DD, such as 2026-11-30.")
            }
            return day
        }
        func choice<Value: RawRepresentable<String>>(_ name: String, _ all: [Value]) throws(DashboardError) -> Value? {
            guard let value = text(name) else { return nil }
            guard let chosen = Value(rawValue: value) else {
                throw .invalidParameter("\(name) must be one of: \(all.map(\.rawValue).joined(separator: ", ")).")
            }
            return chosen
        }
        let from = try day("from")
        let to = try day("to")
        let named = try choice("preset", Preset.allCases)
        preset = named ?? (from != nil || to != nil ? .custom : .last30)
        if let range = preset.range(latest: latest) {
            (self.from, self.to) = range
        } else {
            self.to = to ?? latest
            self.from = from ?? self.to.adding(days: -29)
        }
        guard self.from <= self.to else { throw .invalidParameter("from must be on or before to.") }
        guard self.to.dayNumber - self.from.dayNumber < Self.maximumDays else {
            throw .invalidParameter("A range may cover at most \(Self.maximumDays) days.")
        }
        func bounded(_ name: String, _ longest: Int, _ what: String) throws(DashboardError) -> String? {
            guard let value = text(name) else { return nil }
            guard value.count <= longest else {
                throw .parameterTooLong("\(name) is at most \(longest) characters (\(what)).")
            }
            return value
        }
        account = try bounded("account", 20, "an account number")
        app = try bounded("app", 100, "an app's SKU")
        country = try bounded("country", 2, "a two-letter storefront code")?.uppercased()
        device = try bounded("device", 20, "a device such as iPhone")
        let currency = text("currency")?.uppercased() ?? userCurrency
        guard currency.count == 3, currency.allSatisfy({ $0.isASCII && $0.isLetter }) else {
            throw .invalidParameter("currency must be a three-letter ISO 4217 code, such as USD or EUR.")
        }
        self.currency = currency
        metric = try choice("metric", MetricsStore.Metric.allCases) ?? .downloads
        interval = try choice("interval", Interval.allCases) ?? .day
        let group = try choice("groupBy", MetricSlices.Dimension.allCases.filter { $0 != .all })
        groupBy = group == .all ? nil : group
    }

    /// The parameters that ask this question again, with `changes` applied (`nil` removes one).
    package func parameters(_ changes: [String: String?] = [:]) -> [(String, String)] {
        var values: [String: String] = [:]
        if preset == .custom {
            values["from"] = from.isoText
            values["to"] = to.isoText
        } else {
            values["preset"] = preset.rawValue
        }
        values["account"] = account
        values["app"] = app
        values["country"] = country
        values["device"] = device
        if metric != .downloads { values["metric"] = metric.rawValue }
        if interval != .day { values["interval"] = interval.rawValue }
        for (name, value) in changes {
            values[name] = value
            if name == "from" || name == "to" { values["preset"] = nil }
            if name == "preset" {
                values["from"] = nil
                values["to"] = nil
            }
        }
        return values.sorted { $0.key < $1.key }
    }

    /// A query string of ``parameters(_:)`` for a link in a page, with its `?` (empty when there is
    /// nothing to say); `&` is written `&amp;`, as an attribute needs (Plot writes attributes as given).
    package func queryString(_ changes: [String: String?] = [:]) -> String {
        let pairs = parameters(changes)
        guard !pairs.isEmpty else { return "" }
        return "?" + pairs.map { "\($0)=\(Self.escape($1))" }.joined(separator: "&amp;")
    }

    /// The value percent-encoded for a query string: every byte but ASCII letters, digits and `-._~`.
    /// Written out rather than through `addingPercentEncoding`, which on Linux built a character set
    /// for each call (a few percent of a dashboard page's time, for its export links).
    package static func escape(_ value: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(value.utf8.count)
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                bytes.append(byte)
            default:
                bytes.append(UInt8(ascii: "%"))
                bytes.append(hex[Int(byte >> 4)])
                bytes.append(hex[Int(byte & 0x0F)])
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The period of the same length just before this one, for the change shown beside each figure.
    package var previous: (ReportDate, ReportDate) {
        let days = to.dayNumber - from.dayNumber + 1
        return (from.adding(days: -days), from.adding(days: -1))
    }
}
