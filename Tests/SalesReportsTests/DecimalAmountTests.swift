import Testing

@testable import SalesReports

@Suite struct DecimalAmountTests {
    @Test(arguments: [
        ("209.30", Int128(209_300_000)), ("0", 0), ("-85.43", -85_430_000), (".5", 500_000), ("12.", 12_000_000),
        ("+1.000001", 1_000_001), ("999999999999.999999", 999_999_999_999_999_999),
    ])
    func parsesPlainDecimals(text: String, millionths: Int128) {
        // given / when
        let value = DecimalAmount(text)

        // then
        #expect(value?.millionths == millionths)
    }

    @Test(arguments: ["", "-", ".", "1,50", "1.2.3", "1e3", "abc", "1.0000001", "1000000000000", " 1", "0x10", "--1"])
    func rejectsAnythingElse(text: String) {
        #expect(DecimalAmount(text) == nil)
    }

    @Test(arguments: [
        ("0.125", "0.12"), ("0.135", "0.14"), ("-0.125", "-0.12"), ("2.5", "2.50"), ("0.004", "0.00"),
        ("-0.004", "0.00"), ("1.005", "1.00"), ("1.015", "1.02"), ("-2.675", "-2.68"), ("0.005001", "0.01"),
        ("0.005", "0.00"), ("0.015", "0.02"),
    ])
    func roundsHalfToEvenForDisplay(text: String, expected: String) throws {
        // given
        let value = try #require(DecimalAmount(text))

        // when
        let shown = value.formatted(fractionDigits: 2)

        // then
        #expect(shown == expected)
    }

    @Test func describesExactValueWithAtLeastTwoDecimals() {
        #expect(DecimalAmount("209.3")!.description == "209.30")
        #expect(DecimalAmount("0.125")!.description == "0.125")
        #expect(DecimalAmount("-7")!.description == "-7.00")
        #expect(DecimalAmount("0.000001")!.description == "0.000001")
    }

    @Test func sumsTenCentsExactlyWhereDoubleDrifts() {
        // given
        let dime = DecimalAmount("0.10")!
        var exact = DecimalAmount.zero
        var double = 0.0

        // when
        for _ in 0..<1_000 {
            exact = exact.adding(dime)!
            double += 0.10
        }

        // then
        #expect(exact == DecimalAmount("100")!)
        #expect(double != 100.0)
    }

    @Test func multipliesPerUnitAmountsByUnitsIncludingRefunds() {
        #expect(DecimalAmount("209.30")!.multiplied(by: 12) == DecimalAmount("2511.60")!)
        #expect(DecimalAmount("0.70")!.multiplied(by: -3) == DecimalAmount("-2.10")!)
    }

    @Test func reportsOverflowInsteadOfTrapping() {
        // given
        let huge = DecimalAmount(millionths: Int128.max - 1)

        // when / then
        #expect(huge.adding(DecimalAmount("1")!) == nil)
        #expect(huge.multiplied(by: 2) == nil)
    }
}
