import ArgumentParser
import Foundation
import SalesReports

/// `orchard summarize [--json] FILE...`: adds up Sales and Trends report files (docs/CLI.md)
/// without a database, by the bucket and money rules of docs/REPORTS.md.
struct Summarize: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Parse report files and print their totals; no database.",
        discussion: """
            Reads Summary Sales (and Financial) reports, plain or gzip'd, and prints units per bucket, returns, \
            proceeds per currency of proceeds, sales per customer currency, and the same per app. A file that is \
            not a valid report is an error naming the file, line and column.
            """)

    @Flag(help: "Print one JSON object for all files together.") var json = false
    @Argument(help: "Report files (.txt or .txt.gz).") var files: [String]

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("Name at least one report file.") }
    }

    func run() async throws {
        let summary: SalesSummary
        do {
            summary = try await Self.summarize(files).get()
        } catch {
            CommandSupport.printError("orchard summarize: \(error.description)")
            throw ExitCode(1)
        }
        print(json ? summary.jsonText() : SummaryTable(summary: summary).text)
    }

    /// Reads the files on a thread of its own: the summarizer reads files and waits for its second
    /// thread, which must not happen on one of Swift concurrency's threads.
    private static func summarize(_ files: [String]) async -> Result<SalesSummary, ReportError> {
        await withCheckedContinuation { continuation in
            let thread = Thread {
                continuation.resume(
                    returning: Result { () throws(ReportError) in try SalesSummarizer.summarize(paths: files) })
            }
            thread.name = "orchard.summarize"
            thread.start()
        }
    }
}

/// The human-readable form of a ``SalesSummary``.
struct SummaryTable {
    let summary: SalesSummary

    var text: String {
        var lines = ["\(summary.files) file\(summary.files == 1 ? "" : "s"), \(summary.rows) rows", ""]
        lines.append("Units (net)")
        for bucket in UnitBucket.allCases {
            lines.append("  " + pad(Self.label(bucket), 18) + leftPad(String(summary.units[bucket]), 12))
        }
        lines.append("  " + pad("returns", 18) + leftPad(String(summary.returns), 12))
        lines.append("")
        lines.append("Proceeds  " + money(summary.proceeds))
        lines.append("Sales     " + money(summary.sales))
        guard !summary.apps.isEmpty else { return lines.joined(separator: "\n") }
        lines.append("")
        let headings = ["SKU", "Apple ID", "Title", "Downloads", "Redownloads", "Updates", "IAP", "Restores", "Other"]
        var table = [headings + ["Proceeds"]]
        for app in summary.apps {
            var row = [app.sku, app.appleIdentifier ?? "-", String((app.title ?? "-").prefix(30))]
            row += UnitBucket.allCases.map { String(app.units[$0]) }
            table.append(row + [money(app.proceeds)])
        }
        let widths = (0..<table[0].count).map { column in table.map { $0[column].count }.max() ?? 0 }
        for row in table {
            let cells = row.enumerated().map { index, cell in
                (3...8).contains(index) ? leftPad(cell, widths[index]) : pad(cell, widths[index])
            }
            lines.append(cells.joined(separator: "  ").trimmingTrailingSpaces)
        }
        return lines.joined(separator: "\n")
    }

    private static func label(_ bucket: UnitBucket) -> String {
        switch bucket {
        case .downloads: return "downloads"
        case .redownloads: return "re-downloads"
        case .updates: return "updates"
        case .inAppPurchases: return "in-app purchases"
        case .restores: return "restores"
        case .other: return "other"
        }
    }

    private func money(_ amounts: [String: DecimalAmount]) -> String {
        guard !amounts.isEmpty else { return "-" }
        return amounts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value.formatted(fractionDigits: 2))" }
            .joined(separator: ", ")
    }

    private func pad(_ text: String, _ width: Int) -> String {
        text + String(repeating: " ", count: max(0, width - text.count))
    }

    private func leftPad(_ text: String, _ width: Int) -> String {
        String(repeating: " ", count: max(0, width - text.count)) + text
    }
}

extension String {
    fileprivate var trimmingTrailingSpaces: String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}
