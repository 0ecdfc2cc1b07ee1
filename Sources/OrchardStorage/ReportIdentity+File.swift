import Foundation
import OrchardCore
import SalesReports

extension ReportIdentity {
    /// What a report file's name says, in Apple's naming: `S_D_<vendor>_<yyyymmdd>`, `S_W_…`,
    /// `S_M_<vendor>_<yyyymm>`, `S_Y_<vendor>_<yyyy>`, with an optional `_V1_3` version.
    struct FileName: Equatable {
        var vendor: String?
        var frequency: String?
        var date: String?
        var version: String?
    }

    static func parseFileName(_ path: String) -> FileName {
        var name = (path as NSString).lastPathComponent
        for suffix in [".gz", ".txt", ".tsv"] where name.hasSuffix(suffix) { name.removeLast(suffix.count) }
        let parts = name.split(separator: "_").map(String.init)
        var result = FileName()
        if let v = parts.firstIndex(where: {
            $0.hasPrefix("V") && $0.count > 1 && $0.dropFirst().allSatisfy(\.isNumber)
        }),
            v + 1 < parts.count, parts[v + 1].allSatisfy(\.isNumber)
        {
            result.version = "\(parts[v].dropFirst())_\(parts[v + 1])"
        }
        guard parts.count >= 4, parts[0] == "S" else { return result }
        result.frequency = ["D": "Daily", "W": "Weekly", "M": "Monthly", "Y": "Yearly"][parts[1]]
        if parts[2].allSatisfy(\.isNumber) { result.vendor = parts[2] }
        let date = parts[3]
        switch date.count {
        case 8: result.date = "\(date.prefix(4))-\(date.dropFirst(4).prefix(2))-\(date.suffix(2))"
        case 6: result.date = "\(date.prefix(4))-\(date.suffix(2))-01"
        case 4: result.date = "\(date)-01-01"
        default: break
        }
        return result
    }

    /// The frequency a Sales report's Begin and End dates imply.
    static func frequency(begin: ReportDate, end: ReportDate) -> String {
        if begin == end { return "Daily" }
        if begin.day == 1, end.year == begin.year {
            if end.month == begin.month { return "Monthly" }
            if begin.month == 1, end.month == 12, end.day == 31 { return "Yearly" }
        }
        return "Weekly"
    }

    static func typeAndSubtype(of kind: ReportKind) -> (String, String) {
        switch kind {
        case .summarySales: ("Sales", "Summary")
        case .subscription: ("Subscription", "Summary")
        case .subscriptionEvent: ("SubscriptionEvent", "Summary")
        case .subscriber: ("Subscriber", "Detailed")
        case .financial: ("Financial", "Financial")
        }
    }
}
