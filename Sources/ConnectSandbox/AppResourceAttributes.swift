/// The attributes of an `apps` resource as Apple's documentation shows them (spec 4.x): typed
/// clients (e.g. PyPI `asconnect`) require `isOrEverWasMadeForKids` and read
/// `contentRightsDeclaration`, so every attribute is written, unset ones as `null`.
struct AppResourceAttributes: Encodable {
    let name: String
    let bundleId: String
    let sku: String
    let primaryLocale: String
    let isOrEverWasMadeForKids = false
    let subscriptionStatusUrl: String? = nil
    let subscriptionStatusUrlVersion: String? = nil
    let subscriptionStatusUrlForSandbox: String? = nil
    let subscriptionStatusUrlVersionForSandbox: String? = nil
    let contentRightsDeclaration = "DOES_NOT_USE_THIRD_PARTY_CONTENT"
    let streamlinedPurchasingEnabled = true
    let accessibilityUrl: String? = nil

    init(_ app: SandboxApp) {
        name = app.title
        bundleId = app.bundleId
        sku = app.sku
        primaryLocale = "en-US"
    }

    private enum CodingKeys: String, CodingKey {
        case name, bundleId, sku, primaryLocale, isOrEverWasMadeForKids, subscriptionStatusUrl
        case subscriptionStatusUrlVersion, subscriptionStatusUrlForSandbox, subscriptionStatusUrlVersionForSandbox
        case contentRightsDeclaration, streamlinedPurchasingEnabled, accessibilityUrl
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(bundleId, forKey: .bundleId)
        try container.encode(sku, forKey: .sku)
        try container.encode(primaryLocale, forKey: .primaryLocale)
        try container.encode(isOrEverWasMadeForKids, forKey: .isOrEverWasMadeForKids)
        try container.encode(subscriptionStatusUrl, forKey: .subscriptionStatusUrl)
        try container.encode(subscriptionStatusUrlVersion, forKey: .subscriptionStatusUrlVersion)
        try container.encode(subscriptionStatusUrlForSandbox, forKey: .subscriptionStatusUrlForSandbox)
        try container.encode(subscriptionStatusUrlVersionForSandbox, forKey: .subscriptionStatusUrlVersionForSandbox)
        try container.encode(contentRightsDeclaration, forKey: .contentRightsDeclaration)
        try container.encode(streamlinedPurchasingEnabled, forKey: .streamlinedPurchasingEnabled)
        try container.encode(accessibilityUrl, forKey: .accessibilityUrl)
    }

    /// The relationships an app resource links to (`links.self` and `links.related` each).
    static let relationships = [
        "appEncryptionDeclarations", "ciProduct", "betaTesters", "betaGroups", "appStoreVersions", "preReleaseVersions",
        "betaAppLocalizations", "builds", "betaLicenseAgreement", "betaAppReviewDetail", "appInfos", "appClips",
        "endUserLicenseAgreement", "inAppPurchasesV2", "subscriptionGroups", "gameCenterEnabledVersions",
        "appCustomProductPages", "promotedPurchases", "appEvents", "reviewSubmissions", "subscriptionGracePeriod",
        "customerReviews", "gameCenterDetail", "appStoreVersionExperimentsV2", "analyticsReportRequests",
        "appPricePoints", "appPriceSchedule", "appAvailabilityV2",
    ]
}
