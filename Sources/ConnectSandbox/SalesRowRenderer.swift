import SalesReports

/// Turns generated lines into rows in Apple's Summary Sales layout (docs/REPORTS.md, Summary Sales).
struct SalesRowRenderer: Sendable {
    let account: SandboxAccount

    func row(_ line: SaleLine, period: ReportPeriod) -> SalesRow {
        let app = account.catalog[line.app]
        let storefront = Storefront.all[line.storefront]
        let product = line.product == 0 ? nil : app.products[line.product - 1]
        let tier = product?.priceTier ?? app.priceTier
        let isFree =
            tier == nil || line.kind == .redownload || line.kind == .update || line.kind == .restore
            || line.kind == .other
        let price = isFree ? DecimalAmount.zero : storefront.price(tier: tier!)
        // Apple writes a refund with a negative Customer Price and a positive Developer Proceeds
        // (docs/REPORTS.md, Money): the sign of the money is the sign of Units.
        let customerPrice = line.refund ? DecimalAmount(millionths: -price.millionths) : price
        let proceeds =
            isFree
            ? DecimalAmount.zero
            : storefront.proceeds(tier: tier!, afterOneYear: line.kind == .subscriptionRenewalAfterYear)
        let blankCurrency = isFree && line.kind == .download && storefront.blankFreeProceedsCurrency
        var row = SalesRow(
            sku: product?.sku ?? app.app.sku, developer: product == nil ? app.developer : "",
            title: product?.title ?? app.app.title, version: product == nil ? version(of: app, on: period.end) : "",
            productType: ProductType(productType(line, app: app, product: product)), units: line.units,
            developerProceeds: proceeds, beginDate: period.start, endDate: period.end,
            customerCurrency: storefront.currency, countryCode: storefront.country,
            proceedsCurrency: blankCurrency ? "" : storefront.proceedsCurrency,
            appleIdentifier: product?.appleIdentifier ?? app.app.appleIdentifier, customerPrice: customerPrice,
            parentIdentifier: product == nil ? "" : app.app.sku, category: app.category,
            device: app.platform.devices[line.device].name, supportedPlatforms: app.platform.supportedPlatforms)
        if case .autoRenewable(let subscriptionPeriod, _, _) = product?.kind {
            row.subscription = line.kind == .subscriptionNew ? "New" : "Renewal"
            row.period = subscriptionPeriod
            if line.kind == .subscriptionRenewalAfterYear { row.proceedsReason = "Rate After One Year" }
        }
        return row
    }

    private func productType(_ line: SaleLine, app: AppProfile, product: InAppProduct?) -> String {
        if let rare = line.rareType { return rare.identifier }
        switch line.kind {
        // `.other` lines always carry a rare identifier
        case .download, .other: return app.platform.downloadType
        case .redownload: return app.platform.redownloadType
        case .update: return app.platform.updateType
        case .restore: return "IA3"
        case .purchase, .subscriptionNew, .subscriptionRenewal, .subscriptionRenewalAfterYear:
            return app.platform.purchaseType(product!.kind)
        }
    }

    /// The app's version on a day: a major release a year, a minor one a month.
    private func version(of app: AppProfile, on day: ReportDate) -> String {
        let age = max(day.dayNumber - app.launchDay, 0)
        return "\(1 + age / 365).\(age % 365 / 30).\(age % 30 / 10)"
    }
}
