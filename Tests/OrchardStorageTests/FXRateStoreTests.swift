import Foundation
import OrchardTestSupport
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
                let toEUR = try await store.convert(micros: 10_000_000, from: "USD", to: "EUR", on: "2026-11-01")
                #expect(toEUR == .init(micros: 8_620_690, rateDate: "2026-10-30"))
                // 1000 JPY on 2026-10-29 = 1000 * 1.15 / 173 USD = 6.647399 USD.
                let jpy = try await store.convert(micros: 1_000_000_000, from: "JPY", to: "USD", on: "2026-10-29")
                #expect(jpy == .init(micros: 6_647_399, rateDate: "2026-10-29"))
                let checked1 = try await store.convert(micros: 5, from: "USD", to: "USD", on: "2026-10-29")
                #expect(checked1 == .init(micros: 5, rateDate: nil))
                let checked2 = try await store.convert(micros: 1, from: "USD", to: "EUR", on: "1999-01-01")
                #expect(checked2 == nil)
                let checked3 = try await store.rate("CYP", on: "2026-10-30")?.day
                #expect(checked3 == "2008-01-02")
            }
        }
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
                let checked4 = try await store.rate("USD", on: "2026-10-30")
                #expect(checked4 == nil)
            }
        }
    }
}
