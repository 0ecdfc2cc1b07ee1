import SQLKit
import SalesReports

/// Whole calendar months summed once and kept in memory per account (``MetricsCache``), so the
/// first answer after new data sums only the days at the range's ends and the months the change
/// touched (``MetricChanges``), not a year of slices again: a year of 175 countries in five accounts
/// is 320,000 country slices, an app's page with a country breakdown twice that in rollups.
extension MetricsStore {
    /// One account's sums of whole months for one question (filters, grouping, currency), as of a
    /// data version: one row per key and month, a month without rows known to be empty.
    struct MonthSums: Sendable {
        var version: Int64
        var months: [String: [Row]]

        var weight: Int { months.values.reduce(1) { $0 + $1.count } }
    }

    /// The first and last day of the whole calendar months inside `from...to`; `nil` when it has none.
    static func wholeMonths(_ from: ReportDate, _ to: ReportDate) -> (first: ReportDate, last: ReportDate)? {
        guard from <= to else { return nil }
        let first = from.day == 1 ? from : startOfNextMonth(from)
        let last = to.adding(days: 1).day == 1 ? to : startOfMonth(to).adding(days: -1)
        return first < last ? (first, last) : nil
    }

    static func startOfMonth(_ day: ReportDate) -> ReportDate {
        day.adding(days: 1 - day.day)
    }

    static func startOfNextMonth(_ day: ReportDate) -> ReportDate {
        startOfMonth(startOfMonth(day).adding(days: 31))
    }

    /// A calendar month: "YYYY-MM" and its first day.
    struct Month: Sendable, Hashable {
        var name: String
        var first: ReportDate
        var last: ReportDate { MetricsStore.startOfNextMonth(first).adding(days: -1) }
    }

    /// Every month from `first`'s to `last`'s.
    static func months(_ first: ReportDate, _ last: ReportDate) -> [Month] {
        var months: [Month] = []
        var month = startOfMonth(first)
        while month <= last {
            months.append(Month(name: String(month.isoText.prefix(7)), first: month))
            month = startOfNextMonth(month)
        }
        return months
    }

    /// The key of one account's month sums for a question (its range left out).
    private func monthKey(_ query: Query, account: Int64, dimension: MetricSlices.Dimension?) -> String {
        [
            "months", String(account), dimension?.rawValue ?? "", query.app ?? "", query.country ?? "",
            query.device ?? "", query.currency,
        ].joined(separator: "\u{1F}")
    }

    /// `rows(query, groupBy:, byDay: false)` from whole months kept in memory and the days at the
    /// range's ends; `nil` when the range has no whole month or the accounts' versions are unknown.
    func monthlyRows(_ query: Query, groupBy dimension: MetricSlices.Dimension?) async throws -> [Row]? {
        guard let versions = query.versions, versions.count == query.accountIDs.count,
            let whole = Self.wholeMonths(query.from, query.to)
        else { return nil }
        let months = Self.months(whole.first, whole.last)
        var kept: [Int64: MonthSums] = [:]
        var lacking: [Int64: [Month]] = [:]
        for (account, version) in zip(query.accountIDs, versions) {
            var sums: MonthSums? = cache.peek(monthKey(query, account: account, dimension: dimension))
            let peekedVersion = sums?.version
            if let found = sums, found.version != version {
                // Kept at another version: only the months no change since touched are still true.
                let changed =
                    found.version < version
                    ? try await database.withConnection { connection in
                        try await MetricChanges.changes(
                            accountID: account, after: found.version, through: version, on: connection)
                    } : nil
                if let changed {
                    sums = MonthSums(
                        version: version,
                        months: found.months.filter { month, _ in !changed.contains { $0.touches(month: month) } })
                } else {
                    sums = nil
                }
            }
            let have = sums ?? MonthSums(version: version, months: [:])
            kept[account] = have
            let missing = months.filter { have.months[$0.name] == nil }
            if !missing.isEmpty {
                lacking[account] = missing
            } else if sums?.version != peekedVersion {
                // Still true at this version: kept so, and the records are not read again.
                cache.store(monthKey(query, account: account, dimension: dimension), have, weight: have.weight)
            }
        }
        let lackingMonths = lacking.values.joined()
        if let first = lackingMonths.map(\.first).min(), let last = lackingMonths.map(\.last).max() {
            // One query for every account lacking a month, over the months any of them lacks.
            let accounts = lacking.keys.sorted()
            var summed = query.over(first, last)
            summed.accountIDs = accounts
            summed.versions = nil
            let found = try await sums(summed, groupBy: dimension, byDay: false, byAccountMonth: true)
            var fresh: [Int64: [String: [Row]]] = [:]
            for (account, row) in found {
                guard let account, let month = row.day else { continue }
                fresh[account, default: [:]][month, default: []].append(Row(key: row.key, day: nil, totals: row.totals))
            }
            for account in accounts {
                guard var sums = kept[account] else { continue }
                for month in Self.months(first, last) { sums.months[month.name] = fresh[account]?[month.name] ?? [] }
                kept[account] = sums
                cache.store(monthKey(query, account: account, dimension: dimension), sums, weight: sums.weight)
            }
        }
        var parts: [Row] = []
        for sums in kept.values {
            for month in months { parts += sums.months[month.name] ?? [] }
        }
        if query.from < whole.first {
            parts += try await uncachedRows(
                query.over(query.from, whole.first.adding(days: -1)), groupBy: dimension, byDay: false)
        }
        if whole.last < query.to {
            parts += try await uncachedRows(
                query.over(whole.last.adding(days: 1), query.to), groupBy: dimension, byDay: false)
        }
        var merged: [String: Row] = [:]
        for part in parts {
            let key = part.key ?? ""
            if merged[key] == nil {
                merged[key] = Row(key: part.key, day: nil, totals: part.totals)
            } else {
                merged[key]!.totals.add(part.totals)
            }
        }
        return merged.values.sorted { ($0.key ?? "") < ($1.key ?? "") }
    }
}
