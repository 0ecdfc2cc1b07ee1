import SalesReports

extension ReportFiles {
    /// The daily Subscription, Subscription Event or Subscriber file (columns as ``ReportKind`` lists them), derived
    /// from the day's auto-renewable lines; `nil` when the day has none.
    func subscriptionReport(_ kind: ReportKind, day: ReportDate) throws(ReportError) -> [UInt8]? {
        let lines = SalesGenerator(account: account, apps: apps).lines(on: day).filter { line in
            line.product > 0 && account.catalog[line.app].products[line.product - 1].isSubscription
        }
        guard !lines.isEmpty else { return nil }
        let rows: [[String: String]]
        switch kind {
        case .subscription: rows = activeSubscriptionRows(lines)
        case .subscriptionEvent: rows = lines.map { eventRow($0, day: day) }
        default: rows = subscriberRows(lines, day: day)
        }
        return try Self.write(kind: kind, rows: rows)
    }

    private func common(_ line: SaleLine) -> [String: String] {
        let app = account.catalog[line.app]
        let product = app.products[line.product - 1]
        let storefront = Storefront.all[line.storefront]
        guard case .autoRenewable(let period, _, let group) = product.kind else { return [:] }
        let afterYear = line.kind == .subscriptionRenewalAfterYear
        return [
            "App Name": app.app.title, "App Apple ID": app.app.appleIdentifier, "Subscription Name": product.title,
            "Subscription Apple ID": product.appleIdentifier, "Subscription Group ID": group,
            "Standard Subscription Duration": period,
            "Customer Price": storefront.price(tier: product.priceTier).description,
            "Customer Currency": storefront.currency,
            "Developer Proceeds": storefront.proceeds(tier: product.priceTier, afterOneYear: afterYear).description,
            "Proceeds Currency": storefront.proceedsCurrency, "Proceeds Reason": afterYear ? "Rate After One Year" : "",
            "Device": app.platform.devices[line.device].name, "Country": storefront.country,
        ]
    }

    private func activeSubscriptionRows(_ lines: [SaleLine]) -> [[String: String]] {
        lines.filter { !$0.refund }.map { line in
            var row = common(line)
            var random = SeededGenerator(account.seed, line.key, 0x5B)
            let active = line.units * Int64(20 + random.next() % 20)
            row["Active Standard Price Subscriptions"] = String(active)
            row["Active Free Trial Introductory Offer Subscriptions"] = String(line.units * Int64(random.next() % 4))
            for column in [
                "Active Pay Up Front Introductory Offer Subscriptions",
                "Active Pay As You Go Introductory Offer Subscriptions", "Free Trial Promotional Offer Subscriptions",
                "Pay Up Front Promotional Offer Subscriptions", "Pay As You Go Promotional Offer Subscriptions",
                "Marketing Opt-Ins",
            ] {
                row[column] = "0"
            }
            row["Billing Retry"] = String(active / 50)
            row["Grace Period"] = String(active / 100)
            return row
        }
    }

    private func eventRow(_ line: SaleLine, day: ReportDate) -> [String: String] {
        var row = common(line)
        row["Event Date"] = day.isoText
        row["Event"] = line.refund ? "Refund" : (line.kind == .subscriptionNew ? "Subscribe" : "Renew")
        row["Consecutive Paid Periods"] = line.kind == .subscriptionNew ? "" : "2"
        row["Quantity"] = String(abs(line.units))
        return row
    }

    private func subscriberRows(_ lines: [SaleLine], day: ReportDate) -> [[String: String]] {
        var rows: [[String: String]] = []
        for line in lines {
            var random = SeededGenerator(account.seed, line.key, UInt64(day.dayNumber), 0x5C)
            for _ in 0..<min(abs(line.units), 25) {
                var row = common(line)
                row["Event Date"] = day.isoText
                row["Subscriber ID"] = String(100_000_000_000_000_000 + random.next() % 800_000_000_000_000_000)
                row["Refund"] = line.refund ? "Yes" : ""
                row["Purchase Date"] = day.isoText
                row["Units"] = line.refund ? "-1" : "1"
                rows.append(row)
            }
        }
        return rows
    }
}
