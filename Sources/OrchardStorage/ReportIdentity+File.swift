import Foundation
package import SalesReports

extension ReportIdentity {
    /// What a report file's name says, in Apple's naming: `S_D_<vendor>_<yyyymmdd>`, `S_W_…`,
    /// `S_M_<vendor>_<yyyymm>`, `S_Y_<vendor>_<yyyy>`, with an optional `_V1_3` version; a
    /// Financial report's `<vendor>_<MMYY>_<region>`.
    package struct FileName: Equatable {
        package var vendor: String?
        /// A Financial report's region code.
        package var region: String?
        package var frequency: ReportFrequency?
        package var date: ReportDate?
        package var version: String?
    }

    package static func parseFileName(_ path: String) -> FileName {
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
        if parts.count == 3, parts[0].allSatisfy(\.isNumber), parts[1].count == 4, parts[1].allSatisfy(\.isNumber),
            parts[2].count == 2, parts[2].allSatisfy({ $0.isASCII && $0.isUppercase || $0.isNumber })
        {
            result.vendor = parts[0]
            result.region = parts[2]
            return result
        }
        guard parts.count >= 4, parts[0] == "S" else { return result }
        result.frequency = ["D": .daily, "W": .weekly, "M": .monthly, "Y": .yearly][parts[1]]
        if parts[2].allSatisfy(\.isNumber) { result.vendor = parts[2] }
        let date = parts[3]
        guard date.allSatisfy(\.isNumber), let year = Int(date.prefix(4)) else { return result }
        switch date.count {
        case 8:
            result.date = ReportDate(date.prefix(4) + "-" + date.dropFirst(4).prefix(2) + "-" + date.suffix(2))
            // A weekly file is named by the Sunday that ends the week; its identity is the Monday.
            if result.frequency == .weekly, let sunday = result.date {
                result.date = ReportDate(dayNumber: sunday.dayNumber - 6)
            }
        case 6: result.date = Int(date.suffix(2)).flatMap { ReportDate(year: year, month: $0, day: 1) }
        case 4: result.date = ReportDate(year: year, month: 1, day: 1)
        default: break
        }
        return result
    }
}
