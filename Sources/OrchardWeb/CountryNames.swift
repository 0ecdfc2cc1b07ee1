import Foundation
import Synchronization

/// The English name of a storefront's country code, as a person reads it ("DE" is "Germany");
/// the code itself when it is not a region ICU knows. CSV and the API keep the codes.
enum CountryNames {
    private static let locale = Locale(identifier: "en_US")
    private static let cache = Mutex<[String: String]>([:])

    static func name(of code: String) -> String {
        if let known = cache.withLock({ $0[code] }) { return known }
        let isRegion = code.count == 2 && code.allSatisfy { $0.isASCII && $0.isUppercase }
        let name =
            isRegion
            ? locale.localizedString(forRegionCode: code).flatMap { $0 == "Unknown Region" ? nil : $0 } ?? code : code
        cache.withLock { $0[code] = name }
        return name
    }
}
