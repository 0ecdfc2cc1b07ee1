/// Everything the generator knows about one app: its identity, platform, price, popularity
/// and in-app products. Derived from the account's seed, so the same seed gives the same apps.
package struct AppProfile: Sendable {
    package let app: SandboxApp
    let developer: String
    let category: String
    let platform: AppPlatform
    /// The day number of the app's release: no sales before it.
    let launchDay: Int
    /// Expected first downloads per day at launch, before growth and seasonality.
    let baseDownloads: Double
    /// Multiplier per year since launch.
    let yearlyGrowth: Double
    /// Extra demand on Saturdays and Sundays, e.g. 0.25.
    let weekendBoost: Double
    /// The price tier of a paid app, `nil` for a free one.
    let priceTier: Int?
    let products: [InAppProduct]
}

/// An in-app purchase or subscription of an app.
struct InAppProduct: Sendable {
    enum Kind: Sendable, Equatable {
        case consumable, nonConsumable, nonRenewing
        case autoRenewable(period: String, days: Int, groupId: String)
    }

    let sku: String
    let appleIdentifier: String
    let title: String
    let kind: Kind
    let priceTier: Int
    /// Purchases per first download.
    let attachRate: Double

    var isSubscription: Bool {
        if case .autoRenewable = kind { return true }
        return false
    }
}

/// Where an app runs: decides its product type identifiers, devices and platforms.
enum AppPlatform: Sendable, CaseIterable {
    case iPhone, universal, iPad, mac

    var downloadType: String { ["1", "1F", "1T", "F1"][index] }
    var redownloadType: String { ["3", "3F", "3T", "F3"][index] }
    var updateType: String { ["7", "7F", "7T", "F7"][index] }
    var supportedPlatforms: String { self == .mac ? "macOS" : "iOS" }

    func purchaseType(_ kind: InAppProduct.Kind) -> String {
        switch kind {
        case .consumable, .nonConsumable: return self == .mac ? "IA1-M" : "IA1"
        case .nonRenewing: return self == .mac ? "IA9-M" : "IA9"
        case .autoRenewable: return self == .mac ? "IAY-M" : "IAY"
        }
    }

    /// Devices and the share of units on each.
    var devices: [(name: String, share: Double)] {
        switch self {
        case .iPhone: return [("iPhone", 0.93), ("iPod touch", 0.07)]
        case .universal: return [("iPhone", 0.7), ("iPad", 0.3)]
        case .iPad: return [("iPad", 1)]
        case .mac: return [("Desktop", 1)]
        }
    }

    private var index: Int { AppPlatform.allCases.firstIndex(of: self)! }
}
