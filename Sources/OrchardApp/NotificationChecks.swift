package import Foundation
package import Logging
package import OrchardCore
package import OrchardStorage
package import OrchardSync
package import SalesReports

/// What the recurring notification check needs of the instance's settings.
package struct NotificationPolicy: Sendable {
    package var invitationWindow: TimeInterval
    package var serviceAppleID: String?
    /// A day is late when Apple published it this long ago and the account still lacks it.
    package var lateAfter: TimeInterval = 36 * 3_600
    /// At most this many days are told complete (and checked for alerts) at once; older ones are
    /// history a backfill brought, not news.
    package var newsDays = 7

    package init(invitationWindow: TimeInterval, serviceAppleID: String?) {
        self.invitationWindow = invitationWindow
        self.serviceAppleID = serviceAppleID
    }
}

/// The recurring check of docs/NOTIFICATIONS.md: invitation windows about to end, accounts whose
/// days are late or back, days complete (and unusual), the service token, the listing and dead
/// jobs for the operators. Every event it records carries a key, so it is told once however often
/// the check runs.
package struct NotificationChecks: Sendable {
    let database: OrchardDatabase
    let policy: NotificationPolicy
    let events: EventLog
    let integrations: IntegrationStore
    let accounts: StoreAccountStore
    let health: AccountHealthStore
    let metrics: MetricsStore
    let settings: NotificationSettingsStore
    let service: ServiceIdentity
    let now: @Sendable () -> Date
    let logger: Logger

    package init(
        database: OrchardDatabase, keys: KeyRing, policy: NotificationPolicy, service: ServiceIdentity,
        metrics: MetricsStore, now: @escaping @Sendable () -> Date, logger: Logger
    ) {
        self.database = database
        self.policy = policy
        events = EventLog(database: database)
        integrations = IntegrationStore(database: database)
        accounts = StoreAccountStore(database: database)
        health = AccountHealthStore(database: database)
        self.metrics = metrics
        settings = NotificationSettingsStore(database: database)
        self.service = service
        self.now = now
        self.logger = logger
    }

    package func run() async throws {
        try await invitationWindows()
        try await accountHealth()
        try await operations()
    }

    // MARK: Invitations

    /// "Your invitation window ends in 24 hours", once per pending integration, when the window is
    /// longer than a day.
    func invitationWindows() async throws {
        guard policy.invitationWindow > 86_400 else { return }
        let time = now()
        for integration in try await integrations.pending() {
            let ends = integration.createdAt.addingTimeInterval(policy.invitationWindow)
            guard time >= ends.addingTimeInterval(-86_400), time < ends else { continue }
            try await events.record(
                ActivityEvent(
                    userID: integration.userID, type: .invitationEnding, accountNumber: integration.accountNumber,
                    createdAt: time,
                    data: [
                        "integrationId": .integer(integration.id), "accountNumber": .string(integration.accountNumber),
                        "accountName": .string(integration.accountName), "endsAt": .string(Self.spoken(ends)),
                        "serviceAppleId": policy.serviceAppleID.map { .string($0) } ?? .null,
                    ]),
                dedupeKey: "invitation_ending:\(integration.id)")
        }
    }

    // MARK: Accounts

    /// Late days, recoveries, complete days and unusual figures, for each accessible account.
    func accountHealth() async throws {
        let time = now()
        // The newest day Apple published at least `lateAfter` ago.
        let dueDay = ReportCalendar.latestDay(at: time.addingTimeInterval(-policy.lateAfter))
        for account in try await accounts.accessible() {
            guard account.backfill.total > 0, account.backfill.done >= account.backfill.total,
                let through = account.syncedThrough.flatMap({ ReportDate($0) })
            else { continue }
            let readers = try await integrations.list(accountNumber: account.number).filter { $0.status == .active }
            var state = try await health.state(of: account.number) ?? .init()
            func tell(_ type: EventType, key: String, _ data: [String: EventValue]) async throws {
                for reader in readers {
                    var data = data
                    data["integrationId"] = .integer(reader.id)
                    data["accountNumber"] = .string(account.number)
                    data["accountName"] = .string(account.name)
                    try await events.record(
                        ActivityEvent(
                            userID: reader.userID, type: type, accountNumber: account.number, createdAt: time,
                            data: data),
                        dedupeKey: "\(key):\(reader.userID)")
                }
            }
            if through < dueDay {
                if state.delayedDay == nil {
                    try await tell(
                        .syncDelayed, key: "sync_delayed:\(account.number):\(dueDay.isoText)",
                        [
                            "lastDay": .string(through.isoText), "expectedDay": .string(dueDay.isoText),
                            "lastError": account.lastError.map { .string($0) } ?? .null,
                        ])
                    state.delayedDay = dueDay.isoText
                }
            } else if let delayed = state.delayedDay {
                try await tell(
                    .syncRecovered, key: "sync_recovered:\(account.number):\(delayed)",
                    ["lastDay": .string(through.isoText), "delayedDay": .string(delayed)])
                state.delayedDay = nil
            }
            // Days newly complete: the first look only remembers where the account stands.
            if let told = state.completeThrough.flatMap({ ReportDate($0) }), through > told {
                var day = max(told.adding(days: 1), through.adding(days: 1 - policy.newsDays))
                while day <= through {
                    try await tell(
                        .dayComplete, key: "day_complete:\(account.number):\(day.isoText)",
                        ["day": .string(day.isoText)])
                    try await alerts(account: account, day: day, readers: readers)
                    day = day.adding(days: 1)
                }
            }
            state.completeThrough = through.isoText
            try await health.set(state, of: account.number, now: time)
        }
    }

    /// The figures alerts watch, each with its floor in its own unit.
    static let watched: [(metric: MetricsStore.Metric, name: String, floor: Double)] = [
        (.downloads, "Downloads", 10), (.proceeds, "Proceeds", 10), (.returns, "Refunds", 3),
    ]

    /// Alerts of one completed day for each reader who wants them, in their currency and sensitivity.
    package func alerts(account: StoreAccount, day: ReportDate, readers: [Integration]) async throws {
        let from = day.adding(days: -7 * 28)
        var byCurrency: [String: (values: [String: MetricsStore.Totals], known: MetricsStore.Coverage)] = [:]
        for reader in readers {
            // Recorded whatever the mail switches say: the feed and webhooks tell them too.
            guard let wishes = try await settings.settings(userID: reader.userID) else { continue }
            if byCurrency[wishes.currency] == nil {
                let query = MetricsStore.Query(
                    accountIDs: [account.id], from: from, to: day, currency: wishes.currency)
                let rows = try await metrics.rows(query, groupBy: nil, byDay: true)
                byCurrency[wishes.currency] = (
                    Dictionary(rows.compactMap { row in row.day.map { ($0, row.totals) } }, uniquingKeysWith: { $1 }),
                    try await metrics.coverage(accountIDs: [account.id], from: from, to: day)
                )
            }
            guard let (values, coverage) = byCurrency[wishes.currency], coverage.isKnown(day.isoText) else { continue }
            let history = (1...28).map { day.adding(days: -7 * $0) }.filter { coverage.isKnown($0.isoText) }
            for watched in Self.watched {
                func value(_ day: ReportDate) -> Double { values[day.isoText]?.value(of: watched.metric) ?? 0 }
                guard
                    let usual = UnusualDay(
                        history: history.map(value), deviations: wishes.sensitivity.deviations, floor: watched.floor)
                else { continue }
                let figure = value(day)
                guard usual.isUnusual(figure) else { continue }
                let money = watched.metric.isMoney
                func shown(_ number: Double) -> String {
                    money ? Money.text(number, currency: wishes.currency) : Money.count(number)
                }
                try await events.record(
                    ActivityEvent(
                        userID: reader.userID, type: .metricAlert, accountNumber: account.number, createdAt: now(),
                        data: [
                            "integrationId": .integer(reader.id), "accountNumber": .string(account.number),
                            "accountName": .string(account.name), "day": .string(day.isoText),
                            "weekday": .string(Self.weekday(day)), "metric": .string(watched.metric.rawValue),
                            "metricName": .string(watched.name), "value": .string(shown(figure)),
                            "expected": .string("\(shown(usual.low)) to \(shown(usual.high))"),
                            "median": .string(shown(usual.median)),
                            "direction": .string(figure > usual.high ? "rose" : "fell"),
                            "scope": .string("all apps"),
                            "link": .string(
                                MailLinks.dashboard(account: account.number, from: day.isoText, to: day.isoText)
                                    + "&metric=\(watched.metric.rawValue)"),
                        ]),
                    dedupeKey: "alert:\(account.number):\(day.isoText):\(watched.metric.rawValue):\(reader.userID)")
            }
        }
    }

    // MARK: Operations

    /// The service token's expiry and refusal, a degraded listing, dead jobs: for the operators.
    func operations() async throws {
        let time = now()
        func tell(_ type: EventType, key: String, _ data: [String: EventValue]) async throws {
            try await events.record(
                ActivityEvent(userID: nil, type: type, accountNumber: nil, createdAt: time, data: data), dedupeKey: key)
        }
        if let credential = try await service.credential(now: time) {
            let status = try await service.status(now: time)
            if let problem = status.problem {
                try await tell(
                    .tokenRefused, key: "token_refused:\(credential.fingerprint)",
                    [
                        "reason": .string(
                            "Apple says the service access token is \(problem). No account syncs until a new token is set with `orchard service set-token`."
                        )
                    ])
            } else if let warning = status.warning, warning > 0, credential.expiryKnown {
                try await tell(
                    .tokenExpiring, key: "token_expiring:\(credential.fingerprint):\(warning)",
                    [
                        "days": .integer(Int64(credential.daysLeft(now: time))),
                        "expiresOn": .string(ReportDate(containing: credential.expiresAt).isoText),
                    ])
            }
        }
        if let degraded = try await ServiceListingStore(database: database).degraded() {
            try await tell(
                .listingDegraded, key: "listing_degraded:\(Int(degraded.since.timeIntervalSince1970))",
                ["vanished": .integer(Int64(degraded.vanished)), "accessible": .integer(Int64(degraded.accessible))])
        }
        for job in try await JobQueue(database: database).dead(limit: 50) {
            try await tell(
                .jobDead, key: "job_dead:\(job.id):\(Int(job.updatedAt.timeIntervalSince1970))",
                [
                    "jobId": .integer(job.id), "kind": .string(job.kind),
                    "accountNumber": job.accountNumber.map { .string($0) } ?? .null,
                    "error": .string(job.lastError ?? "no error recorded"),
                ])
        }
    }

    static func spoken(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "d MMM yyyy HH:mm 'UTC'"
        return formatter.string(from: date)
    }

    static func weekday(_ day: ReportDate) -> String {
        ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"][day.weekday]
    }
}

/// Figures as mail shows them: grouped thousands, money with its currency.
package enum Money {
    static let symbols = ["USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥"]

    package static func count(_ value: Double) -> String {
        grouped(Int64(value.rounded()))
    }

    /// ISO 4217 currencies without minor units.
    static let wholeUnits: Set<String> = [
        "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF",
        "XPF",
    ]

    package static func text(_ value: Double, currency: String) -> String {
        let cents = Int64((abs(value) * 100).rounded())
        let body =
            wholeUnits.contains(currency)
            ? grouped(Int64(abs(value).rounded())) : "\(grouped(cents / 100)).\(String(format: "%02lld", cents % 100))"
        let sign = value < 0 && cents > 0 ? "−" : ""
        if let symbol = symbols[currency] { return sign + symbol + body }
        return sign + body + " " + currency
    }

    static func grouped(_ value: Int64) -> String {
        let digits = String(abs(value))
        var out = ""
        for (index, character) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(character)
        }
        return (value < 0 ? "−" : "") + out
    }
}
