import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import OrchardApp
import OrchardCore
import SalesReports

/// The Payouts page (`/payouts`), `GET /api/v1/payouts` and `/api/v1/payouts/export.csv`
/// (docs/PAYOUTS.md, docs/API.md): one ``Payouts/Report`` three ways. Amounts are decimal strings.
struct PayoutsController: Sendable {
    let payouts: Payouts
    let subscriptions: Subscriptions

    func addRoutes(to router: Router<OrchardRequestContext>) {
        router.get(SiteRoute.payouts.pattern) { request, context in
            let user = try context.requireUser()
            var problem: DashboardError?
            var report: Payouts.Report?
            do {
                report = try await payouts.report(
                    query: request.queryDictionary, user: user, readable: context.readable)
            } catch let error as DashboardError where error != .unknownAccount {
                // Another user's account stays a 404; a wrong parameter is said on the page.
                problem = error
                report = try? await payouts.report(query: [:], user: user, readable: context.readable)
            }
            var sells = false
            if let report { sells = try await subscriptions.sellsSubscriptions(report.scope) }
            return PayoutsPage.view(
                PayoutsPage.Model(report: report, problem: problem, sellsSubscriptions: sells),
                frame: PageFrame(context, request: request)
            ).response(from: request, context: context)
        }
        router.get(SiteRoute.api(.payouts).pattern) { request, context in
            let user = try context.requireUser()
            return Self.json(
                try await payouts.report(query: request.queryDictionary, user: user, readable: context.readable))
        }
        router.get(SiteRoute.api(.payoutsExport).pattern) { request, context in
            let user = try context.requireUser()
            let report = try await payouts.report(
                query: request.queryDictionary, user: user, readable: context.readable)
            let name = "orchard-payouts-FY\(report.fiscalYear).csv"
            return Response(
                status: .ok,
                headers: [
                    .contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"\(name)\"",
                ],
                body: .init(byteBuffer: ByteBuffer(string: Self.csv(report))))
        }
    }

    // MARK: - JSON

    struct Amount: Codable, Equatable {
        var proceeds: String
        var units: Int64
        var returns: Int64
        var returnsProceeds: String
    }

    struct Part: Codable, Equatable {
        var kind: String
        var app: String?
        var appTitle: String?
        var country: String?
        var estimate: String
        var final: String
        var difference: String

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(kind, forKey: .kind)
            try container.encode(app, forKey: .app)
            try container.encode(appTitle, forKey: .appTitle)
            try container.encode(country, forKey: .country)
            try container.encode(estimate, forKey: .estimate)
            try container.encode(final, forKey: .final)
            try container.encode(difference, forKey: .difference)
        }
    }

    struct CurrencyRow: Codable, Equatable {
        var currency: String
        var final: Amount?
        var estimate: Amount
        var difference: String?
        var parts: [Part]

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(currency, forKey: .currency)
            try container.encode(final, forKey: .final)
            try container.encode(estimate, forKey: .estimate)
            try container.encode(difference, forKey: .difference)
            try container.encode(parts, forKey: .parts)
        }
    }

    struct Total: Codable, Equatable {
        var currency: String
        var amount: String
        /// Always `true`: converted at the ECB rate of the month's last day, not Apple's.
        var estimate: Bool
        var basis: String
        var rateDate: String?
        var unconverted: [String: String]

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(currency, forKey: .currency)
            try container.encode(amount, forKey: .amount)
            try container.encode(estimate, forKey: .estimate)
            try container.encode(basis, forKey: .basis)
            try container.encode(rateDate, forKey: .rateDate)
            try container.encode(unconverted, forKey: .unconverted)
        }
    }

    struct Month: Codable, Equatable {
        var fiscalYear: Int
        var fiscalMonth: Int
        var name: String
        var start: String
        var end: String
        var through: String
        var status: String
        var paymentDueBy: String
        var waitingFor: [String]
        var currencies: [CurrencyRow]
        var total: Total
    }

    struct Forecast: Codable, Equatable {
        var fiscalYear: Int
        var fiscalMonth: Int
        var currency: String
        var toDate: String
        var remainingDays: Int
        var dailyAverage: String
        var low: String
        var expected: String
        var high: String
    }

    struct AccountAccess: Codable, Equatable {
        var number: String
        var name: String
        var financialReports: String
    }

    struct Answer: ResponseEncodable, Decodable {
        var fiscalYear: Int
        var currency: String
        var latest: String
        var accounts: [AccountAccess]
        var months: [Month]
        var forecast: Forecast?

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(fiscalYear, forKey: .fiscalYear)
            try container.encode(currency, forKey: .currency)
            try container.encode(latest, forKey: .latest)
            try container.encode(accounts, forKey: .accounts)
            try container.encode(months, forKey: .months)
            try container.encode(forecast, forKey: .forecast)
        }
    }

    static func amount(_ amount: Payouts.Amount) -> Amount {
        Amount(
            proceeds: FigureText.decimal(micros: amount.micros), units: amount.units, returns: -amount.returnUnits,
            returnsProceeds: FigureText.decimal(micros: amount.returnMicros))
    }

    static func json(_ report: Payouts.Report) -> Answer {
        Answer(
            fiscalYear: report.fiscalYear, currency: report.currency, latest: report.latest.isoText,
            accounts: report.accounts.map {
                AccountAccess(number: $0.number, name: $0.name, financialReports: $0.state.rawValue)
            },
            months: report.months.map { month in
                Month(
                    fiscalYear: month.period.year, fiscalMonth: month.period.period, name: month.period.name,
                    start: month.period.start.isoText, end: month.period.end.isoText, through: month.through.isoText,
                    status: month.status.rawValue, paymentDueBy: month.paymentDueBy.isoText,
                    waitingFor: month.waitingFor,
                    currencies: month.currencies.map { row in
                        CurrencyRow(
                            currency: row.currency, final: row.final.map(amount), estimate: amount(row.estimate),
                            difference: row.differenceMicros.map { FigureText.decimal(micros: $0) },
                            parts: row.parts.map { part in
                                Part(
                                    kind: part.kind.rawValue, app: part.app, appTitle: part.appTitle,
                                    country: part.country, estimate: FigureText.decimal(micros: part.estimateMicros),
                                    final: FigureText.decimal(micros: part.finalMicros),
                                    difference: FigureText.decimal(micros: part.differenceMicros))
                            })
                    },
                    total: Total(
                        currency: month.total.currency, amount: FigureText.decimal(micros: month.total.micros),
                        estimate: true, basis: month.status == .final ? "final" : "estimate",
                        rateDate: month.total.rateDay,
                        unconverted: month.total.unconverted.mapValues { FigureText.decimal(micros: $0) }))
            },
            forecast: report.forecast.map { forecast in
                Forecast(
                    fiscalYear: forecast.period.year, fiscalMonth: forecast.period.period, currency: forecast.currency,
                    toDate: FigureText.decimal(micros: forecast.toDateMicros), remainingDays: forecast.remainingDays,
                    dailyAverage: FigureText.decimal(micros: forecast.dailyAverageMicros),
                    low: FigureText.decimal(micros: forecast.lowMicros),
                    expected: FigureText.decimal(micros: forecast.expectedMicros),
                    high: FigureText.decimal(micros: forecast.highMicros))
            })
    }

    // MARK: - CSV

    static let csvHeader = [
        "fiscal_year", "fiscal_month", "name", "start", "end", "status", "currency", "final_proceeds", "final_units",
        "final_returns", "estimated_proceeds", "estimated_units", "estimated_returns", "difference", "payment_due_by",
    ]

    /// One row per fiscal month and currency, newest month first.
    static func csv(_ report: Payouts.Report) -> String {
        var lines = [csvHeader.joined(separator: ",")]
        for month in report.months {
            for row in month.currencies {
                let final = row.final
                lines.append(
                    [
                        String(month.period.year), String(month.period.period), month.period.name,
                        month.period.start.isoText, month.period.end.isoText, month.status.rawValue, row.currency,
                        final.map { FigureText.decimal(micros: $0.micros) } ?? "",
                        final.map { String($0.units) } ?? "", final.map { String(-$0.returnUnits) } ?? "",
                        FigureText.decimal(micros: row.estimate.micros), String(row.estimate.units),
                        String(-row.estimate.returnUnits),
                        row.differenceMicros.map { FigureText.decimal(micros: $0) } ?? "",
                        month.paymentDueBy.isoText,
                    ].joined(separator: ","))
            }
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }
}
