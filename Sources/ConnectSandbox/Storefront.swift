import SalesReports

/// A country's App Store: its currency, the currency Apple pays proceeds in, VAT and how much
/// of an app's demand comes from it.
struct Storefront: Sendable {
    let country: String
    let currency: String
    let proceedsCurrency: String
    /// Value-added tax included in the customer price, in basis points.
    let taxBasisPoints: Int
    let demandWeight: Double
    /// Free downloads here carry a blank `Currency of Proceeds`, as in Apple's sample file.
    let blankFreeProceedsCurrency: Bool

    /// The customer price of `tier` in this storefront's currency.
    func price(tier: Int) -> DecimalAmount {
        let prices = Storefront.priceTable[currency]!
        return DecimalAmount(millionths: Int128(prices[min(tier, prices.count - 1)]) * 10_000)
    }

    /// Developer proceeds per unit: 70% of the price net of tax (85% after a subscriber's first
    /// year), in the proceeds currency, rounded to the currency's minor unit.
    func proceeds(tier: Int, afterOneYear: Bool = false) -> DecimalAmount {
        let priceCents = Int(price(tier: tier).millionths / 10_000)
        let share = afterOneYear ? 85 : 70
        var cents = priceCents * share * 100 / (10_000 + taxBasisPoints)
        if proceedsCurrency != currency {
            // converted to USD at a fixed synthetic rate; Apple converts at the month's rate
            cents = cents * 100 / (Storefront.usdRate[currency] ?? 100)
        }
        if Storefront.wholeCurrencies.contains(proceedsCurrency) { cents = cents / 100 * 100 }
        return DecimalAmount(millionths: Int128(cents) * 10_000)
    }

    /// The financial-report region Apple pays this storefront's proceeds in.
    var region: String {
        switch proceedsCurrency {
        case "EUR": return "EU"
        case "USD": return country == "US" ? "US" : "WW"
        default: return country
        }
    }

    static let all: [Storefront] = [
        .init("US", "USD", 0, 34), .init("CA", "CAD", 500, 4), .init("MX", "MXN", 1600, 3),
        .init("BR", "BRL", 0, 4), .init("GB", "GBP", 2000, 8), .init("DE", "EUR", 1900, 7),
        .init("FR", "EUR", 2000, 5), .init("IT", "EUR", 2200, 3), .init("ES", "EUR", 2100, 3),
        .init("NL", "EUR", 2100, 2), .init("SE", "SEK", 2500, 2), .init("CH", "CHF", 810, 2),
        .init("JP", "JPY", 1000, 7), .init("KR", "KRW", 1000, 3), .init("CN", "CNY", 600, 6),
        .init("IN", "INR", 1800, 3), .init("AU", "AUD", 1000, 4), .init("VN", "VND", 1000, 1, proceeds: "USD"),
    ]

    /// Regions with their storefronts, in a stable order.
    static let regions: [String] = {
        var seen: [String] = []
        for storefront in all where !seen.contains(storefront.region) { seen.append(storefront.region) }
        return seen
    }()

    private init(_ country: String, _ currency: String, _ tax: Int, _ weight: Double, proceeds: String? = nil) {
        self.country = country
        self.currency = currency
        self.proceedsCurrency = proceeds ?? currency
        self.taxBasisPoints = tax
        self.demandWeight = weight
        self.blankFreeProceedsCurrency = ["BR", "IN", "VN"].contains(country)
    }

    private static let wholeCurrencies: Set<String> = ["JPY", "KRW", "VND"]
    /// Units of the currency per 1 USD, times 100.
    private static let usdRate: [String: Int] = ["VND": 2_500_000]

    /// Prices in cents (or whole units × 100) for tiers 0...6 (USD 0.99 ... 49.99).
    private static let priceTable: [String: [Int]] = [
        "USD": [99, 199, 299, 499, 999, 1999, 4999],
        "CAD": [139, 279, 399, 699, 1399, 2799, 6999],
        "MXN": [1900, 3900, 5900, 9900, 19900, 39900, 99900],
        "BRL": [590, 1090, 1690, 2790, 5490, 10990, 27990],
        "GBP": [99, 199, 299, 499, 999, 1999, 4999],
        "EUR": [99, 199, 299, 499, 999, 1999, 4999],
        "SEK": [1200, 2200, 3500, 5500, 10900, 21900, 54900],
        "CHF": [100, 200, 300, 500, 1000, 2000, 5000],
        "JPY": [16000, 30000, 50000, 80000, 150_000, 300_000, 780_000],
        "KRW": [140_000, 290_000, 440_000, 750_000, 1_400_000, 2_900_000, 7_400_000],
        "CNY": [600, 1200, 1800, 3000, 6800, 12800, 32800],
        "INR": [8900, 17900, 24900, 44900, 89900, 179_900, 449_900],
        "AUD": [149, 299, 449, 799, 1499, 2999, 7499],
        "VND": [2_500_000, 4_900_000, 7_500_000, 12_500_000, 25_000_000, 49_000_000, 125_000_000],
    ]
}
