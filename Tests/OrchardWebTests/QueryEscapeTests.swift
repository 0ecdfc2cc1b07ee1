import Foundation
import OrchardApp
import Testing

/// The values of the dashboard's and the exports' links: percent-encoded byte by byte.
@Suite("Query string values")
struct QueryEscapeTests {
    @Test(
        "letters, digits and -._~ stay; every other byte is %XX, non-ASCII and reserved alike; decoding gives the value"
    )
    func escape() {
        #expect(MetricsQuestion.escape("2026-12-07") == "2026-12-07")
        #expect(MetricsQuestion.escape("com.acme.app_1~x") == "com.acme.app_1~x")
        #expect(MetricsQuestion.escape("a b&c=d/e?f#g+h%") == "a%20b%26c%3Dd%2Fe%3Ff%23g%2Bh%25")
        #expect(MetricsQuestion.escape("Café 日本") == "Caf%C3%A9%20%E6%97%A5%E6%9C%AC")
        #expect(MetricsQuestion.escape("") == "")
        for value in ["Café 日本", "a&b", "<script>\"'", "100%", "emoji 🍎"] {
            #expect(MetricsQuestion.escape(value).removingPercentEncoding == value)
            #expect(MetricsQuestion.escape(value).utf8.allSatisfy { $0 < 0x80 && $0 != UInt8(ascii: "&") })
        }
    }
}
