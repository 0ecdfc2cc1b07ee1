import Plot

/// Boolean attributes written `name="name"`: valid HTML that is also well-formed XML, so page tests
/// can read every page as a tree.
extension Attribute where Context == HTML.InputContext {
    static func flag(_ name: String, _ isOn: Bool = true) -> Attribute {
        isOn ? .attribute(named: name, value: name) : .attribute(named: name, value: nil)
    }
}

extension Node where Context: HTMLContext {
    static func flag(_ name: String, _ isOn: Bool = true) -> Node {
        isOn ? .attribute(named: name, value: name) : .empty
    }
}
