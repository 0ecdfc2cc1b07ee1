package import Foundation
package import Logging
package import OrchardCore
package import OrchardStorage
import SQLKit
package import SalesReports

/// The days a digest tells of, and those it compares them with.
package struct DigestPeriod: Sendable, Equatable {
    package var weekly: Bool
    package var from: ReportDate
    package var to: ReportDate
    /// The same weekday a week before, or the week before.
    package var previousFrom: ReportDate { from.adding(days: -7) }
    package var previousTo: ReportDate { to.adding(days: -7) }
    /// What `users.digest_last_period` remembers, so a period is sent once.
    package var key: String { "\(weekly ? "weekly" : "daily"):\(from.isoText)" }

    package init(weekly: Bool, from: ReportDate, to: ReportDate) {
        self.weekly = weekly
        self.from = from
        self.to = to
    }

    /// The period whose digest is due at `now` for `settings`, with the moment it became due, or
    /// `nil` when none is (off, not yet the hour, not the weekday). The day told is the newest day
    /// Apple had published when the local digest hour began; a week, the last whole Monday-Sunday week.
    package static func due(_ settings: NotificationSettings, at now: Date) -> (period: DigestPeriod, since: Date)? {
        guard settings.digestFrequency != .off, let zone = TimeZone(identifier: settings.timeZone) else { return nil }
        let today = ReportDate(containing: now, in: zone)
        let moment = today.start(in: zone, hour: settings.digestHour)
        guard now >= moment else { return nil }
        let latest = ReportCalendar.latestDay(at: moment)
        switch settings.digestFrequency {
        case .off: return nil
        case .daily: return (DigestPeriod(weekly: false, from: latest, to: latest), moment)
        case .weekly:
            // ReportDate.weekday: 0 = Sunday; settings: 1 = Monday ... 7 = Sunday.
            guard (today.weekday == 0 ? 7 : today.weekday) == settings.digestWeekday else { return nil }
            let sunday = latest.adding(days: -latest.weekday)
            return (DigestPeriod(weekly: true, from: sunday.adding(days: -6), to: sunday), moment)
        }
    }
}

/// The digest (docs/NOTIFICATIONS.md): at the hour and time zone each user chose, daily or weekly,
/// their figures against the same weekday a week before (or the week before), the top movers,
/// subscriptions where there are any, and what is missing said plainly. Sent once the period is
/// complete for every account in it, or `latestAfter` past the hour with what is missing named.
package struct Digests: Sendable {
    let database: OrchardDatabase
    let metrics: MetricsStore
    let subscriptions: Subscriptions
    let settings: NotificationSettingsStore
    let users: UserStore
    let apps: VisibleAppStore
    let outbox: MailOutbox
    let events: EventLog
    let mail: MailSetup
    var composer: MailComposer { MailComposer(publicURL: mail.publicURL) }
    let mailConfigured: Bool
    let now: @Sendable () -> Date
    let logger: Logger
    /// How long after the digest hour a period still incomplete is sent anyway.
    package var latestAfter: TimeInterval = 6 * 3_600
    /// Users whose digests are composed at once.
    package var concurrency = Digests.defaultConcurrency
    package static let defaultConcurrency = 4

    package init(
        database: OrchardDatabase, cache: MetricsCache, mail: MailSetup, now: @escaping @Sendable () -> Date,
        logger: Logger
    ) {
        self.database = database
        metrics = MetricsStore(database: database, cache: cache)
        subscriptions = Subscriptions(database: database, cache: cache, now: now)
        settings = NotificationSettingsStore(database: database)
        users = UserStore(database: database)
        apps = VisibleAppStore(database: database)
        outbox = MailOutbox(database: database)
        events = EventLog(database: database)
        self.mail = mail
        mailConfigured = mail.transport != nil
        self.now = now
        self.logger = logger
    }

    /// Sends every digest that is due; returns how many were queued.
    @discardableResult
    package func run() async throws -> Int {
        guard mailConfigured else { return 0 }
        let candidates = try await database.withConnection { connection in
            try await connection.raw(
                """
                SELECT id, digest_last_period FROM users
                WHERE digest_frequency <> 'off' AND email_verified_at IS NOT NULL ORDER BY id
                """
            ).all().map {
                (
                    try $0.decode(column: "id", as: Int64.self),
                    try $0.decode(column: "digest_last_period", as: String?.self)
                )
            }
        }
        let time = now()
        // Several users at once: each digest is a few dozen small reads, mostly waiting on the database.
        return try await withThrowingTaskGroup(of: Bool.self) { group in
            var sent = 0
            var pending = candidates[...]
            for _ in 0..<max(1, concurrency) {
                guard let (userID, last) = pending.popFirst() else { break }
                group.addTask { try await digest(userID: userID, last: last, at: time) }
            }
            while let done = try await group.next() {
                if done { sent += 1 }
                if let (userID, last) = pending.popFirst() {
                    group.addTask { try await digest(userID: userID, last: last, at: time) }
                }
            }
            return sent
        }
    }

    /// Sends `userID`'s digest when it is due and ready; `true` when it was queued.
    private func digest(userID: Int64, last: String?, at time: Date) async throws -> Bool {
        guard let wishes = try await settings.settings(userID: userID), wishes.mails(.digest, accountNumber: nil),
            let (period, since) = DigestPeriod.due(wishes, at: time), last != period.key,
            let user = try await users.user(id: userID)
        else { return false }
        let readable = try await metrics.visibleAccounts(userID: userID)
        guard !readable.isEmpty else { return false }
        let digest = try await compose(for: user, settings: wishes, period: period, readable: readable)
        // Waits for the whole period, up to its latest hour.
        guard digest.missing.isEmpty || time >= since.addingTimeInterval(latestAfter) else { return false }
        try await send(digest, to: user, settings: wishes, period: period)
        return true
    }

    /// A composed digest and the accounts whose days it lacks.
    package struct Digest: Sendable {
        package var document: MailDocument
        package var headline: String
        package var missing: [String]
    }

    /// Queues the digest's mail, records its event (feed and webhooks), remembers the period.
    func send(_ digest: Digest, to user: User, settings wishes: NotificationSettings, period: DigestPeriod) async throws
    {
        let time = now()
        let token = try await settings.unsubscribeToken(userID: user.id, topic: .digest, accountNumber: nil, now: time)
        var document = digest.document
        document.unsubscribeURL = composer.url(MailLinks.unsubscribe(token))
        let event = ActivityEvent(
            userID: user.id, type: .digest, accountNumber: nil, createdAt: time,
            data: [
                "headline": .string(digest.headline), "from": .string(period.from.isoText),
                "to": .string(period.to.isoText), "frequency": .string(period.weekly ? "weekly" : "daily"),
                "complete": .bool(digest.missing.isEmpty),
            ])
        guard try await events.record(event, dedupeKey: "digest:\(user.id):\(period.key)") else { return }
        try await outbox.queue(
            .init(
                dedupeKey: "digest:\(user.id):\(period.key)", userID: user.id, eventID: event.id, kind: "digest",
                recipient: wishes.email, subject: document.subject, text: document.text, html: document.html,
                unsubscribeURL: document.unsubscribeURL?.absoluteString),
            now: time)
        try await database.withWriter { connection in
            try await connection.raw(
                "UPDATE users SET digest_last_period = \(bind: period.key) WHERE id = \(bind: user.id)"
            ).run()
        }
    }

    /// The digest of `period` for `user` over the accounts they read.
    package func compose(
        for user: User, settings wishes: NotificationSettings, period: DigestPeriod,
        readable: [MetricsStore.VisibleAccount]
    ) async throws -> Digest {
        let currency = wishes.currency
        let coverage = try await metrics.coverage(
            accountIDs: readable.map(\.id), from: period.from, to: period.to, versions: readable.map(\.version))
        let missing = readable.filter { coverage.completeThrough($0.id).map { $0 < period.to } ?? true }
        let complete = readable.filter { account in !missing.contains { $0.id == account.id } }
        // Only accounts that hold the whole period are added up: a half-known day is not a figure.
        let ids = complete.map(\.id)
        let query = MetricsStore.Query(
            accountIDs: ids, from: period.from, to: period.to, currency: currency, versions: complete.map(\.version))
        let previousQuery = query.over(period.previousFrom, period.previousTo)
        let now = ids.isEmpty ? MetricsStore.Totals() : try await metrics.totals(query)
        let before = ids.isEmpty ? MetricsStore.Totals() : try await metrics.totals(previousQuery)
        let label = Self.label(period)
        let previousLabel = period.weekly ? "the week before" : Self.shortDay(period.previousFrom)

        func change(_ metric: MetricsStore.Metric) -> String {
            let (value, old) = (now.value(of: metric), before.value(of: metric))
            let shown = metric.isMoney ? Money.text(old, currency: currency) : Money.count(old)
            guard old != 0 else {
                return value == 0 ? "same as \(previousLabel)" : "new against \(previousLabel) (\(shown))"
            }
            let percent = (value - old) / abs(old) * 100
            // Whole percents, tenths below one; what rounds to nothing is no change.
            let digits = abs(percent) < 1 ? "%.1f" : "%.0f"
            let magnitude = String(format: digits, abs(percent))
            guard Double(magnitude) != 0 else { return "= against \(previousLabel) (\(shown))" }
            return "\(percent > 0 ? "▲ +" : "▼ −")\(magnitude)% against \(previousLabel) (\(shown))"
        }
        func figure(_ metric: MetricsStore.Metric) -> String {
            metric.isMoney ? Money.text(now.value(of: metric), currency: currency) : Money.count(now.value(of: metric))
        }
        // Money in a currency without a rate for its day is not added in, but said.
        func unconverted(_ metric: MetricsStore.Metric) -> String? {
            let amounts = metric == .proceeds ? now.unconvertedProceeds : metric == .sales ? now.unconvertedSales : [:]
            guard !amounts.isEmpty else { return nil }
            return "plus "
                + amounts.sorted { $0.key < $1.key }.map { Money.text(Double($0.value) / 1_000_000, currency: $0.key) }
                .joined(separator: ", ") + " without an exchange rate yet"
        }
        let figures: [(MetricsStore.Metric, String)] = [
            (.downloads, "Downloads"), (.redownloads, "Re-downloads"), (.inAppPurchases, "In-app purchases"),
            (.proceeds, "Proceeds"), (.sales, "Sales"), (.returns, "Refunds"),
        ]
        var blocks: [MailDocument.Block] = []
        if !missing.isEmpty {
            let names = missing.map { "\($0.name) (\($0.number))" }.joined(separator: ", ")
            blocks.append(
                .paragraph(
                    "Not complete: \(names) \(missing.count == 1 ? "has" : "have") no report for \(label) yet, so \(missing.count == 1 ? "it is" : "they are") left out of these figures. The dashboard shows \(missing.count == 1 ? "it" : "them") as soon as Apple publishes."
                ))
        }
        if complete.isEmpty {
            blocks.append(.paragraph("No account has a report for \(label) yet: there is nothing to add up."))
        } else {
            blocks.append(
                .figures(
                    figures.map { metric, name in
                        (
                            label: name, value: figure(metric),
                            note: [change(metric), unconverted(metric)].compactMap { $0 }.joined(separator: "; ")
                        )
                    }))
            let titles = Dictionary(
                try await apps.apps(userID: user.id).compactMap { app in app.title.map { (app.sku, $0) } },
                uniquingKeysWith: { first, _ in first })
            for (dimension, title, name) in [
                (MetricSlices.Dimension.app, "Top movers: apps", "App"), (.country, "Top movers: countries", "Country"),
            ] {
                let rows = try await movers(query, previousQuery, dimension)
                guard !rows.isEmpty else { continue }
                blocks.append(
                    .table(
                        title: title, header: [name, "Downloads", "Change", "Proceeds", "Change"],
                        rows: rows.map { row in
                            [
                                dimension == .app ? titles[row.key] ?? row.key : row.key,
                                Money.count(row.now.value(of: .downloads)),
                                Self.signed(
                                    row.now.value(of: .downloads) - row.before.value(of: .downloads), money: nil),
                                Money.text(row.now.value(of: .proceeds), currency: currency),
                                Self.signed(
                                    row.now.value(of: .proceeds) - row.before.value(of: .proceeds), money: currency),
                            ]
                        }))
            }
            blocks += try await subscriptionBlocks(user: user, period: period, complete: complete, currency: currency)
        }
        let dashboard = composer.url(
            MailLinks.dashboard(account: nil, from: period.from.isoText, to: period.to.isoText))
        blocks.append(.button(title: "Open the dashboard", url: dashboard))
        let headline =
            complete.isEmpty
            ? "\(label): no report yet"
            : "\(label): \(figure(.downloads)) downloads, \(figure(.proceeds)) proceeds"
        let document = MailDocument(
            subject: headline + (missing.isEmpty ? "" : " (incomplete)"),
            preview: complete.isEmpty
                ? headline : change(.proceeds).replacingOccurrences(of: "against", with: "proceeds against"),
            title: period.weekly ? "Your week, \(label)" : "Your day, \(label)",
            blocks: blocks,
            footer:
                "Figures are Apple's daily sales reports (report days in Pacific time), in \(currency) at the ECB's rates. You receive this \(period.weekly ? "weekly" : "daily") digest at \(String(format: "%02d", wishes.digestHour)):00 \(wishes.timeZone).",
            settingsURL: composer.url(MailLinks.notifications))
        return Digest(document: document, headline: headline, missing: missing.map { "\($0.name) (\($0.number))" })
    }

    struct Mover {
        var key: String
        var now: MetricsStore.Totals
        var before: MetricsStore.Totals
    }

    /// The three groups whose proceeds (then downloads) changed most against the previous period.
    func movers(_ query: MetricsStore.Query, _ previous: MetricsStore.Query, _ dimension: MetricSlices.Dimension)
        async throws -> [Mover]
    {
        var byKey: [String: Mover] = [:]
        for row in try await metrics.rows(query, groupBy: dimension, byDay: false) {
            let key = row.key ?? "?"
            byKey[key, default: Mover(key: key, now: .init(), before: .init())].now.add(row.totals)
        }
        for row in try await metrics.rows(previous, groupBy: dimension, byDay: false) {
            let key = row.key ?? "?"
            byKey[key, default: Mover(key: key, now: .init(), before: .init())].before.add(row.totals)
        }
        func weight(_ mover: Mover) -> (Double, Double) {
            (
                abs(mover.now.value(of: .proceeds) - mover.before.value(of: .proceeds)),
                abs(mover.now.value(of: .downloads) - mover.before.value(of: .downloads))
            )
        }
        return byKey.values.filter { weight($0) != (0, 0) }
            .sorted { weight($0) != weight($1) ? weight($0) > weight($1) : $0.key < $1.key }
            .prefix(3).map { $0 }
    }

    /// Paid subscribers, trials and MRR at the period's end against the previous period's, where
    /// an account sells subscriptions.
    func subscriptionBlocks(
        user: User, period: DigestPeriod, complete: [MetricsStore.VisibleAccount], currency: String
    ) async throws -> [MailDocument.Block] {
        let scope = try Dashboard.Scope(account: nil, readable: complete)
        guard try await subscriptions.sellsSubscriptions(scope) else { return [] }
        func summary(_ from: ReportDate, _ to: ReportDate) async throws -> Subscriptions.Summary {
            let question = try subscriptions.question(
                query: ["from": from.isoText, "to": to.isoText, "currency": currency], user: user)
            return try await subscriptions.summary(question, scope, user: user)
        }
        let now = try await summary(period.from, period.to)
        let before = try await summary(period.previousFrom, period.previousTo)
        guard let stock = now.stock, let asOf = now.asOf else { return [] }
        func delta(_ value: Int64, _ old: Int64?) -> String? {
            guard let old else { return nil }
            return
                "\(value >= old ? "+" : "−")\(Money.count(Double(abs(value - old)))) against \(Self.shortDay(asOf.adding(days: -7)))"
        }
        var rows: [(label: String, value: String, note: String?)] = [
            (
                label: "Paid subscribers", value: Money.count(Double(stock.paid)),
                note: delta(stock.paid, before.stock?.paid)
            ),
            (
                label: "Trials", value: Money.count(Double(stock.trials)),
                note: delta(stock.trials, before.stock?.trials)
            ),
        ]
        if let cents = now.mrr.cents {
            rows.append(
                (
                    label: "Monthly recurring revenue", value: Money.text(Double(cents) / 100, currency: currency),
                    note: before.mrr.cents.map {
                        "\(cents >= $0 ? "+" : "−")\(Money.text(Double(abs(cents - $0)) / 100, currency: currency))"
                    }
                ))
        }
        let started = now.events[.newPaid] + now.events[.conversions] + now.events[.reactivations]
        let ended = now.events[.voluntaryChurn] + now.events[.involuntaryChurn]
        rows.append((label: "New paid, conversions and reactivations", value: Money.count(Double(started)), note: nil))
        rows.append((label: "Churned", value: Money.count(Double(ended)), note: nil))
        return [.heading("Subscriptions, as of \(Self.shortDay(asOf))"), .figures(rows)]
    }

    static func signed(_ value: Double, money currency: String?) -> String {
        let body = currency.map { Money.text(abs(value), currency: $0) } ?? Money.count(abs(value))
        return value > 0 ? "+" + body : value < 0 ? "−" + body : "0"
    }

    static func label(_ period: DigestPeriod) -> String {
        period.weekly ? "\(shortDay(period.from)) – \(shortDay(period.to))" : shortDay(period.from)
    }

    static func shortDay(_ day: ReportDate) -> String {
        let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        return "\(weekdays[day.weekday]) \(day.day) \(months[day.month - 1])"
    }
}
