import Foundation
import Hummingbird
import OrchardApp
import OrchardCore

/// The metrics dashboard (`/dashboard`, one app's page with `?app=SKU`) and the base-currency setting.
struct DashboardController: Sendable {
    let dashboard: Dashboard
    let subscriptions: Subscriptions

    func addRoutes(to router: Router<OrchardRequestContext>) {
        router.get(SiteRoute.dashboard.pattern) { request, context in
            // Signed out: the error middleware sends the visitor to sign-in and back.
            let user = try context.requireUser()
            let page = try await dashboard.page(
                query: request.queryDictionary, user: user, readable: context.readable)
            let rendered =
                page.readable.isEmpty
                ? nil
                : try await CachedAnswer.fragments(
                    DashboardPage.renderedKey(page), cache: dashboard.cache,
                    bytes: { $0.filters.utf8.count + $0.figures.utf8.count }
                ) { DashboardPage.Rendered(page) }
            return DashboardPage.view(page, rendered: rendered, frame: PageFrame(context, request: request))
                .response(from: request, context: context)
        }
        router.get(SiteRoute.subscriptions.pattern) { request, context in
            let user = try context.requireUser()
            let frame = PageFrame(context, request: request)
            // A question that reads: the page's content is rendered once per question and data version.
            if let readable = context.readable,
                let question = try? subscriptions.question(query: request.queryDictionary, user: user)
            {
                let key = SubscriptionsPage.contentKey(question, readable: readable)
                let content = try await CachedAnswer.html(key, cache: dashboard.cache) {
                    SubscriptionsPage.renderedContent(
                        try await subscriptions.page(question, user: user, readable: readable))
                }
                return SubscriptionsPage.view(content: content, frame: frame).response(from: request, context: context)
            }
            return SubscriptionsPage.view(
                try await subscriptions.page(query: request.queryDictionary, user: user, readable: context.readable),
                frame: frame
            ).response(from: request, context: context)
        }
        router.post(SiteRoute.changeCurrency.pattern) { request, context in
            let user = try context.requireUser()
            let form = try await request.decode(as: CurrencyForm.self, context: context)
            _ = try await dashboard.setCurrency(form.currency, of: user)
            return Flash.redirect(to: .account, .currencyChanged, request: request)
        }
    }

    struct CurrencyForm: Decodable {
        let currency: String
    }
}

extension Request {
    /// The query's parameters by name (the last value of a repeated one).
    var queryDictionary: [String: String] {
        var query: [String: String] = [:]
        for (name, value) in uri.queryParameters { query[String(name)] = String(value) }
        return query
    }
}
