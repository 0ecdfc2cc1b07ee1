import SalesReports

extension ReportFiles {
    /// The daily Subscription, Subscription Event or Subscriber file (columns as ``ReportKind`` lists
    /// them), derived from the vendor's subscriber populations (``SubscriberPopulation``); `nil` when
    /// the day has no subscription business.
    ///
    /// A version after `1_3` inserts three win-back offer counts before `Marketing Opt-Ins` (the
    /// columns a newer version adds are not known: these stand for them, always 0), so a reader
    /// that takes columns by position rather than by name counts the wrong ones.
    func subscriptionReport(_ kind: ReportKind, day: ReportDate, version: String = "1_3") throws(ReportError)
        -> [UInt8]?
    {
        guard day >= account.historyStart else { return nil }
        var rows: [[String: String]] = []
        for app in apps ?? 0..<account.catalog.count where day.dayNumber >= account.catalog[app].launchDay {
            for (product, profile) in account.catalog[app].products.enumerated() where profile.isSubscription {
                guard
                    let population = SubscriberPopulations.shared.days(
                        account: account, app: app, product: product, dayNumber: day.dayNumber)
                else { continue }
                for (storefront, today) in population.enumerated() {
                    let common = common(app: app, product: product, storefront: storefront)
                    switch kind {
                    case .subscription: rows += activeRows(today, common, app: app, product: product, storefront)
                    case .subscriptionEvent: rows += eventRows(today, common, day: day, product: product)
                    default:
                        rows += subscriberRows(today, common, day: day, app: app, product: product, storefront)
                    }
                }
            }
        }
        guard !rows.isEmpty else { return nil }
        var columns = kind.columns.map(\.name)
        if kind == .subscription, version != "1_3", let at = columns.firstIndex(of: "Marketing Opt-Ins") {
            let winBack = [
                "Free Trial Win-Back Offer Subscriptions", "Pay Up Front Win-Back Offer Subscriptions",
                "Pay As You Go Win-Back Offer Subscriptions",
            ]
            columns.insert(contentsOf: winBack, at: at)
            for index in rows.indices { for name in winBack { rows[index][name] = "0" } }
        }
        let writer = ReportWriter(kind: kind, columns: columns, gzip: true, gzipMemberSize: Self.gzipMemberSize)
        for row in rows { try writer.write(values: columns.map { row[$0] ?? "" }) }
        return try writer.finish()
    }

    private func common(app: Int, product: Int, storefront: Int) -> [String: String] {
        let profile = account.catalog[app]
        let subscription = profile.products[product]
        let store = Storefront.all[storefront]
        guard case .autoRenewable(let period, _, let group) = subscription.kind else { return [:] }
        return [
            "App Name": profile.app.title, "App Apple ID": profile.app.appleIdentifier,
            "Subscription Name": subscription.title, "Subscription Apple ID": subscription.appleIdentifier,
            "Subscription Group ID": group, "Standard Subscription Duration": period,
            "Customer Price": store.price(tier: subscription.priceTier).description,
            "Customer Currency": store.currency,
            "Developer Proceeds": store.proceeds(tier: subscription.priceTier).description,
            "Proceeds Currency": store.proceedsCurrency, "Device": profile.platform.devices[0].name,
            "Country": store.country,
        ]
    }

    /// Two rows per product and storefront: subscribers at the standard rate (with the trials,
    /// offer-code months, grace period and billing retry), and those past a year of paid service at
    /// Apple's higher rate.
    private func activeRows(
        _ today: SubscriberPopulation.Day, _ common: [String: String], app: Int, product: Int, _ storefront: Int
    ) -> [[String: String]] {
        var rows: [[String: String]] = []
        let counts: [(String, Int32)] = [
            ("Active Standard Price Subscriptions", today.paid),
            ("Active Free Trial Introductory Offer Subscriptions", today.trials),
            ("Free Trial Offer Code Subscriptions", today.offerTrials), ("Billing Retry", today.retry),
            ("Grace Period", today.grace),
        ]
        if counts.contains(where: { $0.1 > 0 }) {
            var row = common
            for column in ReportKind.subscription.columns where column.type == .integer { row[column.name] = "0" }
            for (column, count) in counts { row[column] = String(count) }
            rows.append(row)
        }
        if today.paidAfterYear > 0 {
            var row = common
            let tier = account.catalog[app].products[product].priceTier
            row["Developer Proceeds"] = Storefront.all[storefront].proceeds(tier: tier, afterOneYear: true).description
            row["Proceeds Reason"] = "Rate After One Year"
            for column in ReportKind.subscription.columns where column.type == .integer { row[column.name] = "0" }
            row["Active Standard Price Subscriptions"] = String(today.paidAfterYear)
            rows.append(row)
        }
        return rows
    }

    /// One row per event, offer type and original start date with its quantity.
    private func eventRows(
        _ today: SubscriberPopulation.Day, _ common: [String: String], day: ReportDate, product: Int
    ) -> [[String: String]] {
        let trialStart = day.adding(days: -SubscriberPopulation.trialDays).isoText
        let offerStart = day.adding(days: -SubscriberPopulation.offerDays).isoText
        let events: [(event: String, offer: String, duration: String, start: String, quantity: Int32)] = [
            ("Subscribe", "", "", day.isoText, today.subscribe),
            ("Start Introductory Offer", "Free Trial", "1 Week", day.isoText, today.trialStarts),
            ("Start Offer Code", "Free Trial", "1 Month", day.isoText, today.offerStarts),
            ("Paid Subscription from Introductory Offer", "Free Trial", "1 Week", trialStart, today.convertedTrials),
            ("Paid Subscription from Offer Code", "Free Trial", "1 Month", offerStart, today.convertedOffers),
            ("Reactivate", "", "", "", today.reactivations),
            ("Renew", "", "", "", today.renewals + today.renewalsAfterYear),
            ("Renewal from Billing Retry", "", "", "", today.recovered + today.recoveredAfterYear),
            ("Cancel", "", "", "", today.cancels),
            ("Cancel", "Free Trial", "1 Week", trialStart, today.trialCancels),
            ("Cancel", "Free Trial", "1 Month", offerStart, today.offerCancels),
            ("Billing Retry from Paid Subscription", "", "", "", today.toBillingRetry),
            ("Canceled from Billing Retry", "", "", "", today.canceledFromRetry),
            ("Refund", "", "", day.isoText, today.refunds),
        ]
        return events.filter { $0.quantity > 0 }.map { event in
            var row = common
            row["Event Date"] = day.isoText
            row["Event"] = event.event
            row["Subscription Offer Type"] = event.offer
            row["Subscription Offer Duration"] = event.duration
            row["Original Start Date"] = event.start
            row["Quantity"] = String(event.quantity)
            if event.event == "Renew" || event.event == "Renewal from Billing Retry" {
                row["Consecutive Paid Periods"] = "2"
            }
            return row
        }
    }

    /// One row per paid transaction of the day (Units 1), and per refund (Units -1).
    private func subscriberRows(
        _ today: SubscriberPopulation.Day, _ common: [String: String], day: ReportDate, app: Int, product: Int,
        _ storefront: Int
    ) -> [[String: String]] {
        var random = SeededGenerator(
            account.seed, UInt64(bitPattern: Int64(day.dayNumber)), 0x5C, UInt64(app), UInt64(product),
            UInt64(storefront))
        let tier = account.catalog[app].products[product].priceTier
        let afterYearProceeds = Storefront.all[storefront].proceeds(tier: tier, afterOneYear: true).description
        var rows: [[String: String]] = []
        func add(_ count: Int32, afterYear: Bool = false, refund: Bool = false) {
            for _ in 0..<max(0, Int(count)) {
                var row = common
                if afterYear {
                    row["Developer Proceeds"] = afterYearProceeds
                    row["Proceeds Reason"] = "Rate After One Year"
                }
                row["Event Date"] = day.isoText
                row["Subscriber ID"] = String(100_000_000_000_000_000 + random.next() % 800_000_000_000_000_000)
                row["Refund"] = refund ? "Yes" : ""
                row["Purchase Date"] = day.isoText
                row["Units"] = refund ? "-1" : "1"
                rows.append(row)
            }
        }
        add(today.newPayments)
        add(today.firstYearRenewals)
        add(today.afterYearRenewals, afterYear: true)
        add(today.refunds, refund: true)
        return rows
    }
}
