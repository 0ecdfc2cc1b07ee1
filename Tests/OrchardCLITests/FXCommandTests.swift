import Foundation
import OrchardTestSupport
import Testing

/// `orchard fx convert` uses the rates the dashboard would: the nearest earlier ones, at most 45 days old.
@Suite("orchard fx convert")
struct FXCommandTests {
    @Test("the 2008 rate of a currency converts in 2008; in 2026 it is refused, naming its day")
    func staleRate() async throws {
        try SummarizeCommandTests.requireExecutable()
        try await withTemporaryDirectory { directory in
            // given: the Cyprus pound's last ECB rate, of 2008
            let rates = directory.appendingPathComponent("cyp.csv").path
            try "Date,CYP\n2008-01-02,0.5853\n".write(toFile: rates, atomically: true, encoding: .utf8)
            let database = ["--database-url", "sqlite://\(directory.path)/fx.sqlite"]
            var environment = ProcessInfo.processInfo.environment
            environment["ORCHARD_DATA_DIR"] = directory.path
            let imported = try await SummarizeCommandTests.run(
                ["fx", "import"] + database + [rates], environment: environment)
            #expect(imported.status == 0, "\(imported.stderr)")

            // when, then: the next day it converts
            let then = try await SummarizeCommandTests.run(
                ["fx", "convert", "5.853", "CYP", "EUR", "--date", "2008-01-03"] + database, environment: environment)
            #expect(then.status == 0, "\(then.stderr)")
            #expect(then.stdout == "10 EUR (rates of 2008-01-02)\n")

            // when, then: in 2026 it is refused, with the reason
            let now = try await SummarizeCommandTests.run(
                ["fx", "convert", "1", "CYP", "EUR", "--date", "2026-10-30"] + database, environment: environment)
            #expect(now.status == 1)
            #expect(now.stdout.isEmpty)
            #expect(
                now.stderr.contains(
                    "orchard fx convert: the last CYP rate on or before 2026-10-30 is of 2008-01-02, more than 45 days earlier"
                ), "\(now.stderr)")

            // and a day that is not one is refused as such
            let badDay = try await SummarizeCommandTests.run(
                ["fx", "convert", "1", "CYP", "EUR", "--date", "2026-13-01"] + database, environment: environment)
            #expect(badDay.status == 64)
            #expect(badDay.stderr.contains("'2026-13-01' is not a day (YYYY-MM-DD)"), "\(badDay.stderr)")
        }
    }
}
