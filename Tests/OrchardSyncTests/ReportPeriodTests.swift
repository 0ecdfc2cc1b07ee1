import AppStoreConnect
import ConnectSandbox
import Foundation
import OrchardCore
import OrchardStorage
import OrchardSync
import OrchardTestSupport
import SalesReports
import Testing

@Suite("Report periods")
struct ReportPeriodTests {
    @Test("a report's last day, from which Apple's publication is awaited")
    func periodEnd() {
        func end(_ frequency: ReportFrequency, _ year: Int, _ month: Int, _ day: Int) -> String {
            SyncEngine.periodEnd(
                ReportIdentity(
                    accountNumber: "1", vendor: "8", type: .sales, frequency: frequency,
                    date: ReportDate(year: year, month: month, day: day)!)
            ).isoText
        }
        #expect(end(.daily, 2026, 6, 14) == "2026-06-14")
        #expect(end(.weekly, 2026, 6, 1) == "2026-06-07")
        #expect(end(.monthly, 2024, 2, 1) == "2024-02-29")
        #expect(end(.monthly, 2026, 12, 1) == "2026-12-31")
        #expect(end(.yearly, 2025, 1, 1) == "2025-12-31")
    }
}
