import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import OrchardApp
import OrchardCore
import OrchardStorage
import SalesReports

/// `GET /api/v1/metrics/summary`, `timeseries` and `export.csv` (docs/API.md): the rollups a user
/// may read, added up, converted into one currency and told apart where a day is not known yet.
struct MetricsAPIController: Sendable {
    let dashboard: Dashboard

    struct CurrencyBody: Decodable {
        let currency: String
    }

    struct Me: ResponseEncodable {
        let user: AuthAPIController.UserBody
    }

    struct Units: Codable, Equatable {
        var downloads: Int64
        var redownloads: Int64
        var updates: Int64
        var inAppPurchases: Int64
        var restores: Int64
        var other: Int64

        init(_ totals: MetricsStore.Totals) {
            downloads = totals.units[.downloads, default: 0]
            redownloads = totals.units[.redownloads, default: 0]
            updates = totals.units[.updates, default: 0]
            inAppPurchases = totals.units[.inAppPurchases, default: 0]
            restores = totals.units[.restores, default: 0]
            other = totals.units[.other, default: 0]
        }
    }

    struct Unconverted: Codable, Equatable {
        var proceeds: [String: String]
        var sales: [String: String]
    }

    struct Rates: Codable, Equatable {
        var source: String
        var from: String
        var to: String
    }

    struct Complete: Codable, Equatable {
        /// The last day through which every account in scope has its reports (`null`: not the first day).
        var through: String?
        /// Some days of the range are not known for some account yet.
        var partial: Bool
        var days: Int
    }

    struct AccountView: Codable, Equatable {
        var number: String
        var name: String
        var status: String
        var completeThrough: String?
    }

    struct Summary: ResponseEncodable, Decodable {
        var from: String
        var to: String
        var currency: String
        var units: Units
        var returns: Int64
        var proceeds: String
        var sales: String
        var unconverted: Unconverted
        var rates: Rates?
        var complete: Complete
        var accounts: [AccountView]
    }

    struct PointView: Codable, Equatable {
        var date: String
        var value: Double
        var partial: Bool?
    }

    struct SeriesView: Codable, Equatable {
        var key: String
        var label: String?
        var points: [PointView]
    }

    struct Timeseries: ResponseEncodable, Decodable {
        var metric: String
        var interval: String
        var currency: String
        var from: String
        var to: String
        var series: [SeriesView]
        var complete: Complete
    }

    func addRoutes(to router: Router<OrchardRequestContext>) {
        router.patch(SiteRoute.api(.me).pattern) { request, context in
            var user = try context.requireUser()
            let body = try await request.decode(as: CurrencyBody.self, context: context)
            user.currency = try await dashboard.setCurrency(body.currency, of: user)
            return Me(user: .init(user))
        }
        router.get(SiteRoute.api(.metricsSummary).pattern) { request, context in
            let (question, scope) = try await dashboard.ask(
                query: request.queryDictionary, user: try context.requireUser(), readable: context.readable)
            return try await cachedJSON("summary", question, scope) { try await summary(question, scope: scope) }
        }
        router.get(SiteRoute.api(.metricsTimeseries).pattern) { request, context in
            let user = try context.requireUser()
            let (question, scope) = try await dashboard.ask(
                query: request.queryDictionary, user: user, readable: context.readable)
            return try await cachedJSON("timeseries", question, scope) {
                try await timeseries(question, scope: scope, user: user)
            }
        }
        router.get(SiteRoute.api(.metricsExport).pattern) { request, context in
            let user = try context.requireUser()
            let (question, scope) = try await dashboard.ask(
                query: request.queryDictionary, user: user, readable: context.readable)
            return try await export(question, scope: scope, user: user)
        }
    }

    /// The answer as JSON, encoded once per question and data version: the same accounts at the same
    /// versions and statuses give the same bytes, whoever asks (the scope holds only readable
    /// accounts, and nothing in the answer comes from outside it). The key is a SHA-256 of the
    /// normalised question, so its size does not depend on what was sent.
    private func cachedJSON<Answer: Encodable & Sendable>(
        _ kind: String, _ question: MetricsQuestion, _ scope: Dashboard.Scope,
        answer: @escaping @Sendable () async throws -> Answer
    ) async throws -> Response {
        let accounts = scope.accounts.map { "\($0.id):\($0.version):\($0.status.rawValue)" }.joined(separator: ",")
        let normalised =
            [
                kind, accounts, question.from.isoText, question.to.isoText, question.app ?? "", question.country ?? "",
                question.device ?? "", question.currency, question.metric.rawValue, question.interval.rawValue,
                question.groupBy?.rawValue ?? "",
            ].joined(separator: "\u{1F}")
        return try await CachedAnswer.json(normalised, cache: dashboard.cache, answer: answer)
    }

    func summary(_ question: MetricsQuestion, scope: Dashboard.Scope) async throws -> Summary {
        let (totals, coverage) = try await dashboard.summary(question, scope)
        return Summary(
            from: question.from.isoText, to: question.to.isoText, currency: question.currency, units: Units(totals),
            returns: totals.returns, proceeds: FigureText.decimal(micros: totals.proceeds),
            sales: FigureText.decimal(micros: totals.sales), unconverted: Self.unconverted(totals),
            rates: Self.rates(totals), complete: Self.complete(coverage),
            accounts: scope.accounts.map {
                AccountView(
                    number: $0.number, name: $0.name, status: $0.status.rawValue,
                    completeThrough: coverage.completeThrough($0.id)?.isoText)
            })
    }

    func timeseries(_ question: MetricsQuestion, scope: Dashboard.Scope, user: User) async throws -> Timeseries {
        let (series, coverage) = try await dashboard.series(question, scope, groupBy: question.groupBy)
        let titles = question.groupBy == .app ? try await dashboard.appTitles(of: user, in: scope) : [:]
        return Timeseries(
            metric: question.metric.rawValue, interval: question.interval.rawValue, currency: question.currency,
            from: question.from.isoText, to: question.to.isoText,
            series: series.map { series in
                SeriesView(
                    key: series.key, label: titles[series.key],
                    points: series.points.compactMap { point in
                        // Days not known yet are absent, never 0.
                        point.value.map {
                            PointView(
                                date: point.start.isoText,
                                value: question.metric.isMoney ? ($0 * 100).rounded(.toNearestOrEven) / 100 : $0,
                                partial: point.partial ? true : nil)
                        }
                    })
            }, complete: Self.complete(coverage))
    }

    /// One row per known day (and group), a header row, the currency and the rate date on each row.
    func export(_ question: MetricsQuestion, scope: Dashboard.Scope, user: User) async throws -> Response {
        var daily = question
        daily.interval = .day
        let (series, _) = try await dashboard.series(daily, scope, groupBy: question.groupBy)
        let titles = question.groupBy == .app ? try await dashboard.appTitles(of: user, in: scope) : [:]
        let csv = Self.csv(series, groupBy: question.groupBy, currency: question.currency, titles: titles)
        let name = "orchard-metrics-\(question.from.isoText)-\(question.to.isoText).csv"
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"\(name)\"",
            ],
            body: .init(byteBuffer: ByteBuffer(string: csv)))
    }

    static let csvColumns = [
        "downloads", "redownloads", "updates", "in_app_purchases", "restores", "other", "returns", "proceeds", "sales",
        "currency", "rate_date", "unconverted_proceeds", "unconverted_sales",
    ]

    /// RFC 4180: CRLF line ends, fields with a comma, quote or line break quoted; text that a
    /// spreadsheet would run as a formula (`=`, `+`, `-`, `@` first) is prefixed with `'`.
    static func csv(
        _ series: [Dashboard.Series], groupBy: MetricSlices.Dimension?, currency: String, titles: [String: String]
    ) -> String {
        var header = ["date"]
        if let groupBy { header.append(groupBy.rawValue) }
        if groupBy == .app { header.append("app_title") }
        var lines = [(header + csvColumns).joined(separator: ",")]
        var rows: [(String, String, [String])] = []
        for series in series {
            for point in series.points {
                // A known day without a row of this group is a zero only for the whole; a group
                // lists the days it has.
                guard let totals = point.totals else { continue }
                if groupBy != nil, totals == MetricsStore.Totals() { continue }
                var fields = [point.start.isoText]
                if groupBy != nil { fields.append(text(series.key)) }
                if groupBy == .app { fields.append(text(titles[series.key] ?? "")) }
                let units = Units(totals)
                fields += [
                    units.downloads, units.redownloads, units.updates, units.inAppPurchases, units.restores,
                    units.other,
                    totals.returns,
                ].map(String.init)
                fields += [
                    FigureText.decimal(micros: totals.proceeds), FigureText.decimal(micros: totals.sales), currency,
                    totals.firstRateDay ?? "",
                    text(unconverted(totals.unconvertedProceeds)), text(unconverted(totals.unconvertedSales)),
                ]
                rows.append((point.start.isoText, series.key, fields))
            }
        }
        rows.sort { ($0.0, $0.1) < ($1.0, $1.1) }
        lines += rows.map { $0.2.joined(separator: ",") }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    private static func unconverted(_ amounts: [String: Int64]) -> String {
        amounts.sorted { $0.key < $1.key }.map { "\(FigureText.decimal(micros: $0.value)) \($0.key)" }.joined(
            separator: "; ")
    }

    static func text(_ value: String) -> String {
        var value = value
        if let first = value.first, "=+-@".contains(first) { value = "'" + value }
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    static func unconverted(_ totals: MetricsStore.Totals) -> Unconverted {
        Unconverted(
            proceeds: totals.unconvertedProceeds.mapValues { FigureText.decimal(micros: $0) },
            sales: totals.unconvertedSales.mapValues { FigureText.decimal(micros: $0) })
    }

    static func rates(_ totals: MetricsStore.Totals) -> Rates? {
        guard let first = totals.firstRateDay, let last = totals.lastRateDay else { return nil }
        return Rates(source: "ECB", from: first, to: last)
    }

    static func complete(_ coverage: MetricsStore.Coverage) -> Complete {
        Complete(through: coverage.completeThrough?.isoText, partial: !coverage.isComplete, days: coverage.days)
    }
}
