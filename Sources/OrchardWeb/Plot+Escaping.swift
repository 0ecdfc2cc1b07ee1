import Plot

/// Plot writes attribute values exactly as given (`name="value"`), so a value holding `"` ends the
/// attribute and can add markup. Every attribute value that is not a literal in the source goes
/// through ``attribute(_:)``, by way of `.attr(name, value)`; a test reads the views and fails on a
/// dynamic value written any other way. (Links built from `SiteRoute` and `MetricsQuestion` are
/// percent-encoded, with `&amp;` between parameters, and need nothing more.)
enum HTMLEscape {
    /// `&`, `"`, `'`, `<` and `>` as character references: safe between double or single quotes,
    /// and as element text. Control characters XML 1.0 does not allow are dropped: one in a title
    /// would make a whole page (or an SVG chart) unparseable.
    static func attribute(_ value: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(value.utf8.count)
        for scalar in value.unicodeScalars {
            switch scalar {
            case "&": escaped += "&amp;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\t", "\n", "\r": escaped.unicodeScalars.append(scalar)
            case _ where scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF: continue
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }
}

extension Node {
    /// An attribute whose value comes from data: escaped.
    static func attr(_ name: String, _ value: String) -> Node {
        .attribute(named: name, value: HTMLEscape.attribute(value))
    }
}

extension Attribute {
    /// An attribute whose value comes from data: escaped.
    static func attr(_ name: String, _ value: String) -> Attribute {
        .attribute(named: name, value: HTMLEscape.attribute(value))
    }
}
