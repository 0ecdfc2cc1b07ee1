import SQLKit
import SalesReports

/// Sums of whole calendar months, and of the single days at a range's ends, kept in memory per
/// account (``MetricsCache``), so the first answer after new data sums only the days and months the
/// change touched (``MetricChanges``), not a year of slices again: a year of 175 countries in five
/// accounts is 320,000 country slices, an app's page with a country breakdown as many rollups.
extension MetricsStore {
    /// One account's sums for one question (filters, grouping, currency) as of a data version, per
    /// unit: a month ("YYYY-MM") or a day ("YYYY-MM-DD"), one row per key; a unit without rows is
    /// known to be empty.
    struct UnitSums: Sendable {
        var version: Int64
        var units: [String: [Row]]

        var weight: Int { units.values.reduce(1) { $0 + $1.count } }
    }

    /// A whole calendar month or a single day of a range.
    struct SumUnit: Sendable, Hashable {
        var name: String
        var first: ReportDate
        var last: ReportDate
        var isMonth: Bool { name.count == 7 }
    }

    /// `from...to` as whole calendar months and the single days around them, in order.
    static func units(_ from: ReportDate, _ to: ReportDate) -> [SumUnit] {
        var units: [SumUnit] = []
        var day = from
        while day <= to {
            let monthEnd = startOfNextMonth(day).adding(days: -1)
            if day.day == 1, monthEnd <= to {
                units.append(SumUnit(name: String(day.isoText.prefix(7)), first: day, last: monthEnd))
                day = monthEnd.adding(days: 1)
            } else {
                units.append(SumUnit(name: day.isoText, first: day, last: day))
                day = day.adding(days: 1)
            }
        }
        return units
    }

    static func startOfMonth(_ day: ReportDate) -> ReportDate {
        day.adding(days: 1 - day.day)
    }

    static func startOfNextMonth(_ day: ReportDate) -> ReportDate {
        startOfMonth(startOfMonth(day).adding(days: 31))
    }

    /// The key of one account's unit sums for a question (its range left out).
    private func unitKey(_ query: Query, account: Int64, dimension: MetricSlices.Dimension?) -> String {
        [
            "units", String(account), dimension?.rawValue ?? "", query.app ?? "", query.country ?? "",
            query.device ?? "", query.currency,
        ].joined(separator: "\u{1F}")
    }

    /// `rows(query, groupBy:, byDay: false)` from the units kept in memory, summing in SQL only those
    /// not kept (or touched by a change since); `nil` when the accounts' versions are unknown.
    func unitRows(_ query: Query, groupBy dimension: MetricSlices.Dimension?) async throws -> [Row]? {
        guard let versions = query.versions, versions.count == query.accountIDs.count, query.from <= query.to else {
            return nil
        }
        let units = Self.units(query.from, query.to)
        var kept: [Int64: UnitSums] = [:]
        var lacking: [Int64: [SumUnit]] = [:]
        for (account, version) in zip(query.accountIDs, versions) {
            let key = unitKey(query, account: account, dimension: dimension)
            var sums: UnitSums? = cache.peek(key)
            let peekedVersion = sums?.version
            if let found = sums, found.version != version {
                // Kept at another version: only the units no change since touched are still true.
                let changed =
                    found.version < version
                    ? try await database.withConnection { connection in
                        try await MetricChanges.changes(
                            accountID: account, after: found.version, through: version, on: connection)
                    } : nil
                if let changed {
                    sums = UnitSums(
                        version: version,
                        units: found.units.filter { name, _ in !changed.contains { $0.touches(unit: name) } })
                } else {
                    sums = nil
                }
            }
            let have = sums ?? UnitSums(version: version, units: [:])
            kept[account] = have
            let missing = units.filter { have.units[$0.name] == nil }
            if !missing.isEmpty {
                lacking[account] = missing
            } else if sums?.version != peekedVersion {
                // Still true at this version: kept so, and the records are not read again.
                cache.store(key, have, weight: have.weight)
            }
        }
        if !lacking.isEmpty {
            let accounts = lacking.keys.sorted()
            var fresh: [Int64: [String: [Row]]] = [:]
            var summed: [SumUnit] = []
            // One query for the months any account lacks, and one per run of consecutive days.
            let all = lacking.values.joined()
            let months = all.filter(\.isMonth)
            var spans: [(ReportDate, ReportDate, PerAccount)] = []
            if let first = months.map(\.first).min(), let last = months.map(\.last).max() {
                spans.append((first, last, .month))
            }
            for day in Set(all.filter { !$0.isMonth }.map(\.first)).sorted() {
                if let previous = spans.last, previous.2 == .day, previous.1.adding(days: 1) == day {
                    spans[spans.count - 1].1 = day
                } else {
                    spans.append((day, day, .day))
                }
            }
            for (first, last, period) in spans {
                var question = query.over(first, last)
                question.accountIDs = accounts
                question.versions = nil
                for (account, row) in try await sums(question, groupBy: dimension, byDay: false, perAccount: period) {
                    guard let account, let unit = row.day else { continue }
                    fresh[account, default: [:]][unit, default: []].append(
                        Row(key: row.key, day: nil, totals: row.totals))
                }
                summed += units.filter { $0.isMonth == (period == .month) && first <= $0.first && $0.last <= last }
            }
            for account in accounts {
                guard var sums = kept[account] else { continue }
                for unit in summed { sums.units[unit.name] = fresh[account]?[unit.name] ?? [] }
                kept[account] = sums
                cache.store(unitKey(query, account: account, dimension: dimension), sums, weight: sums.weight)
            }
        }
        var merged: [String: Row] = [:]
        for sums in kept.values {
            for unit in units {
                for part in sums.units[unit.name] ?? [] {
                    let key = part.key ?? ""
                    if merged[key] == nil {
                        merged[key] = Row(key: part.key, day: nil, totals: part.totals)
                    } else {
                        merged[key]!.totals.add(part.totals)
                    }
                }
            }
        }
        return merged.values.sorted { ($0.key ?? "") < ($1.key ?? "") }
    }
}
