import Testing

@testable import SalesReports

@Suite struct FieldParserTests {
    @Test(arguments: [("10/05/2020", "2020-10-05"), ("2020-10-05", "2020-10-05"), ("02/29/2024", "2024-02-29")])
    func parsesBothDateFormats(text: String, iso: String) {
        #expect(ReportDate(text)?.isoText == iso)
    }

    @Test(arguments: [
        "13/01/2020", "02/30/2020", "02/29/2023", "00/10/2020", "1/5/2020", "2020/10/05", "10-05-2020",
        "", "aa/bb/cccc", "10/05/20201",
    ])
    func rejectsInvalidDates(text: String) {
        #expect(ReportDate(text) == nil)
    }

    @Test func writesDatesAsAppleDoes() {
        let date = ReportDate(year: 2015, month: 2, day: 8)!
        #expect(date.usText == "02/08/2015")
        #expect(date.isoText == "2015-02-08")
    }

    @Test(arguments: [
        ("12", Int64(12)), ("-3", -3), ("+4", 4), ("0", 0), ("999999999999999999", 999_999_999_999_999_999),
        ("3.00", 3), ("-2.0", -2), ("7.", 7), ("0.00", 0), ("-50.00", -50),
    ])
    func parsesWholeNumbers(text: String, value: Int64) {
        let parsed = Array(text.utf8).withUnsafeBytes { FieldParser.integer($0) }
        #expect(parsed == value)
    }

    @Test(arguments: ["", "-", "1.5", "1.01", "2.50", ".0", "-.00", "1.0.0", "1 2", "abc", "1000000000000000000", "１"])
    func rejectsOtherWholeNumbers(text: String) {
        let parsed = Array(text.utf8).withUnsafeBytes { FieldParser.integer($0) }
        #expect(parsed == nil)
    }

    @Test func validatesUTF8() {
        let valid = Array("UP尤物 Magazine 🍎".utf8)
        #expect(valid.withUnsafeBytes { FieldParser.isValidUTF8($0) })
        for bad: [UInt8] in [[0xFF], [0xC3], [0xE0, 0x80, 0x80], [0xED, 0xA0, 0x80], [0xF5, 0x80, 0x80, 0x80]] {
            #expect(!bad.withUnsafeBytes { FieldParser.isValidUTF8($0) })
        }
    }
}
