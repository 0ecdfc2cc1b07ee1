package import Foundation
package import OrchardCore
package import OrchardStorage
package import SalesReports

/// The store metrics a user may read: the dashboard's page, and the questions the JSON API and the
/// CSV export answer (``MetricsQuestion``), over the accounts of the user's integrations only.
package struct Dashboard: Sendable {
    /// What one question reads: the accounts in scope (a user's readable accounts, or the one asked for).
    package struct Scope: Sendable {
        package var readable: [MetricsStore.VisibleAccount]
        package var accounts: [MetricsStore.VisibleAccount]
        package var ids: [Int64] { accounts.map(\.id) }

        /// Every readable account, or the one `number` names; another user's account, or one never
        /// integrated, is the same answer as a missing one.
        package init(account number: String?, readable: [MetricsStore.VisibleAccount]) throws(DashboardError) {
            self.readable = readable
            guard let number else {
                accounts = readable
                return
            }
            guard let account = readable.first(where: { $0.number == number }) else { throw .unknownAccount }
            accounts = [account]
        }
    }

    /// Everything the dashboard page shows for one question.
    package struct Page: Sendable {
        package var question: MetricsQuestion
        package var integrations: Integrations.Overview
        package var retentionDays: Int
        package var latest: ReportDate
        package var readable: [MetricsStore.VisibleAccount] = []
        package var apps: [VisibleApp] = []
        package var scope: [MetricsStore.VisibleAccount] = []
        package var totals: MetricsStore.Totals?
        package var previous: MetricsStore.Totals?
        package var series: Series?
        package var coverage: MetricsStore.Coverage?
        package var breakdowns: [MetricSlices.Dimension: [MetricsStore.Row]] = [:]
        /// The in-app purchases of the app of an app's page.
        package var products: [MetricsStore.ProductRow] = []
        /// Why the link's parameters were not used.
        package var problem: DashboardError?
        /// Whether a readable account sells subscriptions: the Subscriptions page is offered.
        package var sellsSubscriptions = false
        /// The newest ECB rate, when it is more than ``Dashboard/staleAfterBusinessDays`` business days old.
        package var staleRates: (day: String, businessDays: Int)?

        package var appTitle: String? {
            question.app.map { sku in apps.first { $0.sku == sku }?.title ?? sku }
        }

        /// Removed accounts still readable, each with the day its figures are deleted.
        package var removed: [(account: MetricsStore.VisibleAccount, readableUntil: Date?)] {
            readable.filter { $0.status == .removed }.map { account in
                (account, account.revokedAt.map { $0.addingTimeInterval(TimeInterval(retentionDays) * 86_400) })
            }
        }

        /// Integrations whose accounts are not in the figures yet, or no longer coming.
        package var waiting: [Integrations.Row] {
            integrations.rows.filter { $0.integration.status == .pending || $0.integration.status == .expired }
        }

        /// Active integrations whose history is still loading.
        package var loading: [Integrations.Row] {
            integrations.rows.filter { row in
                guard row.integration.status == .active, let backfill = row.account?.backfill else { return false }
                return backfill.total > 0 && backfill.done < backfill.total
            }
        }
    }

    private let metrics: MetricsStore
    private let subscriptions: SubscriptionStore
    private let users: UserStore
    private let integrations: Integrations
    private let settings: Settings
    private let calendar: ReportCalendar
    private let now: @Sendable () -> Date
    /// The newest ECB rate's day, read at most once a minute (it changes once a business day; the
    /// page only says when it is days old). Shared by a ``Dashboard``'s copies.
    private let newestRate: RecentValue<String?>

    /// The ECB publishes every TARGET business day: a newest rate older than this says the rates
    /// stopped arriving.
    package static let staleAfterBusinessDays = 4

    package init(
        database: OrchardDatabase, settings: Settings, cache: MetricsCache = MetricsCache(),
        now: @escaping @Sendable () -> Date
    ) {
        metrics = MetricsStore(database: database, cache: cache)
        subscriptions = SubscriptionStore(database: database, cache: cache)
        users = UserStore(database: database)
        integrations = Integrations(database: database, settings: settings, now: now)
        self.settings = settings
        calendar = ReportCalendar(now: now)
        let rates = FXRateStore(database: database)
        newestRate = RecentValue(maxAge: 60, now: now) { try await rates.newestDay() }
        self.now = now
    }

    /// Weekdays after `day` up to and including `today` (TARGET holidays are not counted out).
    package static func businessDays(after day: ReportDate, through today: ReportDate) -> Int {
        guard today > day else { return 0 }
        var count = 0
        var current = day.adding(days: 1)
        while current <= today {
            if current.weekday != 0 && current.weekday != 6 { count += 1 }
            current = current.adding(days: 1)
        }
        return count
    }

    /// The cache the answers of these questions share, keyed by each account's data version.
    package var cache: MetricsCache { metrics.cache }

    /// The newest day Apple may have reported, where presets end.
    package var latestReportDay: ReportDate { calendar.latestDay }

    /// Reads a question from a URL's query, for `user` (whose currency is the default).
    package func question(query: [String: String], user: User) throws(DashboardError) -> MetricsQuestion {
        try MetricsQuestion(query: query, currency: user.currency, latest: latestReportDay)
    }

    /// The question and the accounts it reads: what every API answer starts from. `readable` is the
    /// user's readable accounts when the request read them with its user (one round trip).
    package func ask(query: [String: String], user: User, readable: [MetricsStore.VisibleAccount]?)
        async throws -> (MetricsQuestion, Scope)
    {
        let question = try question(query: query, user: user)
        let readable = try await metrics.visibleAccounts(userID: user.id, known: readable)
        return (question, try scope(question, readable: readable))
    }

    /// The dashboard page for a URL's query; a mistyped link shows the default view with the reason.
    package func page(query: [String: String], user: User, readable: [MetricsStore.VisibleAccount]?)
        async throws -> Page
    {
        do {
            return try await page(try question(query: query, user: user), user: user, readable: readable)
        } catch let problem as DashboardError {
            guard case .invalidParameter = problem else { throw problem }
            var page = try await page(try question(query: [:], user: user), user: user, readable: readable)
            page.problem = problem
            return page
        }
    }

    private func page(_ question: MetricsQuestion, user: User, readable known: [MetricsStore.VisibleAccount]?)
        async throws -> Page
    {
        var page = Page(
            question: question, integrations: try await integrations.overview(of: user),
            retentionDays: settings.retentionDays, latest: latestReportDay)
        let readable = try await metrics.visibleAccounts(userID: user.id, known: known)
        page.readable = readable
        // The apps of the user's active integrations, and whether an account sells subscriptions:
        // functions of the readable accounts' data versions (every report raises its account's), so
        // read once per version like every cached answer.
        let versions = readable.map { "\($0.id):\($0.version):\($0.status.rawValue)" }.joined(separator: ",")
        page.apps = try await cache.value(
            SecretBox.fingerprint("visible-apps\u{1F}\(user.id)\u{1F}\(versions)"), weight: { $0.count + 1 }
        ) { try await integrations.apps(of: user) }
        if let newest = try await newestRate.value(), let day = ReportDate(newest) {
            let age = Self.businessDays(after: day, through: ReportDate(containing: now()))
            if age > Self.staleAfterBusinessDays { page.staleRates = (newest, age) }
        }
        // Asked for an account while reading none: another user's, as if it did not exist.
        guard !readable.isEmpty else {
            if question.account != nil { throw DashboardError.unknownAccount }
            return page
        }
        page.sellsSubscriptions = try await cache.value(
            SecretBox.fingerprint("sells-subscriptions\u{1F}\(versions)"), weight: { _ in 1 }
        ) { try await subscriptions.hasSubscriptions(accountIDs: readable.map(\.id)) }
        let scope = try scope(question, readable: readable)
        page.scope = scope.accounts
        let figures = try await figures(question, scope)
        page.totals = figures.totals
        page.previous = figures.previous
        page.series = figures.series
        page.coverage = figures.coverage
        page.products = figures.products
        page.breakdowns = figures.breakdowns
        return page
    }

    /// What the page shows of one question's figures.
    private struct Figures: Sendable {
        var totals: MetricsStore.Totals
        var previous: MetricsStore.Totals
        var series: Series?
        var coverage: MetricsStore.Coverage
        var products: [MetricsStore.ProductRow]
        var breakdowns: [MetricSlices.Dimension: [MetricsStore.Row]]
    }

    /// The question's figures, computed (and the breakdowns sorted) once per question and data
    /// versions of the accounts in scope, like every cached answer.
    private func figures(_ question: MetricsQuestion, _ scope: Scope) async throws -> Figures {
        let key = [
            "dashboard-page",
            scope.accounts.map { "\($0.id):\($0.version):\($0.status.rawValue)" }.joined(separator: ","),
            question.from.isoText, question.to.isoText, question.app ?? "", question.country ?? "",
            question.device ?? "", question.currency, question.metric.rawValue, question.interval.rawValue,
        ].joined(separator: "\u{1F}")
        return try await cache.value(
            SecretBox.fingerprint(key),
            weight: { figures in
                figures.breakdowns.values.reduce(0) { $0 + $1.count } + (figures.series?.points.count ?? 0)
                    + figures.products.count
            }
        ) {
            let query = query(question, scope)
            let totals = try await metrics.totals(query)
            let (previousFrom, previousTo) = question.previous
            let previous = try await metrics.totals(query.over(previousFrom, previousTo))
            let (series, coverage) = try await series(question, scope, groupBy: nil)
            let products = question.app != nil ? try await metrics.products(query) : []
            var breakdowns: [MetricSlices.Dimension: [MetricsStore.Row]] = [:]
            for dimension in [MetricSlices.Dimension.app, .country, .device] {
                let rows = try await metrics.rows(query, groupBy: dimension, byDay: false)
                breakdowns[dimension] = rows.sorted {
                    let left = $0.totals.value(of: question.metric)
                    let right = $1.totals.value(of: question.metric)
                    return left != right ? left > right : ($0.key ?? "") < ($1.key ?? "")
                }
            }
            return Figures(
                totals: totals, previous: previous, series: series.first, coverage: coverage, products: products,
                breakdowns: breakdowns)
        }
    }

    /// The scope among accounts already read.
    private func scope(_ question: MetricsQuestion, readable: [MetricsStore.VisibleAccount]) throws(DashboardError)
        -> Scope
    {
        try Scope(account: question.account, readable: readable)
    }

    private func query(_ question: MetricsQuestion, _ scope: Scope) -> MetricsStore.Query {
        MetricsStore.Query(
            accountIDs: scope.ids, from: question.from, to: question.to, app: question.app, country: question.country,
            device: question.device, currency: question.currency, versions: scope.accounts.map(\.version))
    }

    /// The totals of the question's range and which of its days are known.
    package func summary(_ question: MetricsQuestion, _ scope: Scope) async throws
        -> (totals: MetricsStore.Totals, coverage: MetricsStore.Coverage)
    {
        let totals = try await metrics.totals(query(question, scope))
        let coverage = try await metrics.coverage(
            accountIDs: scope.ids, from: question.from, to: question.to, versions: scope.accounts.map(\.version))
        return (totals, coverage)
    }

    /// The titles of the user's apps by SKU, for series grouped by app.
    package func appTitles(of user: User) async throws -> [String: String] {
        Dictionary(
            try await integrations.apps(of: user).compactMap { app in app.title.map { (app.sku, $0) } },
            uniquingKeysWith: { first, _ in first })
    }

    /// The titles of the apps of the accounts in `scope` only: what an answer cached for that scope
    /// may hold, whoever asked it first.
    package func appTitles(of user: User, in scope: Scope) async throws -> [String: String] {
        let numbers = Set(scope.accounts.map(\.number))
        return Dictionary(
            try await integrations.apps(of: user).filter { numbers.contains($0.accountNumber) }
                .compactMap { app in app.title.map { (app.sku, $0) } },
            uniquingKeysWith: { first, _ in first })
    }

    /// The currencies a user may show their figures in: the euro and those with a current ECB rate.
    package func currencies() async throws -> [String] {
        try await metrics.currencies(on: latestReportDay)
    }

    /// Sets the currency a user's figures are shown in: the euro or one with a current ECB rate.
    package func setCurrency(_ requested: String, of user: User) async throws -> String {
        let code = requested.uppercased()
        let known = try await currencies()
        guard known.contains(code) else {
            throw DashboardError.invalidParameter(
                "currency must be one the ECB publishes a current rate for: \(known.joined(separator: ", ")).")
        }
        try await users.setCurrency(userID: user.id, code)
        return code
    }

    /// A series of values per interval: `nil` where no day of the interval is known (a gap).
    package struct Series: Sendable, Equatable {
        package var key: String
        package var points: [Point]
    }

    package struct Point: Sendable, Equatable {
        package var start: ReportDate
        package var value: Double?
        /// Some days of the interval are not known yet.
        package var partial: Bool
        package var totals: MetricsStore.Totals?
    }

    /// The metric's series per interval, one per group when grouped (`keys` limits the groups).
    package func series(
        _ question: MetricsQuestion, _ scope: Scope, groupBy: MetricSlices.Dimension?, keys: [String]? = nil
    ) async throws -> (series: [Series], coverage: MetricsStore.Coverage) {
        let coverage = try await metrics.coverage(
            accountIDs: scope.ids, from: question.from, to: question.to, versions: scope.accounts.map(\.version))
        let rows = try await metrics.rows(query(question, scope), groupBy: groupBy, byDay: true)
        var byKey: [String: [String: MetricsStore.Totals]] = [:]
        for row in rows where keys.map({ $0.contains(row.key ?? "") }) ?? true {
            byKey[row.key ?? "total", default: [:]][row.day ?? ""] = row.totals
        }
        let order = groupBy == nil ? ["total"] : keys ?? byKey.keys.sorted()
        var starts: [ReportDate] = []
        var day = question.from
        while day <= question.to {
            let start = question.interval.start(of: day)
            if starts.last != start { starts.append(start) }
            day = day.adding(days: 1)
        }
        let series = order.map { key in
            let days = byKey[key] ?? [:]
            var points: [Point] = []
            for (index, start) in starts.enumerated() {
                var totals = MetricsStore.Totals()
                var known = 0
                var span = 0
                var day = max(start, question.from)
                let end = index + 1 < starts.count ? starts[index + 1].adding(days: -1) : question.to
                while day <= end {
                    span += 1
                    if coverage.isKnown(day.isoText) {
                        known += 1
                        if let found = days[day.isoText] { totals.add(found) }
                    }
                    day = day.adding(days: 1)
                }
                points.append(
                    Point(
                        start: start, value: known == 0 ? nil : totals.value(of: question.metric),
                        partial: known > 0 && known < span, totals: known == 0 ? nil : totals))
            }
            return Series(key: key, points: points)
        }
        return (series, coverage)
    }
}
