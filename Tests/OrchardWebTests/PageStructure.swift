import Foundation
import Testing

#if canImport(FoundationXML)
import FoundationXML
#endif

/// An HTML page read as the tree of elements it is (Plot writes well-formed markup), with the
/// structural rules every Orchard page keeps: one `h1`, unique ids, a label for every field, errors
/// and hints tied to existing ids, a CSRF token in every form that posts, no inline script or style
/// (the CSP would block them).
final class PageStructure: NSObject, XMLParserDelegate {
    struct Element {
        let name: String
        let attributes: [String: String]
        /// The names of the enclosing elements, outermost first.
        let ancestors: [String]
        var text = ""
    }

    private(set) var elements: [Element] = []
    private var stack: [Int] = []
    private(set) var parseError: String?

    init(_ html: String) {
        super.init()
        let body = html.replacingOccurrences(of: "<!DOCTYPE html>", with: "")
        let parser = XMLParser(data: Data(body.utf8))
        parser.delegate = self
        if !parser.parse() { parseError = parser.parserError.map { "\($0)" } ?? "unknown" }
    }

    func parser(
        _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String]
    ) {
        elements.append(Element(name: name, attributes: attributes, ancestors: stack.map { elements[$0].name }))
        stack.append(elements.count - 1)
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        stack.removeLast()
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        for index in stack { elements[index].text += string }
    }

    func all(_ name: String) -> [Element] { elements.filter { $0.name == name } }

    /// Every rule broken, as sentences; empty when the page keeps them all.
    var problems: [String] {
        if let parseError { return ["the page is not well-formed: \(parseError)"] }
        var problems: [String] = []
        if all("h1").count != 1 { problems.append("\(all("h1").count) h1 elements") }
        let ids = elements.compactMap { $0.attributes["id"] }
        for id in Set(ids) where ids.filter({ $0 == id }).count > 1 { problems.append("id \(id) used twice") }
        let labelled = Set(all("label").compactMap { $0.attributes["for"] })
        for field in all("input") + all("textarea") + all("select") {
            let type = field.attributes["type"] ?? "text"
            guard !["hidden", "submit", "button"].contains(type) else { continue }
            guard let id = field.attributes["id"], labelled.contains(id) else {
                problems.append("\(field.name) \(field.attributes["name"] ?? "?") has no label")
                continue
            }
        }
        for element in elements {
            for reference in (element.attributes["aria-describedby"] ?? "").split(separator: " ")
            where !ids.contains(String(reference)) {
                problems.append("aria-describedby points to a missing id \(reference)")
            }
            if element.attributes["style"] != nil { problems.append("inline style on \(element.name)") }
        }
        for script in all("script") where script.attributes["src"] == nil {
            problems.append("an inline script")
        }
        if !all("style").isEmpty { problems.append("an inline style element") }
        let forms = elements.indices.filter { elements[$0].name == "form" }
        for index in forms where elements[index].attributes["method"]?.lowercased() == "post" {
            let hasToken = elements[(index + 1)...].prefix { $0.ancestors.count > elements[index].ancestors.count }
                .contains {
                    $0.name == "input" && $0.attributes["name"] == "_csrf" && !($0.attributes["value"] ?? "").isEmpty
                }
            if !hasToken {
                problems.append("a form posting to \(elements[index].attributes["action"] ?? "?") has no CSRF token")
            }
        }
        return problems
    }
}
