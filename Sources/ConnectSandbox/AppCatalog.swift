import Foundation

/// Builds an account's apps from its seed: names, identifiers, platforms, prices, products.
enum AppCatalog {
    static func profiles(seed: UInt64, count: Int, developer: String) -> [AppProfile] {
        var random = SeededGenerator(seed, 0xA995)
        var titles: Set<String> = []
        let developerSlug = slug(developer).replacingOccurrences(of: "-", with: "")
        return (0..<count).map { index in
            var title =
                adjectives[Int(random.next() % UInt64(adjectives.count))] + " "
                + nouns[Int(random.next() % UInt64(nouns.count))]
            if titles.contains(title) { title += " \(index + 1)" }
            titles.insert(title)
            let titleSlug = slug(title)
            let bundleId =
                "com.\(developerSlug.isEmpty ? "sandbox" : developerSlug).\(titleSlug.replacingOccurrences(of: "-", with: ""))"
            let appleBase = 1_000_000_000 + Int(random.next() % 800_000) * 1000 + index * 10
            let app = SandboxApp(
                sku: titleSlug.uppercased().replacingOccurrences(of: "-", with: "_") + "_\(index + 1)",
                appleIdentifier: String(appleBase), title: title, bundleId: bundleId)
            let platform = AppPlatform.allCases[weighted([0.35, 0.45, 0.08, 0.12], &random)]
            let isPaid = random.chance(0.3)
            let products = makeProducts(
                bundleId: bundleId, title: title, appleBase: appleBase, freeApp: !isPaid, random: &random)
            // the first app is old and established; the others launch over the years, some recently
            let launchDay =
                index == 0 ? 16_000 + Int(random.next() % 400) : 16_500 + Int(random.next() % 3_500)
            return AppProfile(
                app: app, developer: developer, category: categories[Int(random.next() % UInt64(categories.count))],
                platform: platform, launchDay: launchDay,
                baseDownloads: index == 0 ? random.uniform(120...400) : 2 * pow10(random.uniform(0...2.4)),
                yearlyGrowth: random.uniform(0.85...1.8), weekendBoost: random.uniform(0.05...0.4),
                priceTier: isPaid ? Int(random.next() % 4) : nil, products: products)
        }
    }

    private static func makeProducts(
        bundleId: String, title: String, appleBase: Int, freeApp: Bool, random: inout SeededGenerator
    ) -> [InAppProduct] {
        var products: [InAppProduct] = []
        if random.chance(freeApp ? 0.7 : 0.3) {
            products.append(
                InAppProduct(
                    sku: "\(bundleId).pro", appleIdentifier: String(appleBase + 1), title: "\(title) Pro",
                    kind: .nonConsumable, priceTier: 2 + Int(random.next() % 3), attachRate: random.uniform(0.01...0.05)
                ))
        }
        if random.chance(0.35) {
            products.append(
                InAppProduct(
                    sku: "\(bundleId).coins100", appleIdentifier: String(appleBase + 2), title: "100 Coins",
                    kind: .consumable, priceTier: 0, attachRate: random.uniform(0.02...0.12)))
        }
        if random.chance(0.1) {
            products.append(
                InAppProduct(
                    sku: "\(bundleId).season", appleIdentifier: String(appleBase + 3), title: "Season Pass",
                    kind: .nonRenewing, priceTier: 3, attachRate: random.uniform(0.005...0.02)))
        }
        if random.chance(freeApp ? 0.5 : 0.15) {
            let group = String(20_000_000 + appleBase % 1_000_000)
            products.append(
                InAppProduct(
                    sku: "\(bundleId).premium.monthly", appleIdentifier: String(appleBase + 4),
                    title: "\(title) Premium Monthly",
                    kind: .autoRenewable(period: "1 Month", days: 30, groupId: group),
                    priceTier: 2, attachRate: random.uniform(0.01...0.04)))
            products.append(
                InAppProduct(
                    sku: "\(bundleId).premium.yearly", appleIdentifier: String(appleBase + 5),
                    title: "\(title) Premium Yearly", kind: .autoRenewable(period: "1 Year", days: 365, groupId: group),
                    priceTier: 5, attachRate: random.uniform(0.004...0.015)))
        }
        return products
    }

    static func slug(_ text: String) -> String {
        let lowered = text.lowercased().map { $0.isLetter || $0.isNumber ? String($0) : "-" }.joined()
        return lowered.split(separator: "-").joined(separator: "-")
    }

    static func weighted(_ weights: [Double], _ random: inout SeededGenerator) -> Int {
        var pick = random.unit() * weights.reduce(0, +)
        for (index, weight) in weights.enumerated() {
            pick -= weight
            if pick < 0 { return index }
        }
        return weights.count - 1
    }

    private static func pow10(_ exponent: Double) -> Double {
        var result = 1.0
        var remaining = exponent
        while remaining >= 1 {
            result *= 10
            remaining -= 1
        }
        // 10^x for the fraction by a short series of e^(x ln 10); exact enough for demand
        let x = remaining * 2.302_585_092_994_046
        var term = 1.0
        var sum = 1.0
        for n in 1...12 {
            term *= x / Double(n)
            sum += term
        }
        return result * sum
    }

    private static let adjectives = [
        "Quiet", "Pocket", "Bright", "Swift", "Lunar", "Amber", "Cedar", "Nimble", "Velvet", "Polar", "Golden",
        "Hidden", "Urban", "Tiny", "Cosmic", "Misty",
    ]
    private static let nouns = [
        "Ledger", "Harbor", "Garden", "Notes", "Atlas", "Radio", "Puzzle", "Journal", "Tracker", "Canvas", "Compass",
        "Kitchen", "Workout", "Budget", "Weather", "Scanner",
    ]
    private static let categories = [
        "Productivity", "Lifestyle", "Games", "Utilities", "Health & Fitness", "Education", "Finance",
        "Photo & Video", "Music", "Travel",
    ]
}
