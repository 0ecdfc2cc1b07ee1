import Foundation
import Testing

@testable import OrchardWeb

/// Plot writes attribute values unescaped: every dynamic one goes through `.attr` (HTMLEscape).
@Suite("Attribute values are escaped")
struct AttributeEscapingTests {
    @Test("the escaping helper makes a value safe between quotes")
    func helper() {
        #expect(
            HTMLEscape.attribute(#"/"><script>alert('x')</script>&"#)
                == "/&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;")
        #expect(HTMLEscape.attribute("Café 1 – ok") == "Café 1 – ok")
    }

    /// The views' source: every `.value(…)`, `.id(…)`, `.for(…)`, `.attribute(named:value:)` and
    /// `.data(named:value:)` takes a plain literal (or a choice between two); anything else is
    /// written `.attr(name, value)`. Links are `.href` of a `SiteRoute` path or a metrics question's
    /// query string, which are percent-encoded.
    @Test("no view writes a dynamic attribute value without the escaping helper")
    func viewsUseTheHelper() throws {
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../Sources/OrchardWeb").standardized
        let literal = #"\s*"[^"\\]*"\s*"#
        let plain = try Regex(#"^("# + literal + #"|[^"]*\?"# + literal + ":" + literal + #")$"#)
        let argument = #"((?:[^()]|\([^()]*\))*)"#
        let member = #"(?<![\w)\]?])\."#
        let calls = try NSRegularExpression(
            pattern: member + #"(value|id|for)\("# + argument + #"\)|"# + member
                + #"(?:attribute|data)\(named: "[^"]*", value: "# + argument + #"\)|"# + member
                + #"(?:href|action|src)\("# + argument + #"\)"#)
        var offenders: [String] = []
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter {
            $0.hasSuffix(".swift")
        }
        #expect(files.count > 20)
        for file in files where !["Plot+Escaping.swift", "Plot+Flags.swift"].contains(file) {
            let text = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
            guard text.contains("import Plot") else { continue }
            for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let line = String(line)
                for match in calls.matches(in: line, range: NSRange(line.startIndex..., in: line)) {
                    guard let range = Range(match.range, in: line) else { continue }
                    let whole = String(line[range])
                    let value = String(
                        whole.drop(while: { $0 != "(" }).dropFirst().dropLast()
                    ).replacingOccurrences(of: #"^named: "[^"]*", value: "#, with: "", options: .regularExpression)
                    if (try? plain.wholeMatch(in: value)) != nil { continue }
                    let link = whole.hasPrefix(".href(") || whole.hasPrefix(".action(") || whole.hasPrefix(".src(")
                    if link,
                        value.contains("SiteRoute.") || value.contains("route.path") || value.contains("queryString(")
                    {
                        continue
                    }
                    offenders.append("\(file):\(number + 1): \(whole)")
                }
            }
        }
        #expect(offenders.isEmpty, "dynamic attribute values without .attr: \(offenders.joined(separator: "; "))")
    }
}
