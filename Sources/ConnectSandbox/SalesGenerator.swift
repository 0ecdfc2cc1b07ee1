import SalesReports

/// The deterministic synthetic sales of one account: for a day, the same lines on every run
/// and machine, from the account's seed, its apps and the day alone.
struct SalesGenerator: Sendable {
    let account: SandboxAccount
    /// The catalog indices of the apps whose sales these are (one vendor's).
    var apps: Range<Int>? = nil

    /// The lines of `day`: downloads, re-downloads, updates, in-app purchases, restores and
    /// subscriptions across storefronts and devices, with occasional refunds. Empty before the
    /// account's history starts and on days nobody bought anything.
    func lines(on day: ReportDate) -> [SaleLine] {
        guard day >= account.historyStart else { return [] }
        var lines: [SaleLine] = []
        for (index, app) in account.catalog.enumerated()
        where day.dayNumber >= app.launchDay && apps?.contains(index) != false {
            generate(app: app, index: index, day: day, into: &lines)
            addRare(app: app, index: index, day: day, into: &lines)
        }
        return lines
    }

    private func generate(app: AppProfile, index: Int, day: ReportDate, into lines: inout [SaleLine]) {
        var random = SeededGenerator(account.seed, UInt64(index), UInt64(bitPattern: Int64(day.dayNumber)))
        let demand = demand(of: app, on: day) * random.uniform(0.8...1.2)
        let totalWeight = Storefront.all.reduce(0) { $0 + $1.demandWeight }
        for (storefrontIndex, storefront) in Storefront.all.enumerated() {
            let share = storefront.demandWeight / totalWeight
            for (deviceIndex, device) in app.platform.devices.enumerated() {
                let expected = demand * share * device.share
                func add(_ kind: SaleLine.Kind, product: Int = 0, units: Int64, refund: Bool = false) {
                    guard units != 0 else { return }
                    lines.append(
                        SaleLine(
                            app: index, product: product, kind: kind, storefront: storefrontIndex,
                            device: deviceIndex, refund: refund, units: units))
                }
                let downloads = random.count(expected: expected)
                add(.download, units: downloads)
                if app.priceTier != nil, downloads > 0, random.chance(0.04) { add(.download, units: -1, refund: true) }
                add(.redownload, units: random.count(expected: expected * 0.22))
                add(.update, units: random.count(expected: expected * 0.9))
                for (productIndex, product) in app.products.enumerated() {
                    let productNumber = productIndex + 1
                    let purchases = random.count(expected: expected * product.attachRate * 10)
                    switch product.kind {
                    case .consumable, .nonRenewing:
                        add(.purchase, product: productNumber, units: purchases)
                    case .nonConsumable:
                        add(.purchase, product: productNumber, units: purchases)
                        add(.restore, product: productNumber, units: random.count(expected: expected * 0.01))
                    case .autoRenewable(_, let days, _):
                        // The subscriber population's payments (below); these draws only keep the
                        // generator's sequence, and so every other line, as it was.
                        let renewals = random.count(expected: expected * product.attachRate * 10 * 0.6)
                        if days < 365 { _ = random.count(expected: Double(renewals) * 0.3) }
                        if deviceIndex == 0,
                            let population = SubscriberPopulations.shared.days(
                                account: account, app: index, product: productIndex, dayNumber: day.dayNumber)
                        {
                            let today = population[storefrontIndex]
                            add(.subscriptionNew, product: productNumber, units: Int64(today.newPayments))
                            add(.subscriptionRenewal, product: productNumber, units: Int64(today.firstYearRenewals))
                            add(
                                .subscriptionRenewalAfterYear, product: productNumber,
                                units: Int64(today.afterYearRenewals))
                            add(.subscriptionNew, product: productNumber, units: -Int64(today.refunds), refund: true)
                        }
                    }
                    if purchases > 0, random.chance(0.03), !product.isSubscription {
                        add(.purchase, product: productNumber, units: -1, refund: true)
                    }
                }
            }
        }
    }

    /// Now and then (a quarter of an app's days) a few units under one of the rare identifiers,
    /// from a generator of their own so the ordinary lines stay as they were.
    private func addRare(app: AppProfile, index: Int, day: ReportDate, into lines: inout [SaleLine]) {
        var random = SeededGenerator(
            account.seed, UInt64(index), UInt64(bitPattern: Int64(day.dayNumber)), 0x5A7E)
        guard random.chance(0.25) else { return }
        let variant = Int(random.next() % UInt64(RareProductType.all.count))
        let type = RareProductType.all[variant]
        let storefront = Int(random.next() % UInt64(Storefront.all.count))
        let units = 1 + Int64(random.next() % 3)
        let product: Int
        switch type.kind {
        case .restore:
            guard let found = app.products.firstIndex(where: { $0.kind == .nonConsumable }) else { return }
            product = found + 1
        case .purchase:
            guard let found = app.products.firstIndex(where: { !$0.isSubscription }) else { return }
            product = found + 1
        default:
            product = 0
        }
        lines.append(
            SaleLine(
                app: index, product: product, kind: type.kind, storefront: storefront, device: 0, refund: false,
                variant: UInt8(variant + 1), units: units))
    }

    /// Expected first downloads: base × growth since launch × weekday × season.
    func demand(of app: AppProfile, on day: ReportDate) -> Double {
        let years = Double(day.dayNumber - app.launchDay) / 365
        var growth = 1.0
        var remaining = years
        while remaining >= 1 {
            growth *= app.yearlyGrowth
            remaining -= 1
        }
        growth *= 1 + (app.yearlyGrowth - 1) * remaining
        // a launch spike that fades over the first weeks
        let launch = 1 + 2 * max(0, 1 - Double(day.dayNumber - app.launchDay) / 30)
        let weekday: Double
        switch day.weekday {
        case 0, 6: weekday = 1 + app.weekendBoost
        case 5: weekday = 1 + app.weekendBoost / 3
        default: weekday = 1
        }
        let season = day.month == 12 ? 1.3 : (day.month == 1 ? 1.15 : 1)
        return app.baseDownloads * min(growth, 20) * launch * weekday * season
    }
}
