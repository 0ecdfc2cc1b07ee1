import Foundation
import Hummingbird
import OrchardCore
import OrchardStorage
import SalesReports

/// The metrics dashboard (`/dashboard`, one app's page with `?app=SKU`) and the base-currency setting.
struct DashboardController: Sendable {
    let metrics: StoreMetrics
    let integrations: IntegrationStore
    let storeAccounts: StoreAccountStore
    let users: UserStore
    let settings: Settings

    func addRoutes(to router: Router<OrchardRequestContext>) {
        router.get(SiteRoute.dashboard.pattern) { request, context in
            // Signed out: the error middleware sends the visitor to sign-in and back.
            let user = try context.requireUser()
            let frame = PageFrame(context, request: request)
            do {
                let question = try MetricsQuestion(request: request, user: user, latest: metrics.latestReportDay)
                return DashboardPage.view(try await model(question, user: user), frame: frame)
                    .response(from: request, context: context)
            } catch let error as WebError {
                guard case .invalidParameter = error else { throw error }
                // A mistyped link: the default view, with the reason.
                let fallback = try MetricsQuestion(query: [:], currency: user.currency, latest: metrics.latestReportDay)
                var model = try await model(fallback, user: user)
                model.problem = error.message
                return DashboardPage.view(model, frame: frame).response(from: request, context: context)
            }
        }
        router.post(SiteRoute.changeCurrency.pattern) { request, context in
            let user = try context.requireUser()
            let form = try await request.decode(as: CurrencyForm.self, context: context)
            _ = try await metrics.setCurrency(form.currency, of: user, users: users)
            return Flash.redirect(to: .account, .currencyChanged, request: request)
        }
    }

    struct CurrencyForm: Decodable {
        let currency: String
    }

    func model(_ question: MetricsQuestion, user: User) async throws -> DashboardPage.Model {
        let rows = try await storeAccounts.paired(with: try await integrations.list(userID: user.id)).map {
            IntegrationsPage.Row(integration: $0.integration, account: $0.account)
        }
        var model = DashboardPage.Model(
            question: question, integrations: rows, serviceAppleID: settings.serviceAppleID,
            checkSeconds: settings.invitationCheckSeconds, retentionDays: settings.retentionDays,
            now: metrics.now(), latest: metrics.latestReportDay)
        let readable = try await metrics.store.visibleAccounts(userID: user.id)
        model.readable = readable
        model.apps = try await metrics.apps.apps(userID: user.id)
        guard !readable.isEmpty else { return model }
        let scope = try metrics.scope(question, readable: readable)
        let query = metrics.query(question, scope)
        model.totals = try await metrics.store.totals(query)
        let (previousFrom, previousTo) = question.previous
        model.previous = try await metrics.store.totals(query.over(previousFrom, previousTo))
        let (series, coverage) = try await metrics.series(question, scope, groupBy: nil)
        model.series = series.first
        model.coverage = coverage
        model.scope = scope.accounts
        if question.app != nil { model.products = try await metrics.store.products(query) }
        for dimension in [MetricSlices.Dimension.app, .country, .device] {
            let rows = try await metrics.store.rows(query, groupBy: dimension, byDay: false)
            model.breakdowns[dimension] = rows.sorted {
                let left = $0.totals.value(of: question.metric)
                let right = $1.totals.value(of: question.metric)
                return left != right ? left > right : ($0.key ?? "") < ($1.key ?? "")
            }
        }
        return model
    }
}
