import SalesReports

/// Builds report file bytes (gzip'd, in Apple's layout, through SalesReports' writer) for an
/// account. Weeks, months and years are the sums of their days, so totals always agree.
struct ReportFiles: Sendable {
    let account: SandboxAccount
    /// The catalog indices of the apps of the vendor whose reports these are.
    var apps: Range<Int>? = nil
    /// Apple has sent multi-member gzip since December 2018; bigger files get several members.
    static let gzipMemberSize = 64 * 1024

    /// The Summary Sales file of `period`, or `nil` when nothing sold in it.
    func summarySales(_ period: ReportPeriod) throws(ReportError) -> [UInt8]? {
        let lines = aggregatedLines(period)
        guard !lines.isEmpty else { return nil }
        let renderer = SalesRowRenderer(account: account)
        let writer = ReportWriter(kind: .summarySales, gzip: true, gzipMemberSize: Self.gzipMemberSize)
        for line in lines {
            // a few rows (the same ones on every run) with Units as Apple's DECIMAL(18,2), `3.00`
            var random = SeededGenerator(account.seed, line.key, UInt64(bitPattern: Int64(period.start.dayNumber)))
            try writer.write(renderer.row(line, period: period), decimalUnits: random.chance(0.03))
        }
        return try writer.finish()
    }

    /// The lines of every day in `period`, summed by everything but the date.
    func aggregatedLines(_ period: ReportPeriod) -> [SaleLine] {
        let generator = SalesGenerator(account: account, apps: apps)
        guard period.end >= account.historyStart else { return [] }
        if period.frequency == .daily { return generator.lines(on: period.start) }
        var order: [SaleLine] = []
        var positions: [UInt64: Int] = [:]
        for day in period.days {
            for line in generator.lines(on: day) {
                if let position = positions[line.key] {
                    order[position].units += line.units
                } else {
                    positions[line.key] = order.count
                    order.append(line)
                }
            }
        }
        return order.filter { $0.units != 0 }
    }

    /// A file of `kind` with rows given by column name (absent columns blank).
    static func write(kind: ReportKind, rows: [[String: String]]) throws(ReportError) -> [UInt8] {
        let writer = ReportWriter(kind: kind, gzip: true, gzipMemberSize: gzipMemberSize)
        for row in rows { try writer.write(values: writer.columns.map { row[$0] ?? "" }) }
        return try writer.finish()
    }
}
