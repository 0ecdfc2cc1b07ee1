import Foundation
import OrchardTestSupport
import SalesReports
import Testing

@testable import OrchardStorage

@Suite("Exchange rates")
struct FXRateStoreTests {
    static let csv = """
        Date,USD,JPY,GBP,CYP,
        2026-10-30,1.1600,174.10,0.8800,N/A,
        2026-10-29,1.1500,173.00,0.8750,N/A,
        2008-01-02,1.4708,164.34,0.7400,0.5853,

        """

    @Test(
        "a range's rates read at once answer every day as the one-day lookup does, stale and missing ones included",
        arguments: TestBackend.available)
    func ratesOfRange(backend: TestBackend) async throws {
        try await withMigrated(backend) { database in
            try await withTemporaryDirectory { directory in
                // given: rates of two days in 2026 and one in 2008
                let path = directory.appendingPathComponent("eurofxref-hist.csv").path
                try Self.csv.write(toFile: path, atomically: true, encoding: .utf8)
                let store = FXRateStore(database: database)
                _ = try await store.importECB(path: path)
                let from = Self.day("2026-09-01")
                let to = Self.day("2026-12-31")

                for currency in ["USD", "GBP", "CYP", "EUR", "XXX"] {
                    // when
                    let range = try await store.rates(currency, from: from, to: to)

                    // then: before the first rate none, then the nearest earlier, none past 45 days
                    var day = from
                    while day <= to {
                        let one = try await store.rate(currency, on: day)
                        let fromRange = range.rate(on: day)
                        #expect(one?.perEUR == fromRange?.perEUR, "\(currency) \(day.isoText)")
                        #expect(one?.day == fromRange?.day, "\(currency) \(day.isoText)")
                        day = day.adding(days: 1)
                    }
                }
                // 2026-10-30's rate serves 45 days, through 2026-12-14
                let usd = try await store.rates("USD", from: from, to: to)
                #expect(usd.rate(on: Self.day("2026-12-14"))?.day == "2026-10-30")
                #expect(usd.rate(on: Self.day("2026-12-15")) == nil)
                #expect(usd.rate(on: Self.day("2026-10-28")) == nil)
            }
        }
    }

    @Test("ECB rates load; conversion uses the nearest earlier day and says which", arguments: TestBackend.available)
    func convert(backend: TestBackend) async throws {
        try await withMigrated(backend) { database in
            try await withTemporaryDirectory { directory in
                // given
                let path = directory.appendingPathComponent("eurofxref-hist.csv").path
                try Self.csv.write(toFile: path, atomically: true, encoding: .utf8)
                let store = FXRateStore(database: database)

                // when
                let stored = try await store.importECB(path: path)
                let again = try await store.importECB(path: path)

                // then
                #expect(stored == 10)
                #expect(again == 10)
                // 2026-11-01 is a Sunday: Friday's rates apply. 10 USD = 10 / 1.16 EUR = 8.620690 EUR.
                let toEUR = try await store.convert(
                    micros: 10_000_000, from: "USD", to: "EUR", on: Self.day("2026-11-01"))
                #expect(toEUR == .init(micros: 8_620_690, rateDate: "2026-10-30"))
                // 1000 JPY on 2026-10-29 = 1000 * 1.15 / 173 USD = 6.647399 USD.
                let jpy = try await store.convert(
                    micros: 1_000_000_000, from: "JPY", to: "USD", on: Self.day("2026-10-29"))
                #expect(jpy == .init(micros: 6_647_399, rateDate: "2026-10-29"))
                let same = try await store.convert(micros: 5, from: "USD", to: "USD", on: Self.day("2026-10-29"))
                #expect(same == .init(micros: 5, rateDate: nil))
                await #expect(throws: FXRateStore.Unconvertible.noRate(currency: "USD", day: "1999-01-01")) {
                    try await store.convert(micros: 1, from: "USD", to: "EUR", on: Self.day("1999-01-01"))
                }
                // The Cyprus pound's last rate (2008) converts in its time, never in 2026.
                let cyp = try await store.convert(micros: 5_853_000, from: "CYP", to: "EUR", on: Self.day("2008-01-03"))
                #expect(cyp == .init(micros: 10_000_000, rateDate: "2008-01-02"))
                #expect(try await store.rate("CYP", on: Self.day("2026-10-30")) == nil)
                await #expect(
                    throws: FXRateStore.Unconvertible.staleRate(
                        currency: "CYP", rateDay: "2008-01-02", day: "2026-10-30")
                ) {
                    try await store.convert(micros: 1, from: "CYP", to: "EUR", on: Self.day("2026-10-30"))
                }
            }
        }
    }

    @Test(
        "a conversion uses a rate 45 days old, never one 46 days old, as the dashboard",
        arguments: TestBackend.available)
    func maximumRateAge(backend: TestBackend) async throws {
        try await withMigrated(backend) { database in
            // given: GBP last published 45 days before the day, CHF 46 days before it
            let day = Self.day("2026-10-29")
            let gbpDay = day.adding(days: -45)
            let chfDay = day.adding(days: -46)
            let store = FXRateStore(database: database)
            _ = try await store.importECB(
                text: "Date,GBP,CHF\n\(gbpDay.isoText),0.8,N/A\n\(chfDay.isoText),N/A,0.95\n", name: "rates.csv")

            // when, then: 8 GBP = 10 EUR with the 45-day-old rate; the 46-day-old CHF rate is refused, naming it
            let gbp = try await store.convert(micros: 8_000_000, from: "GBP", to: "EUR", on: day)
            #expect(gbp == .init(micros: 10_000_000, rateDate: gbpDay.isoText))
            await #expect(
                throws: FXRateStore.Unconvertible.staleRate(currency: "CHF", rateDay: chfDay.isoText, day: day.isoText)
            ) {
                try await store.convert(micros: 1_000_000, from: "CHF", to: "EUR", on: day)
            }
            // the day before, the CHF rate is 45 days old and converts
            let chf = try await store.convert(micros: 950_000, from: "CHF", to: "EUR", on: day.adding(days: -1))
            #expect(chf == .init(micros: 1_000_000, rateDate: chfDay.isoText))
        }
    }

    @Test(
        "processes starting at once load the shipped history once: the newest day is read again under the lock",
        arguments: TestBackend.available)
    func shippedRatesLoadOnce(backend: TestBackend) async throws {
        // A small file stands in for the shipped history where two loads run at once: parsing the
        // 135,770 shipped rates twice at once would hold this test process's threads for seconds.
        let history = "Date,USD,JPY,\n2009-01-05,1.3000,120.00,\n2009-01-02,1.3500,125.00,\n"
        try await TestDatabase.withFresh(backend) { fresh in
            try await fresh.withOpen { database in
                _ = try await MigrationRunner(logger: TestLogging.logger).run(on: database)
                // given: two processes' pools on one database, neither holding rates
                try await fresh.withOpen { other in
                    // when: both load the same history at once, each having found no rates before
                    async let first = FXRateStore(database: database).importECB(
                        text: history, name: "a", unlessStoredThrough: "2009-01-05")
                    async let second = FXRateStore(database: other).importECB(
                        text: history, name: "b", unlessStoredThrough: "2009-01-05")
                    let loaded = try await [first, second]

                    // then: one of them loaded it, the other found it there under the lock
                    #expect(loaded.sorted() == [0, 4], "\(loaded)")
                }
                // and the shipped history loads once: a second start finds it stored
                let store = FXRateStore(database: database)
                #expect(try await store.loadShippedRates() > 0)
                #expect(try await FXRateStore(database: database).loadShippedRates() == 0)
                let newest = try #require(try await store.newestDay())
                #expect(
                    try await store.importECB(text: Self.csv, name: "rates.csv", unlessStoredThrough: newest) == 0)
            }
        }
    }

    static func day(_ text: String) -> ReportDate {
        ReportDate(text)!
    }

    @Test("a malformed file names its line and stores nothing")
    func malformed() async throws {
        try await withMigrated(.sqlite) { database in
            try await withTemporaryDirectory { directory in
                let path = directory.appendingPathComponent("bad.csv").path
                try "Date,USD\n2026-10-30,1.16\n2026-10-29,abc\n".write(toFile: path, atomically: true, encoding: .utf8)
                let store = FXRateStore(database: database)
                await #expect(
                    throws: FXRateStore.Failure.malformed(file: path, line: 3, message: "'abc' is not a rate for USD")
                ) {
                    try await store.importECB(path: path)
                }
                let checked4 = try await store.rate("USD", on: Self.day("2026-10-30"))
                #expect(checked4 == nil)
            }
        }
    }
}
