/// One row of a Summary Sales report (docs/REPORTS.md, Summary Sales), typed. Text columns are trimmed, and
/// columns an older file does not have read as `""`.
///
/// Money columns are **per unit**: the row's proceeds are ``proceeds`` (`Units × Developer
/// Proceeds`), not `Developer Proceeds` alone. Refunds have negative ``units``; their
/// money is negative through ``units`` whatever the sign Apple gives the per-unit amounts.
public struct SalesRow: Sendable, Hashable {
    /// `Provider`, e.g. `APPLE`.
    public var provider: String
    /// `Provider Country`, e.g. `US`.
    public var providerCountry: String
    /// `SKU`: the app's SKU, or the in-app purchase's product id.
    public var sku: String
    /// `Developer`: the provider name (often blank on in-app purchase rows).
    public var developer: String
    /// `Title`: the app name or in-app purchase reference name.
    public var title: String
    /// `Version`: the app version (blank for in-app purchases).
    public var version: String
    /// `Product Type Identifier`.
    public var productType: ProductType
    /// `Units`; negative for refunds.
    public var units: Int64
    /// `Developer Proceeds`, per unit, in ``proceedsCurrency``.
    public var developerProceeds: DecimalAmount
    /// `Begin Date`.
    public var beginDate: ReportDate
    /// `End Date`.
    public var endDate: ReportDate
    /// `Customer Currency`, ISO 4217.
    public var customerCurrency: String
    /// `Country Code`, ISO 3166-1 alpha-2 storefront.
    public var countryCode: String
    /// `Currency of Proceeds`, ISO 4217 (blank on some free rows).
    public var proceedsCurrency: String
    /// `Apple Identifier`.
    public var appleIdentifier: String
    /// `Customer Price`, per unit, in ``customerCurrency``.
    public var customerPrice: DecimalAmount
    /// `Promo Code`.
    public var promoCode: String
    /// `Parent Identifier`: for in-app purchases, the SKU of the app they belong to.
    public var parentIdentifier: String
    /// `Subscription`: `New` or `Renewal` for auto-renewables.
    public var subscription: String
    /// `Period`, e.g. `1 Month`.
    public var period: String
    /// `Category`, e.g. `Lifestyle`.
    public var category: String
    /// `CMB`.
    public var cmb: String
    /// `Device`, e.g. `iPhone`.
    public var device: String
    /// `Supported Platforms`, e.g. `iOS`.
    public var supportedPlatforms: String
    /// `Proceeds Reason`, e.g. `Rate After One Year`.
    public var proceedsReason: String
    /// `Preserved Pricing`: `Yes` or blank.
    public var preservedPricing: String
    /// `Client`.
    public var client: String
    /// `Order Type`, e.g. `Pay As You Go Intro Offer`.
    public var orderType: String
    /// Columns this library does not know yet (added by Apple after it was written), by name.
    public var otherColumns: [String: String]
    /// The 1-based line in the file the row was read from (0 for rows built in code).
    public var line: Int

    /// Creates a row; every text column defaults to blank.
    public init(
        provider: String = "APPLE", providerCountry: String = "US", sku: String, developer: String = "",
        title: String = "", version: String = "", productType: ProductType, units: Int64,
        developerProceeds: DecimalAmount = .zero, beginDate: ReportDate, endDate: ReportDate,
        customerCurrency: String = "", countryCode: String = "", proceedsCurrency: String = "",
        appleIdentifier: String = "", customerPrice: DecimalAmount = .zero, promoCode: String = "",
        parentIdentifier: String = "", subscription: String = "", period: String = "", category: String = "",
        cmb: String = "", device: String = "", supportedPlatforms: String = "", proceedsReason: String = "",
        preservedPricing: String = "", client: String = "", orderType: String = "",
        otherColumns: [String: String] = [:], line: Int = 0
    ) {
        self.provider = provider
        self.providerCountry = providerCountry
        self.sku = sku
        self.developer = developer
        self.title = title
        self.version = version
        self.productType = productType
        self.units = units
        self.developerProceeds = developerProceeds
        self.beginDate = beginDate
        self.endDate = endDate
        self.customerCurrency = customerCurrency
        self.countryCode = countryCode
        self.proceedsCurrency = proceedsCurrency
        self.appleIdentifier = appleIdentifier
        self.customerPrice = customerPrice
        self.promoCode = promoCode
        self.parentIdentifier = parentIdentifier
        self.subscription = subscription
        self.period = period
        self.category = category
        self.cmb = cmb
        self.device = device
        self.supportedPlatforms = supportedPlatforms
        self.proceedsReason = proceedsReason
        self.preservedPricing = preservedPricing
        self.client = client
        self.orderType = orderType
        self.otherColumns = otherColumns
        self.line = line
    }

    /// `Units × |Developer Proceeds|` (the sign comes from Units: Apple writes a refund's
    /// proceeds positive), or `nil` on overflow.
    public var proceeds: DecimalAmount? { developerProceeds.extended(units: units) }

    /// `Units × |Customer Price|` (the sign comes from Units: Apple writes a refund's price
    /// negative, and multiplying the signed price would make a refund positive sales), or `nil`
    /// on overflow.
    public var sales: DecimalAmount? { customerPrice.extended(units: units) }

    /// The SKU of the app the row belongs to (docs/REPORTS.md, Which app a row belongs to): its own `SKU` for app rows
    /// (downloads, re-downloads, updates), else `Parent Identifier`, else its own `SKU`.
    public var appSKU: String {
        productType.bucket.isAppRow || parentIdentifier.isEmpty ? sku : parentIdentifier
    }
}
