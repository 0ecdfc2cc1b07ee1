import Testing

@testable import SalesReports

@Suite struct ProductTypeTests {
    @Test(arguments: [
        ("1", UnitBucket.downloads), ("1F", .downloads), ("1T", .downloads), ("F1", .downloads), ("1E", .downloads),
        ("1EP", .downloads), ("1EU", .downloads), ("1-B", .downloads), ("F1-B", .downloads), ("3", .redownloads),
        ("3F", .redownloads), ("3T", .redownloads), ("F3", .redownloads), ("7", .updates), ("7F", .updates),
        ("7T", .updates), ("F7", .updates), ("IA1", .inAppPurchases), ("IA1-M", .inAppPurchases),
        ("FI1", .inAppPurchases), ("IA9", .inAppPurchases), ("IA9-M", .inAppPurchases), ("IAY", .inAppPurchases),
        ("IAY-M", .inAppPurchases), ("IAC", .inAppPurchases), ("IA3", .restores),
    ])
    func classifiesEveryKnownIdentifier(identifier: String, bucket: UnitBucket) {
        let type = ProductType(identifier)
        #expect(type.isKnown)
        #expect(type.bucket == bucket)
        #expect(type.summary != nil)
    }

    @Test(arguments: [
        ("1X", UnitBucket.downloads), ("F1-X", .downloads), ("3Z", .redownloads), ("7-V", .updates),
        ("IAX", .inAppPurchases), ("FI9", .inAppPurchases), ("F7X", .updates), ("F7-B", .updates),
        ("F3X", .redownloads), ("IA3-M", .restores), ("IA3X", .restores), ("IA31", .restores),
        ("W1", .other), ("", .other), ("ZZZ", .other), ("FX", .other),
    ])
    func classifiesUnknownIdentifiersByPrefix(identifier: String, bucket: UnitBucket) {
        let type = ProductType(identifier)
        #expect(!type.isKnown)
        #expect(type.bucket == bucket)
    }

    @Test func tableHasAppleTwentyThreeRowsPlusThreeLegacy() {
        #expect(ProductType.known.count == 26)
        #expect(Set(ProductType.known.map(\.identifier)).count == 26)
    }

    @Test func onlyDownloadsRedownloadsAndUpdatesAreAppRows() {
        #expect(UnitBucket.allCases.filter(\.isAppRow) == [.downloads, .redownloads, .updates])
    }
}
